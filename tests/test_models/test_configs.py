# Copyright (c) mmrvos contributors. All rights reserved.
import glob
import os.path as osp
import re

import pytest
import torch

from mmrvos.registry import MODELS
from mmrvos.testing import get_config, get_config_root, get_model_cfg, tiny_soc_cfg
from mmrvos.testing.model_cfg import TINY_SOC_BASE

ALL_CONFIGS = sorted(
    osp.relpath(p, get_config_root()) for p in glob.glob(osp.join(get_config_root(), '*', '*.py'))
    if osp.basename(osp.dirname(p)) != '_base_')
SOC_CONFIGS = [c for c in ALL_CONFIGS if c.startswith('soc/')]
SYNTHETIC_MAIN = 'synthetic/soc_tiny_1xb8-800it_synthetic-rvos.py'
# OpenMMLab's {model}_{backbone}[_{pre-training}]_{gpus}xb{batch}-{schedule}_{dataset}[_test-{dataset}]
# [_{name}-protocol] (a variant scored with another evaluation protocol)
NAME = re.compile(r'^(?P<model>[a-z0-9]+)_(?P<backbone>[a-z0-9-]+)(_(?P<pre>[a-z0-9-]+))?'
                  r'_(?P<gpus>\d+)xb(?P<batch>\d+)-(?P<length>\d+)(?P<unit>e|it)'
                  r'_(?P<dataset>[a-z0-9-]+)(_test-(?P<test>[a-z0-9-]+))?(_[a-z0-9]+-protocol)?\.py$')


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
    assert cfg.model.head.mask_head.pixel_decoder.fpn_dims[-1] == (128 if swin_b else 96)
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


def test_configs_found():
    assert SYNTHETIC_MAIN in ALL_CONFIGS and len(SOC_CONFIGS) == 18


@pytest.mark.parametrize('config', ALL_CONFIGS)
def test_config_name_matches_recipe(config):
    """Every config's name follows the OpenMMLab scheme and states its recipe: total batch (also given as
    ``auto_scale_lr.base_batch_size``, which ``tools/train.py --auto-scale-lr`` needs), batch per process
    and training length."""
    match = NAME.match(osp.basename(config))
    assert match, f'{config} does not follow {NAME.pattern}'
    gpus, batch, length = (int(match[k]) for k in ('gpus', 'batch', 'length'))
    cfg = get_config(config)
    assert cfg.auto_scale_lr == dict(enable=False, base_batch_size=gpus * batch), config
    if match['test']:  # evaluation-only: the name is the trained model's
        assert 'train_cfg' not in cfg and 'train_dataloader' not in cfg
        return
    assert cfg.train_dataloader.batch_size == batch
    if match['unit'] == 'e':
        assert cfg.train_cfg.type == 'EpochBasedTrainLoop' and cfg.train_cfg.max_epochs == length
    else:
        assert cfg.train_cfg.type == 'IterBasedTrainLoop' and cfg.train_cfg.max_iters == length
    assert all(s.get('end', length) <= length for s in cfg.param_scheduler)  # no end: max_iters


def test_tiny_test_model_is_the_synthetic_model(tiny_text_encoder_cfg):
    """mmrvos.testing.tiny_soc_cfg and the synthetic configs' model come from one base
    (configs/_base_/models/soc_tiny.py) and differ only in the documented test overrides."""
    base = get_model_cfg(TINY_SOC_BASE).to_dict()
    synthetic = get_model_cfg(SYNTHETIC_MAIN).to_dict()
    tiny = tiny_soc_cfg(tiny_text_encoder_cfg)
    # the synthetic config gives the base its tokenizer, nothing else
    assert base['text_encoder'].pop('tokenizer_path') is None
    assert synthetic['text_encoder'].pop('tokenizer_path') == 'data/synthetic_rvos/tiny_roberta'
    assert synthetic == base
    # the tests: their own tokenizer and text encoder, 5 queries instead of 20
    assert tiny['text_encoder'] == dict(tiny_text_encoder_cfg, embed_dims=base['head']['embed_dims'])
    assert tiny['head']['num_queries'] == tiny['head']['voc']['num_queries'] == 5
    assert base['head']['num_queries'] == base['head']['voc']['num_queries'] == 20
    for cfg in (base, tiny):
        del cfg['text_encoder'], cfg['head']['num_queries'], cfg['head']['voc']['num_queries']
    assert tiny == base


@pytest.mark.parametrize('config', [c for c in ALL_CONFIGS if c.startswith('synthetic/')])
def test_synthetic_models_build(config, tiny_text_encoder_cfg, tmp_path):
    """The synthetic configs resize to the generated frame size, and their models build (with the tests'
    tokenizer or word table in place of the generated one)."""
    full = get_config(config)
    for pipeline in (full.train_dataloader.dataset.pipeline, full.test_dataloader.dataset.pipeline):
        # the base pipelines with the generator's frame size
        assert [t.scale for t in pipeline[1].transforms if t.type == 'Resize'] == [(160, 96)]
    cfg = full.model
    if cfg.type == 'LBDT':
        from mmrvos.testing import write_tiny_glove
        # the word table that tools/run_synthetic_benchmark.py writes from the generator's vocabulary
        assert cfg.text_encoder.glove_path == 'data/synthetic_rvos/tiny_glove/glove.16d.txt'
        cfg.text_encoder.glove_path = write_tiny_glove(str(tmp_path / 'glove.txt'), dim=16)
        model = MODELS.build(cfg)
        assert model.backbone.out_channels == [8, 16, 32, 64] and model.text_encoder.word_dims == 16
        # every current frame has its reference ref_offset frames away, in training and at test time
        samplers = [full.train_dataloader.dataset.pipeline[0], full.test_dataloader.dataset.pipeline[0]]
        assert all(s.sampling == 'reference' and s.ref_offset == cfg.test_cfg.ref_offset for s in samplers)
        assert full.inference_cfg.model_test_cfg.ref_offset == cfg.test_cfg.ref_offset
        return
    cfg.text_encoder.tokenizer_path = tiny_text_encoder_cfg['tokenizer_path']
    model = MODELS.build(cfg)
    assert model.backbone.out_channels == [16, 32, 64, 128]
    if cfg.type == 'SOC':
        assert (model.head.voc is None) == ('frame-level' in config)
    else:  # ReferFormer: the same backbone, width and queries as the tiny SOC
        assert cfg.type == 'ReferFormer' and model.head.num_queries == 20 and model.head.embed_dims == 128
