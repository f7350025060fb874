# Copyright (c) mmrvos contributors. All rights reserved.
"""Every fixture through its real dataset config and a DataLoader into mmdet's TrackDataPreprocessor."""
from pathlib import Path

import pytest
import torch
from dataset_test_utils import DATA
from mmdet.models.data_preprocessors import TrackDataPreprocessor
from mmengine import Config
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader

from mmrvos.registry import DATASETS, MODELS

CONFIGS = Path(__file__).resolve().parents[2] / 'configs' / '_base_' / 'datasets'
# (config, dataloader, data_root overrides, dataset overrides for the fixture)
CASES = [
    ('ref_youtube_vos.py', 'train_dataloader', {}),
    ('ref_youtube_vos.py', 'val_dataloader', dict(expected_num_videos=2)),
    ('ref_davis17.py', 'val_dataloader', {}),
    ('a2d_sentences.py', 'train_dataloader', dict(check_counts=False)),
    ('a2d_sentences.py', 'val_dataloader', dict(check_counts=False)),
    ('jhmdb_sentences.py', 'val_dataloader', dict(check_counts=False)),
    ('mevis.py', 'train_dataloader', {}),
    ('refcoco.py', 'train_dataloader', {}),
]
FIXTURE_ROOT = dict(ref_youtube_vos='ref_youtube_vos', ref_davis17='ref_davis', a2d_sentences='a2d_sentences',
                    jhmdb_sentences='jhmdb_sentences', mevis='mevis', refcoco='refcoco/coco')


def fixture_dataset_cfg(config: str, loader: str, overrides: dict) -> dict:
    cfg = Config.fromfile(str(CONFIGS / config))
    dataset = cfg[loader].dataset
    root = str(DATA / FIXTURE_ROOT[config[:-3]]) + '/'
    if dataset.type == 'ConcatDataset':  # refcoco: the fixture only has refcoco, not refcoco+/g
        dataset = dataset.datasets[0]
    dataset = dataset.to_dict()
    dataset.update(data_root=root, **overrides)
    if config == 'mevis.py':
        dataset['pipeline'][0]['num_frames'] = 4
    return dataset


@pytest.mark.parametrize('config,loader,overrides', CASES)
def test_config_dataloader_feeds_track_data_preprocessor(config, loader, overrides):
    dataset = DATASETS.build(fixture_dataset_cfg(config, loader, overrides))
    assert len(dataset) > 0
    batches = DataLoader(dataset, batch_size=2, collate_fn=pseudo_collate, shuffle=False)
    batch = next(iter(batches))
    preprocessor = MODELS.build(dict(type='TrackDataPreprocessor', mean=[123.675, 116.28, 103.53],
                                     std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_size_divisor=32,
                                     pad_mask=True))
    assert isinstance(preprocessor, TrackDataPreprocessor)
    training = loader == 'train_dataloader'
    out = preprocessor(batch, training=training)
    inputs, samples = out['inputs'], out['data_samples']
    num_frames = batch['inputs'][0].shape[0]
    assert inputs.dtype == torch.float32 and inputs.dim() == 5
    assert inputs.shape[:3] == (len(batch['inputs']), num_frames, 3)
    assert inputs.shape[-2] % 32 == 0 and inputs.shape[-1] % 32 == 0
    assert abs(float(inputs.mean())) < 5  # normalised
    for track in samples:
        assert isinstance(track.text, str) and track.text and track.video_id and len(track) == num_frames
        for frame in track:
            assert frame.batch_input_shape == tuple(inputs.shape[-2:])
            if training and len(frame.gt_instances):
                assert frame.gt_instances.masks.masks.shape[-2:] == tuple(inputs.shape[-2:])
            if not training and frame.has_gt:
                assert frame.gt_instances.masks.masks.shape[-2:] == frame.ori_shape


def test_joint_config_builds_concat():
    cfg = Config.fromfile(str(CONFIGS / 'ref_youtube_vos_joint.py'))
    ytvos, refcoco = cfg.train_dataloader.dataset.datasets[:2]
    ytvos.data_root = str(DATA / 'ref_youtube_vos') + '/'
    refcoco.data_root = str(DATA / 'refcoco' / 'coco') + '/'
    joint = DATASETS.build(dict(type='ConcatDataset', datasets=[ytvos.to_dict(), refcoco.to_dict()]))
    assert len(joint) == 6 + 3
    assert joint[7]['inputs'].shape[0] == 8 == joint[0]['inputs'].shape[0]
