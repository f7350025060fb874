# Copyright (c) mmrvos contributors. All rights reserved.
"""Issue 19, item 10: from mmdet's default scope (an mmdet config, mmdet's own tools) mmrvos datasets and
their transforms build with ``type='mmrvos.X'`` and no ``_scope_`` in the pipeline, and mmengine's own
checkpoint loading (what mmdet's tools/test.py calls) reads an mmrvos training checkpoint."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from robust_ckpt_utils import TESTS, toy_train_config

DATA = osp.join(TESTS, 'data')


def test_mmrvos_dataset_builds_under_mmdet_scope(tmp_path):
    cfg_file = tmp_path / 'ytvos_in_mmdet.py'
    cfg_file.write_text(f"""
default_scope = 'mmdet'
custom_imports = dict(imports=['mmrvos'], allow_failed_imports=False)
dataset = dict(
    type='mmrvos.RefYouTubeVOSDataset', data_root={osp.join(DATA, 'ref_youtube_vos')!r},
    ann_file='meta_expressions/train/meta_expressions.json', meta_file='train/meta.json',
    data_prefix=dict(img='train/JPEGImages', ann='train/Annotations'), clip_length=2,
    pipeline=[
        dict(type='RVOSClipSample'),
        dict(type='TransformBroadcaster', share_random_params=True, transforms=[
            dict(type='LoadRVOSFrame'), dict(type='LoadRVOSAnnotations'),
            dict(type='Resize', scale=(96, 64), keep_ratio=True)]),
        dict(type='PackRVOSInputs'),
    ])
""")
    cfg = Config.fromfile(str(cfg_file))
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        from mmdet.registry import DATASETS as MMDET_DATASETS
        dataset = MMDET_DATASETS.build(cfg.dataset)
        item = dataset[0]
    assert type(dataset).__name__ == 'RefYouTubeVOSDataset'
    assert item['inputs'].shape[0] == 2 and len(item['data_samples'].video_data_samples) == 2


def test_mmengine_loads_an_mmrvos_training_checkpoint(tmp_path):
    """mmdet's tools/test.py loads ``load_from`` with mmengine's ``load_checkpoint`` (torch's default
    ``weights_only=True``): an mmrvos checkpoint holds only plain types and tensors."""
    from mmengine.runner import load_checkpoint

    from mmrvos.testing import load_script
    train = load_script('tools/train.py')
    cfg = toy_train_config(str(tmp_path))
    train.main([cfg, '--work-dir', str(tmp_path / 'w')])
    model = torch.nn.Module()
    model.linear = torch.nn.Linear(1, 1)
    checkpoint = load_checkpoint(model, str(tmp_path / 'w' / 'epoch_1.pth'), map_location='cpu', strict=True)
    assert checkpoint['meta']['epoch'] == 1
    assert torch.equal(model.linear.weight, checkpoint['state_dict']['linear.weight'])
