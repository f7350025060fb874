# Copyright (c) mmrvos contributors. All rights reserved.
"""configs/cma/: the official CMA recipe on the 4 folds of Mini-Ref-YouTube-VOS, its Mini-Ref-SAIL-VOS
cross-domain tests, the variant with trained affinity convolutions; the base model builds."""
import copy
import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.optim import build_optim_wrapper

from mmrvos.registry import MODELS
from mmrvos.testing import demo_episode_inputs, get_config, get_config_root, get_model_cfg, tiny_cma_cfg

CMA_CONFIGS = sorted(
    osp.relpath(p, get_config_root()) for p in glob.glob(osp.join(get_config_root(), 'cma', '*.py')))
FAITHFUL = 'cma/cma_r50_fold1_1xb1-24e_mini-ref-ytvos.py'
TRAINED = 'cma/cma_r50-trained-affinity_fold1_1xb1-24e_mini-ref-ytvos.py'
AFFINITY_CONVS = ('affinity.support_qkv', 'affinity.query_qkv', 'affinity.conv_q')


def test_cma_configs_found():
    # 4 folds, their 4 Mini-Ref-SAIL-VOS tests, the trained-affinity variant
    assert len(CMA_CONFIGS) == 9 and FAITHFUL in CMA_CONFIGS and TRAINED in CMA_CONFIGS


@pytest.mark.parametrize('config', CMA_CONFIGS)
def test_cma_configs(config):
    cfg = get_config(config)
    name = osp.basename(config)
    model = cfg.model
    assert model.type == 'CMA' and cfg.default_scope == 'mmrvos'
    assert model.head.type == 'CMAHead' and model.head.dab_layer0_quirk is True
    assert model.backbone.frozen_stages == 4 and model.text_encoder.freeze  # both frozen (cma.py)
    assert model.affinity == dict(type='CrossModalAffinity', in_channels=256, channels=128, dropout=0.1)
    assert model.squash_beta == 1.3 and model.head.num_queries == 5
    assert (model.test_cfg.clip_length, model.test_cfg.query_selection) == (10, 'video')
    assert model.test_cfg.with_resized_masks  # FewShotJFMetric scores the masks at the resized size
    preprocessor = model.data_preprocessor
    assert (preprocessor.pad_size_divisor, preprocessor.test_pad_size_divisor) == (32, 1)
    assert cfg.test_evaluator.type == 'FewShotJFMetric'
    fold = int(re.search(r'_fold(\d)_', name)[1])
    test_set = cfg.test_dataloader.dataset
    assert test_set.test_mode and test_set.support_frames == 5
    if name.endswith('_test-mini-ref-sailvos.py'):  # cross-domain test of the fold's checkpoint
        assert test_set.dataset.type == 'MiniRefSAILVOSDataset' and test_set.fold is None
        assert 'optim_wrapper' not in cfg
        assert osp.isfile(osp.join(get_config_root(), 'cma', name.replace('_test-mini-ref-sailvos', '')))
        return
    assert test_set.dataset.type == 'MiniRefYouTubeVOSDataset' and test_set.fold == fold
    train_set = cfg.train_dataloader.dataset
    assert (train_set.fold, train_set.episodes_per_class) == (fold, 100)
    assert (train_set.support_frames, train_set.query_frames) == (5, 5)
    assert cfg.train_dataloader.batch_size == 1 and not cfg.train_dataloader.sampler.shuffle
    optim = cfg.optim_wrapper
    assert optim.optimizer == dict(type='AdamW', lr=1e-4, weight_decay=5e-4)
    assert optim.clip_grad.max_norm == 0.1
    assert cfg.train_cfg.max_epochs == 24
    assert cfg.param_scheduler[0].milestones == [3, 5] and cfg.param_scheduler[0].gamma == 0.1
    keys = optim.paramwise_cfg.get('custom_keys', {})
    if 'trained-affinity' in name:
        assert not keys
    else:
        assert all(keys[k] == dict(lr_mult=0.0, decay_mult=0.0) for k in AFFINITY_CONVS)
    assert cfg.load_from.startswith('checkpoints/referformer_r50_8xb2-12e_refcoco-pre')


@pytest.mark.parametrize('config,trained', [(FAITHFUL, False), (TRAINED, True)])
def test_affinity_convs_learn_only_when_trained(config, trained, tiny_text_encoder_cfg):
    """The faithful optimizer leaves the affinity convolutions at their initialisation (the official code
    leaves them out of every group); its LayerNorm and the rest learn. The other config trains them."""
    torch.manual_seed(0)
    model = MODELS.build(tiny_cma_cfg(tiny_text_encoder_cfg))
    model.init_weights()
    model.train()
    optim_wrapper = build_optim_wrapper(model, get_config(config).optim_wrapper)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    data = model.data_preprocessor(demo_episode_inputs(query_frames=2), True)
    optim_wrapper.update_params(sum(model.loss(**data).values()))
    changed = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    convs = {n for n in before if n.startswith(AFFINITY_CONVS) and '.support_qkv.query.' not in n}
    assert len(convs) == 12
    if trained:
        assert convs <= changed
    else:
        assert not convs & changed
    assert {'affinity.layer_norm.weight', 'head.tgt_embed.weight', 'neck.input_proj.0.0.weight'} <= changed
    assert 'affinity.support_qkv.query.weight' not in changed  # never used, never updated


def test_cma_r50_builds(tiny_text_encoder_cfg):
    """The R50 base builds offline (tiny text encoder, no weight files): the official parameter layout."""
    cfg = get_model_cfg('_base_/models/cma_r50.py')
    cfg.text_encoder = dict(tiny_text_encoder_cfg, embed_dims=256)
    cfg.backbone.init_cfg = None
    model = MODELS.build(copy.deepcopy(cfg))
    assert not any(p.requires_grad for p in model.backbone.parameters())  # the whole ResNet frozen
    shapes = {n: tuple(p.shape) for n, p in model.named_parameters()}
    assert shapes['affinity.support_qkv.Key.weight'] == (128, 256, 3, 3)
    assert shapes['affinity.conv_q.weight'] == (128, 256, 1, 1)
    assert shapes['affinity.layer_norm.weight'] == (128, )
    assert shapes['head.tgt_embed.weight'] == (5, 256) and shapes['head.refpoint_embed.weight'] == (5, 4)
    assert shapes['head.decoder.ref_point_head.layers.0.weight'] == (256, 512)
    assert shapes['head.decoder.query_scale.layers.1.weight'] == (256, 256)
    assert not any(n.startswith(('head.query_embed', 'head.reference_points')) for n in shapes)
    # the official 14 never-trained tensors (support_qkv, query_qkv, conv_q) and the LayerNorm's 2
    assert len([n for n in shapes if n.startswith('affinity.')]) == 16
