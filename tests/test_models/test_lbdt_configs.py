# Copyright (c) mmrvos contributors. All rights reserved.
"""configs/lbdt/: the official LBDT recipes (names and batch sizes are checked by test_configs.py)."""
import glob
import os.path as osp

import pytest

from mmrvos.registry import MODELS
from mmrvos.testing import get_config, get_config_root, get_model_cfg
from mmrvos.testing.model_cfg import TINY_LBDT_BASE

LBDT_CONFIGS = sorted(osp.relpath(p, get_config_root()) for p in glob.glob(osp.join(get_config_root(), 'lbdt',
                                                                                   '*.py')))
#: dataset -> (reference offset, fallback, current frames at test time) of the official loaders
REFERENCE = {'a2d-sentences': (6, 'first', 'key'), 'jhmdb-sentences': (5, 'first', 'key'),
             'ref-ytvos': (1, 'first', 'all'), 'ref-davis': (2, 'forward', 'all')}


def test_lbdt_configs_found():
    assert len(LBDT_CONFIGS) == 10  # 6 recipes, 4 of them also with LBDT's evaluation protocol


@pytest.mark.parametrize('config', LBDT_CONFIGS)
def test_lbdt_configs(config):
    cfg = get_config(config)
    assert cfg.model.type == 'LBDT' and cfg.default_scope == 'mmrvos'
    assert cfg.model.transfer.num_layers == (1 if osp.basename(config).startswith('lbdt1_') else 4)
    assert cfg.model.backbone.resnet.depth == 50 and not cfg.model.backbone.resnet.norm_eval
    protocol = 'lbdt' if config.endswith('_lbdt-protocol.py') else 'all_queries'
    if 'a2d-sentences' in config:  # A2D-Sentences and JHMDB-Sentences
        assert cfg.val_evaluator.protocol == cfg.test_evaluator.protocol == protocol
    config = config.replace('_lbdt-protocol', '')
    test_dataset = config.rsplit('_test-', 1)[1][:-3] if '_test-' in config else config.rsplit('_', 1)[1][:-3]
    offset, fallback, current = REFERENCE[test_dataset]
    sampler, transforms = cfg.test_dataloader.dataset.pipeline[:2]
    assert (sampler.sampling, sampler.ref_offset, sampler.get('ref_fallback', 'first'),
            sampler.get('current_frames', 'key')) == ('reference', offset, fallback, current)
    resize = [t for t in transforms.transforms if t.type == 'Resize']
    assert resize == [dict(type='Resize', scale=(320, 320), keep_ratio=False, backend='pillow',
                           interpolation='bilinear')]
    assert cfg.model.test_cfg.key_frames == ('annotated' if current == 'key' else 'all')
    if '_test-' in config:
        assert 'optim_wrapper' not in cfg and cfg.test_dataloader.dataset.test_mode
        return
    train_sampler = cfg.train_dataloader.dataset.pipeline[0]
    assert (train_sampler.sampling, train_sampler.ref_offset) == ('reference', offset)
    assert cfg.optim_wrapper.optimizer == dict(type='AdamW', lr=1e-4, weight_decay=5e-4)
    assert 'clip_grad' not in cfg.optim_wrapper and 'paramwise_cfg' not in cfg.optim_wrapper
    assert cfg.param_scheduler == [dict(type='MultiStepLR', begin=0, end=15, by_epoch=True,
                                        milestones=[10, 12, 14], gamma=0.5)]


@pytest.mark.parametrize('num_layers,expected', [(4, 94_406_785), (1, 72_319_105)])
def test_r50_model_matches_official_size(num_layers, expected):
    """The official LBDT-4 (LBDT-1) has 95,588,767 (73,501,087) parameters, 1,181,982 of them in the decoder
    modules it never calls (spa_tower, tem_tower, mask_head), which mmrvos does not build."""
    cfg = get_model_cfg('_base_/models/lbdt_r50.py')
    cfg.backbone.resnet.init_cfg = None
    cfg.transfer.num_layers = num_layers
    model = MODELS.build(cfg)  # the word table is only read at the first forward
    assert sum(p.numel() for p in model.parameters()) == expected
    assert model.backbone.out_channels == [256, 512, 1024, 2048]
    assert len(model.transfers) == 2 and len(model.transfers[0].layers) == num_layers


def test_tiny_model_is_the_r50_model_with_small_widths():
    base, tiny = get_model_cfg('_base_/models/lbdt_r50.py'), get_model_cfg(TINY_LBDT_BASE)
    assert tiny.type == base.type and tiny.transfer.type == base.transfer.type
    assert tiny.backbone.resnet.depth == 18 and tiny.text_encoder.glove_path is None
