# Copyright (c) mmrvos contributors. All rights reserved.
"""configs/referformer/: the official ReferFormer recipes (names and batch sizes are checked by
test_configs.py), and the base models they build."""
import glob
import os.path as osp

import pytest

from mmrvos.registry import MODELS
from mmrvos.testing import get_config, get_config_root, get_model_cfg

RF_CONFIGS = sorted(
    osp.relpath(p, get_config_root()) for p in glob.glob(osp.join(get_config_root(), 'referformer', '*.py')))
#: backbone in the name -> (backbone type, neck in_channels, stride-4 channels of the cross-modal FPN)
BACKBONES = {
    'r50': ('mmdet.ResNet', [512, 1024, 2048], 256),
    'r101': ('mmdet.ResNet', [512, 1024, 2048], 256),
    'video-swin-t': ('VideoSwinTransformerRVOS', [192, 384, 768], 96),
    'video-swin-s': ('VideoSwinTransformerRVOS', [192, 384, 768], 96),
    'video-swin-b': ('VideoSwinTransformerRVOS', [256, 512, 1024], 128),
    'swin-t': ('mmdet.SwinTransformer', [192, 384, 768], 96),
    'swin-l': ('mmdet.SwinTransformer', [384, 768, 1536], 192),
}
#: training length -> milestones of the official scripts (--lr_drop)
MILESTONES = {6: [3, 5], 10: [6, 8], 12: [8, 10]}


def test_referformer_configs_found():
    # 7 pre-trainings, 7 fine-tunings + 6 joint + 1 from scratch on Ref-YouTube-VOS (each also evaluated on
    # Ref-DAVIS17), 3 fine-tunings + 1 from scratch on A2D-Sentences (each also evaluated on JHMDB-Sentences)
    assert len(RF_CONFIGS) == 7 + 2 * 14 + 2 * 4


@pytest.mark.parametrize('config', RF_CONFIGS)
def test_referformer_configs(config):
    cfg = get_config(config)
    name = osp.basename(config)
    model = cfg.model
    assert model.type == 'ReferFormer' and cfg.default_scope == 'mmrvos'
    backbone = name.split('_')[1]
    backbone_type, neck_channels, stride4_channels = BACKBONES[backbone]
    assert model.backbone.type == backbone_type
    assert model.frame_backbone == (not backbone.startswith('video'))  # one frame at a time
    if backbone.startswith('r'):
        assert model.backbone.depth == int(backbone[1:]) and model.backbone.frozen_stages == 1
        assert model.backbone.norm_eval and not model.backbone.norm_cfg.requires_grad
    elif backbone.startswith('video'):
        assert model.backbone.arch == {'t': 'tiny', 's': 'small', 'b': 'base'}[backbone[-1]]
    else:
        assert model.backbone.embed_dims == {'t': 96, 'l': 192}[backbone[-1]]
        assert model.backbone.convert_weights  # official Swin checkpoints
    assert model.neck.in_channels == neck_channels
    mask_head = model.head.mask_head
    assert mask_head.pixel_decoder.type == 'CrossModalFPNDecoder'
    assert mask_head.pixel_decoder.in_channels[0] == stride4_channels
    assert mask_head.in_channels == mask_head.pixel_decoder.out_channels == 256
    assert model.head.num_queries == 5
    assert (model.head.encoder.num_layers, model.head.decoder.num_layers) == (4, 4)

    test_cfg = model.test_cfg
    if 'a2d-sentences' in name:  # A2D-Sentences and its JHMDB-Sentences evaluations
        assert (test_cfg.query_selection, test_cfg.key_frames, test_cfg.mask_upsample) == \
            ('all', 'annotated', 'via_input')
        assert cfg.test_evaluator.type == 'A2DSentencesMetric'
        frames = 6 if '_8xb1-12e_' in name else 5  # --num_frames 6 for the model trained from scratch
        assert cfg.test_dataloader.dataset.clip_length == frames
        resize = [t for t in cfg.test_dataloader.dataset.pipeline[1].transforms if t.type == 'Resize']
        assert [r.scale for r in resize] == [(640, 360)]
    elif not name.endswith('refcoco-pre.py'):
        assert test_cfg.query_selection == 'video'
        metric = 'RefDAVISMetric' if 'ref-davis' in name else 'RefYouTubeVOSMetric'
        assert cfg.test_evaluator.type == metric
    assert test_cfg.clip_length == (36 if 'ref-davis' in name else None)  # inference_davis.py windows
    if '_test-' in name:  # evaluation-only configs
        assert 'optim_wrapper' not in cfg and cfg.test_dataloader.dataset.test_mode
        return

    optim = cfg.optim_wrapper
    assert optim.optimizer.type == 'AdamW' and optim.optimizer.lr == 1e-4
    # --weight_decay 1e-4 only for the A2D-Sentences model trained from scratch
    assert optim.optimizer.weight_decay == (1e-4 if '_8xb1-12e_a2d' in name else 5e-4)
    assert optim.clip_grad.max_norm == 0.1
    keys = optim.paramwise_cfg.custom_keys
    assert keys['backbone'].lr_mult == 0.5 and keys['text_encoder'].lr_mult == 0.1  # 5e-5 and 1e-5
    # --freeze_text_encoder everywhere except in the RefCOCO pre-training
    assert model.text_encoder['freeze'] == (not name.endswith('refcoco-pre.py'))
    assert cfg.param_scheduler[0].milestones == MILESTONES[cfg.train_cfg.max_epochs]
    pretrained = f'checkpoints/referformer_{backbone}_8xb2-12e_refcoco-pre.pth'
    assert cfg.load_from == (pretrained if '_refcoco-pre_' in name else None)
    sampler = cfg.train_dataloader.dataset.get('pipeline', [{}])[0]
    if name.endswith('_ref-ytvos.py') and '_joint_' not in name:
        assert (sampler.sampling, sampler.num_frames) == ('local_global', 5)


