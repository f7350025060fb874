# Copyright (c) mmrvos contributors. All rights reserved.
import pytest
import torch
from mmengine.structures import InstanceData

from mmrvos.models.segmentors import BaseRVOSSegmentor
from mmrvos.testing import demo_rvos_inputs


def test_get_key_frames():
    samples = demo_rvos_inputs(batch_size=2, num_frames=3, annotated_frames=[1])['data_samples']
    assert BaseRVOSSegmentor.get_key_frames(samples, annotated_only=False) is None
    assert BaseRVOSSegmentor.get_key_frames(samples, annotated_only=True) == [[1], [1]]
    idx = BaseRVOSSegmentor.flat_frame_indices([[1], [1]], 3, 'cpu')
    assert idx.tolist() == [1, 4]
    every = demo_rvos_inputs(batch_size=2, num_frames=3)['data_samples']
    assert BaseRVOSSegmentor.get_key_frames(every, annotated_only=True) is None
    samples[1][2].set_metainfo(dict(has_gt=True))
    with pytest.raises(ValueError, match='clip0.*clip1'):
        BaseRVOSSegmentor.get_key_frames(samples, annotated_only=True)


def test_get_texts_and_padding_masks():
    data = demo_rvos_inputs(batch_size=2, num_frames=2, image_shapes=((8, 10), (6, 7)), texts=['a', 'b'])
    samples = data['data_samples']
    assert BaseRVOSSegmentor.get_texts(samples) == ['a', 'b']
    masks = BaseRVOSSegmentor.get_padding_masks(torch.zeros(2, 2, 3, 8, 10), samples)
    assert masks.shape == (4, 8, 10)
    assert not masks[:2].any() and masks[2:, 6:].all() and masks[2:, :, 7:].all()
    assert not masks[2:, :6, :7].any()
    samples[1].set_metainfo(dict(text=None))
    with pytest.raises(KeyError, match='video clip1'):
        BaseRVOSSegmentor.get_texts(samples)


def test_split_windows_and_add_predictions():
    data = demo_rvos_inputs(num_frames=5, image_shapes=((8, 10), ))
    inputs = torch.arange(5.).view(1, 5, 1, 1, 1).expand(1, 5, 3, 8, 10)
    windows = list(BaseRVOSSegmentor.split_windows(inputs, data['data_samples'], 2))
    assert [w[0][0, :, 0, 0, 0].tolist() for w in windows] == [[0, 1], [2, 3], [4]]
    assert windows[2][1][0][0] is data['data_samples'][0][4]  # views, not copies
    whole = list(BaseRVOSSegmentor.split_windows(inputs, data['data_samples'], None))
    assert len(whole) == 1 and whole[0][1][0] is data['data_samples'][0]

    samples = windows[0][1]
    predicted = InstanceData(masks=torch.ones(1, 8, 10, dtype=torch.bool))
    BaseRVOSSegmentor.add_pred_to_datasample(samples, [[predicted]], [[1]], 'cpu')
    assert samples[0][1].pred_track_instances is predicted
    empty = samples[0][0].pred_track_instances
    assert len(empty) == 0 and empty.masks.shape == (0, 8, 10)
    assert set(empty.keys()) == {'masks', 'scores', 'labels', 'instances_id', 'bboxes'}
