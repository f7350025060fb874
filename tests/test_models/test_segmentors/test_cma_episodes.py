# Copyright (c) mmrvos contributors. All rights reserved.
"""The tiny CMA on episodes of the Mini-Ref-YouTube-VOS fixture, built by the pipelines of configs/cma."""
import importlib.util
import os.path as osp
import random
from unittest import mock

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate

from mmrvos.registry import DATASETS, MODELS
from mmrvos.testing import get_config, tiny_cma_cfg

CONFIG = 'cma/cma_r50_fold1_1xb1-24e_mini-ref-ytvos.py'


def _fixtures():
    path = osp.join(osp.dirname(__file__), '..', '..', 'test_datasets', 'few_shot_fixtures.py')
    spec = importlib.util.spec_from_file_location('few_shot_fixtures', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def ytvos_root(tmp_path_factory):
    return _fixtures().make_mini_ref_ytvos(tmp_path_factory.mktemp('fs'))


def _dataset(root, part, **overrides):
    cfg = get_config(CONFIG)[part].dataset
    cfg.dataset.data_root = str(root)
    cfg.update(overrides)
    with mock.patch('mmrvos.datasets.few_shot_episodes.MMLogger.get_current_instance'):
        return DATASETS.build(cfg)


def test_tiny_cma_on_fixture_episodes(ytvos_root, tiny_text_encoder_cfg):
    torch.manual_seed(0)
    model = MODELS.build(tiny_cma_cfg(tiny_text_encoder_cfg))
    model.init_weights()
    # training: one episode of 5 support + 5 query frames with the official augmentation, padded to 32
    random.seed(0)
    np.random.seed(0)
    train = _dataset(ytvos_root, 'train_dataloader', episodes_per_class=1)
    model.train()
    batch = model.data_preprocessor(pseudo_collate([train[0]]), True)
    losses = model.loss(**batch)
    assert all(torch.isfinite(v) for v in losses.values()) and losses['loss_dice'] > 0
    # test: the whole query video in windows of 10, the support once, frames at short side 360, no padding
    test = _dataset(ytvos_root, 'test_dataloader')
    item = test[0]
    model.eval()
    with torch.no_grad():
        track = model.test_step(pseudo_collate([item]))[0]
    frames = track.video_data_samples
    roles = [f.frame_role for f in frames]
    assert roles[:5] == ['support'] * 5 and set(roles[5:]) == {'query'}
    for frame in frames:
        pred = frame.pred_track_instances
        if frame.frame_role == 'support':
            assert len(pred) == 0
        else:
            assert len(pred) == 1 and tuple(pred.masks.shape[1:]) == tuple(frame.ori_shape[:2])
            # the masks at the resized size too, where the official test scores them
            assert tuple(pred.resized_masks.shape[1:]) == tuple(frame.img_shape[:2])
            assert min(frame.batch_input_shape) == 360  # the query's own size, un-padded
