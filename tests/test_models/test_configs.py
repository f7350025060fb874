# Copyright (c) mmrvos contributors. All rights reserved.
import glob
import os.path as osp
import re

import pytest
import torch

from mmrvos.registry import MODELS
from mmrvos.testing import get_config, get_config_root, get_model_cfg

SOC_CONFIGS = sorted(
    osp.relpath(p, get_config_root()) for p in glob.glob(osp.join(get_config_root(), 'soc', '*.py')))


def test_swin_t_model_matches_official_size(tiny_text_encoder_cfg):
    """configs/_base_/models/soc_video-swin-t.py has exactly the official number of parameters.

    The official Ref-YouTube-VOS Swin-T model has 49,477,848 trainable parameters with its frozen
    roberta-base; without the 768->256 text projection that is 49,280,472 (soc_reference.md, section 6).
    """
    cfg = get_model_cfg('_base_/models/soc_video-swin-t.py')
    cfg.backbone.pretrained = None
    cfg.text_encoder = dict(tiny_text_encoder_cfg, embed_dims=256)
    model = MODELS.build(cfg)
    count = sum(p.numel() for n, p in model.named_parameters() if not n.startswith('text_encoder'))
    assert count == 49_280_472
    assert model.backbone.out_channels == [96, 192, 384, 768]


@pytest.mark.parametrize('config', SOC_CONFIGS)
def test_soc_configs(config):
    cfg = get_config(config)
    assert cfg.model.type == 'SOC' and cfg.default_scope == 'mmrvos'
    swin_b = 'video-swin-b' in config
    assert cfg.model.backbone.arch == ('base' if swin_b else 'tiny')
    assert cfg.model.neck.in_channels == ([256, 512, 1024] if swin_b else [192, 384, 768])
    assert cfg.model.head.mask_head.fpn_dims[-1] == (128 if swin_b else 96)
    test_cfg = cfg.model.test_cfg
    if 'a2d-sentences' in config:
        assert test_cfg.query_selection == 'all' and test_cfg.key_frames == 'annotated'
        assert cfg.test_evaluator.type == 'A2DSentencesMetric'
    elif 'refcoco-pre.py' not in config:
        assert test_cfg.query_selection == 'video'
        metric = 'RefDAVISMetric' if 'ref-davis' in config else 'RefYouTubeVOSMetric'
        assert cfg.test_evaluator.type == metric
    assert test_cfg.clip_length == (36 if 'ref-davis' in config else None)
    if '_test-' in config:  # evaluation-only configs
        assert 'optim_wrapper' not in cfg and cfg.test_dataloader.dataset.test_mode
        return
    optim = cfg.optim_wrapper
    assert optim.optimizer.type == 'AdamW' and optim.optimizer.weight_decay == 1e-4
    assert optim.optimizer.lr == (5e-5 if 'a2d' in config else 1e-4)
    assert optim.clip_grad.max_norm == 0.1
    assert optim.paramwise_cfg.custom_keys['backbone'].lr_mult == 0.1
    frozen_text = 'joint' not in config and 'refcoco-pre.py' not in config
    assert cfg.model.text_encoder['freeze'] == frozen_text
    gpus, batch = re.search(r'_(\d+)xb(\d+)-', config).groups()
    assert cfg.train_dataloader.batch_size == int(batch)
    assert cfg.auto_scale_lr.base_batch_size == int(gpus) * int(batch)


def test_kinetics_weights_are_optional_until_init(tmp_path, tiny_text_encoder_cfg):
    """Building a config never reads checkpoints; init_weights names a missing file."""
    cfg = get_model_cfg('_base_/models/soc_video-swin-t.py')
    cfg.backbone.update(arch=dict(embed_dims=16, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1]),
                        pretrained=str(tmp_path / 'missing.pth'))
    backbone = MODELS.build(cfg.backbone)
    with pytest.raises((FileNotFoundError, IOError), match='missing.pth'):
        backbone.init_weights()
    assert torch.is_tensor(backbone.patch_embed.proj.weight)


def test_official_learning_rates(tiny_soc_cfg):
    """The paramwise config gives backbone 1e-5, text encoder 5e-5 and 1e-4 elsewhere."""
    from mmengine.optim import build_optim_wrapper
    cfg = get_config('soc/soc_video-swin-t_8xb1-30e_ref-ytvos.py')
    model = MODELS.build(tiny_soc_cfg)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    lrs = {}
    names = {id(p): n for n, p in model.named_parameters()}
    for group in optim_wrapper.optimizer.param_groups:
        for p in group['params']:
            lrs[names[id(p)].split('.')[0]] = lrs.get(names[id(p)].split('.')[0], set()) | {group['lr']}
    assert lrs['backbone'] == {1e-5} and lrs['neck'] == {1e-4} and lrs['head'] == {1e-4}
    assert all(abs(lr - 5e-5) < 1e-12 for lr in lrs['text_encoder'])
