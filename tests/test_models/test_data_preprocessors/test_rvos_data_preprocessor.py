# Copyright (c) mmrvos contributors. All rights reserved.
import copy

import torch

from mmrvos.registry import MODELS
from mmrvos.testing import demo_rvos_inputs
from mmrvos.utils import register_all_modules

register_all_modules()


def _build(**kwargs):
    return MODELS.build(dict(type='RVOSDataPreprocessor', mean=[0., 0., 0.], std=[1., 1., 1.], pad_mask=True,
                             **kwargs))


def test_training_and_test_padding_differ():
    data = demo_rvos_inputs(batch_size=2, num_frames=2, image_shapes=((50, 70), (45, 61)))
    preprocessor = _build(pad_size_divisor=32, test_pad_size_divisor=1)
    train = preprocessor(copy.deepcopy(data), True)
    test = preprocessor(copy.deepcopy(data), False)
    assert train['inputs'].shape[-2:] == (64, 96)
    assert test['inputs'].shape[-2:] == (50, 70)  # the largest frame of the batch only
    assert test['data_samples'][0][0].metainfo['batch_input_shape'] == (50, 70)
    # training again after a test batch pads to 32 again
    assert preprocessor(copy.deepcopy(data), True)['inputs'].shape[-2:] == (64, 96)
    # the un-padded area is the same image in both phases
    assert torch.equal(train['inputs'][1, :, :, :45, :61], test['inputs'][1, :, :, :45, :61])


def test_without_a_test_divisor_it_is_mmdet_track_data_preprocessor():
    data = demo_rvos_inputs(batch_size=1, num_frames=2, image_shapes=((50, 70),))
    ours = _build(pad_size_divisor=32)
    mmdet = MODELS.build(dict(type='mmdet.TrackDataPreprocessor', mean=[0., 0., 0.], std=[1., 1., 1.],
                              pad_mask=True, pad_size_divisor=32))
    for training in (True, False):
        a, b = ours(copy.deepcopy(data), training), mmdet(copy.deepcopy(data), training)
        assert torch.equal(a['inputs'], b['inputs']) and a['inputs'].shape[-2:] == (64, 96)