def test_official_learning_rates(tiny_text_encoder_cfg):
    """backbone 5e-5, text encoder 1e-5 (trained in pre-training only), 1e-4 elsewhere (opts.py)."""
    from mmengine.optim import build_optim_wrapper
    cfg = get_config('referformer/referformer_r50_8xb2-12e_refcoco-pre.py')
    model_cfg = _buildable(cfg.model, tiny_text_encoder_cfg)
    model_cfg.text_encoder['freeze'] = False
    model = MODELS.build(model_cfg)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    names = {id(p): n for n, p in model.named_parameters()}
    lrs = {}
    for group in optim_wrapper.optimizer.param_groups:
        for p in group['params']:
            lrs.setdefault(names[id(p)].split('.')[0], set()).add(group['lr'])
    assert lrs['backbone'] == {5e-5} and lrs['neck'] == {1e-4} and lrs['head'] == {1e-4}
    assert all(abs(lr - 1e-5) < 1e-12 for lr in lrs['text_encoder'])


def _buildable(cfg, tiny_text_encoder_cfg):
    """A model config that builds offline: the tests' tokenizer and text encoder, no weight files."""
    cfg.text_encoder = dict(tiny_text_encoder_cfg, embed_dims=cfg.head.embed_dims)
    if 'init_cfg' in cfg.backbone:
        cfg.backbone.init_cfg = None
    if 'pretrained' in cfg.backbone:
        cfg.backbone.pretrained = None
    return cfg


@pytest.mark.parametrize('base,out_channels', [
    ('referformer_r50', [256, 512, 1024, 2048]),
    ('referformer_video-swin-t', [96, 192, 384, 768]),
])
def test_base_models_build(base, out_channels, tiny_text_encoder_cfg):
    cfg = _buildable(get_model_cfg(f'_base_/models/{base}.py'), tiny_text_encoder_cfg)
    model = MODELS.build(cfg)
    # the neck projects the backbone's strides 8/16/32, the cross-modal FPN also takes its stride 4
    assert [proj[0].in_channels for proj in model.neck.input_proj[:3]] == out_channels[1:]
    assert model.head.mask_head.pixel_decoder.adapter_1.in_channels == out_channels[0]
    # the dynamic mask head's controller emits the official 2153 = (256+2)*8+8 + 8*8+8 + 8+1 parameters
    controller_out = [m for m in model.head.mask_head.controller.modules() if hasattr(m, 'out_features')][-1]
    assert controller_out.out_features == 2153
    if base == 'referformer_r50':
        # stem and layer1 frozen, BatchNorm frozen everywhere (the official FrozenBatchNorm2d)
        frozen = {n.split('.')[1] for n, p in model.backbone.named_parameters(prefix='backbone')
                  if not p.requires_grad}
        assert {'conv1', 'bn1', 'layer1'} <= frozen
        assert not any(p.requires_grad for n, p in model.backbone.named_parameters() if 'bn' in n)


def test_other_base_models_differ_in_backbone_only():
    """R101 and Video Swin-S/B change the backbone (and the channels that follow it), nothing else."""
    r50 = get_model_cfg('_base_/models/referformer_r50.py')
    r101 = get_model_cfg('_base_/models/referformer_r101.py')
    assert r101.backbone.depth == 101 and r101.head == r50.head and r101.neck == r50.neck
    swin_t = get_model_cfg('_base_/models/referformer_video-swin-t.py')
    for arch in ('s', 'b'):
        swin = get_model_cfg(f'_base_/models/referformer_video-swin-{arch}.py')
        assert swin.text_encoder == swin_t.text_encoder == r50.text_encoder
        assert swin.head.encoder == r50.head.encoder and swin.head.loss_bbox == r50.head.loss_bbox
        assert swin.train_cfg == r50.train_cfg and swin.test_cfg == r50.test_cfg


def test_tiny_model_is_the_video_swin_model_with_small_widths():
    """configs/_base_/models/referformer_tiny.py: the classes, losses and matching of the Video Swin-T model;
    backbone and random RoBERTa of the tiny SOC, so that the two compare on the synthetic benchmark."""
    tiny = get_model_cfg('_base_/models/referformer_tiny.py')
    base = get_model_cfg('_base_/models/referformer_video-swin-t.py')
    soc_tiny = get_model_cfg('_base_/models/soc_tiny.py')
    assert tiny.type == base.type and tiny.head.type == base.head.type and tiny.neck.type == base.neck.type
    assert tiny.train_cfg == base.train_cfg and tiny.test_cfg == base.test_cfg
    assert tiny.head.loss_dice == base.head.loss_dice and tiny.head.loss_bbox == base.head.loss_bbox
    assert tiny.text_encoder == soc_tiny.text_encoder and tiny.backbone == soc_tiny.backbone
    assert tiny.head.embed_dims == soc_tiny.head.embed_dims == tiny.neck.embed_dims
    assert tiny.head.num_queries == soc_tiny.head.num_queries


def test_tiny_model_builds(tiny_text_encoder_cfg):
    cfg = get_model_cfg('synthetic/referformer_tiny_1xb8-800it_synthetic-rvos.py')
    assert cfg.text_encoder.tokenizer_path == 'data/synthetic_rvos/tiny_roberta'
    model = MODELS.build(_buildable(cfg, tiny_text_encoder_cfg))
    assert model.backbone.out_channels == [16, 32, 64, 128]
    assert sum(p.numel() for p in model.parameters()) < 5_000_000
