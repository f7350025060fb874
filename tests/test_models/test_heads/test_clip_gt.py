# Copyright (c) mmrvos contributors. All rights reserved.
import pytest
import torch
from mmengine.structures import InstanceData

from mmrvos.models.heads import unpack_clip_gt_instances
from mmrvos.testing import demo_rvos_inputs


def _samples(image_shapes=((40, 52), ), **kwargs):
    data = demo_rvos_inputs(image_shapes=image_shapes, **kwargs)
    for sample in data['data_samples']:
        for frame in sample:
            frame.set_metainfo(dict(batch_input_shape=(40, 52)))
    return data['data_samples']


def test_unpack_clip_gt_instances_stacks_and_pads():
    samples = _samples(batch_size=2, num_frames=3, image_shapes=((40, 52), (32, 44)), invisible_frames=(2, ))
    gts, metas = unpack_clip_gt_instances(samples)
    assert len(gts) == 2 and len(metas) == 2
    for sample, gt in zip(samples, gts):
        assert gt.masks.shape == (1, 3, 40, 52) and gt.masks.dtype == torch.float32
        assert gt.bboxes.shape == (1, 3, 4) and gt.labels.tolist() == [0]
        assert gt.valid.tolist() == [[True, True, False]]
        for t in range(3):
            frame_gt = sample[t].gt_instances
            h, w = frame_gt.masks.height, frame_gt.masks.width
            assert torch.equal(gt.masks[0, t, :h, :w], torch.from_numpy(frame_gt.masks.masks[0]).float())
            assert gt.masks[0, t, h:].sum() == 0 and gt.masks[0, t, :, w:].sum() == 0  # zero padding
            assert torch.equal(gt.bboxes[:, t], frame_gt.bboxes)
    assert metas[1]['img_shape'] == (32, 44) and metas[1] is not samples[1][0].metainfo


def test_unpack_clip_gt_instances_key_frames_and_tensor_masks():
    samples = _samples(batch_size=2, num_frames=3)
    for sample in samples:
        for frame in sample:  # tensor masks without ``valid``: visibility from the mask
            frame.gt_instances.masks = torch.from_numpy(frame.gt_instances.masks.masks)
            del frame.gt_instances.valid
    samples[1][2].gt_instances.masks.zero_()
    gts, metas = unpack_clip_gt_instances(samples, [[1], [2]])
    assert gts[0].masks.shape == (1, 1, 40, 52)
    assert torch.equal(gts[1].masks[0, 0, :40, :52], samples[1][2].gt_instances.masks[0].float())
    assert gts[0].valid.tolist() == [[True]] and gts[1].valid.tolist() == [[False]]
    assert metas[0]['frame_id'] == 1 and metas[1]['frame_id'] == 2


def test_unpack_clip_gt_instances_errors_name_the_clip():
    samples = _samples(num_frames=2)
    samples[0][1].gt_instances = InstanceData()
    with pytest.raises(ValueError, match='clip0.*frame 1'):
        unpack_clip_gt_instances(samples)
    samples = _samples(num_frames=1, image_shapes=((48, 52), ))
    with pytest.raises(ValueError, match='clip0.*48x52, larger than the padded input 40x52'):
        unpack_clip_gt_instances(samples)
    samples = demo_rvos_inputs(num_frames=2)['data_samples']
    with pytest.raises(KeyError, match='clip0.*batch_input_shape'):
        unpack_clip_gt_instances(samples)
