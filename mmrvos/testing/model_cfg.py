# Copyright (c) mmrvos contributors. All rights reserved.
import copy
import os.path as osp
from typing import Dict

from mmengine.config import Config


def get_config_root() -> str:
    """``configs/`` of a source checkout, else the ``.mim/configs`` of an installed mmrvos."""
    import mmrvos
    pkg = osp.dirname(mmrvos.__file__)
    for root in (osp.join(osp.dirname(pkg), 'configs'), osp.join(pkg, '.mim', 'configs')):
        if osp.isdir(root):
            return root
    raise FileNotFoundError(f'no mmrvos configs found next to {pkg}')


def get_config(fname: str) -> Config:
    """Load ``configs/<fname>``."""
    path = osp.join(get_config_root(), fname)
    if not osp.isfile(path):
        raise FileNotFoundError(f'config {path} does not exist')
    return Config.fromfile(path)


def get_model_cfg(fname: str) -> Config:
    """The ``model`` dict of ``configs/<fname>`` (a deep copy)."""
    return copy.deepcopy(get_config(fname).model)


TINY_SOC_BASE = '_base_/models/soc_tiny.py'


def tiny_soc_cfg(text_encoder: Dict, num_queries: int = 5) -> Dict:
    """The tiny SOC of ``configs/_base_/models/soc_tiny.py`` (the synthetic benchmark's model) for CPU tests.

    The test overrides, nothing else: ``text_encoder`` replaces the base's (whose tokenizer is the synthetic
    benchmark's), with ``embed_dims`` set to the model width; ``num_queries`` frame and video queries
    instead of 20.

    Args:
        text_encoder (dict): Text encoder config (see :func:`build_tiny_text_encoder_cfg`).
        num_queries (int): Frame and video queries. Defaults to 5.

    Returns:
        dict: Model config.
    """
    cfg = get_model_cfg(TINY_SOC_BASE)
    cfg.text_encoder = dict(text_encoder, embed_dims=cfg.head.embed_dims)
    cfg.head.num_queries = cfg.head.voc.num_queries = num_queries
    return cfg.to_dict()


def tiny_referformer_cfg(text_encoder: Dict, num_queries: int = 5) -> Dict:
    """A tiny ReferFormer for CPU tests: the widths and transformer of the tiny SOC
    (``configs/_base_/models/soc_tiny.py``) with ReferFormer's parts.

    A ResNet-18 layout of mmdet's ``ResNet`` with 16 base channels run per frame (``frame_backbone=True``,
    BatchNorm in eval mode as the official frozen BN, but trainable from scratch: no frozen stages),
    ``VisionLanguageFusionNeck``, ``ReferFormerHead`` (sentence queries, official ReferFormer loss
    weights and matching costs) and a ``DynamicMaskHead`` with ``FPNSpatialDecoder`` (8 channels,
    relative coordinates in units of 32 px as the tiny SOC); inputs padded to a multiple of 32.

    Args:
        text_encoder (dict): Text encoder config (see :func:`build_tiny_text_encoder_cfg`).
        num_queries (int): Queries per frame. Defaults to 5 (the official number).

    Returns:
        dict: Model config.
    """
    cfg = get_model_cfg(TINY_SOC_BASE)
    embed_dims = cfg.head.embed_dims
    stage_dims = [16, 32, 64, 128]
    cfg.type = 'ReferFormer'
    cfg.frame_backbone = True
    cfg.data_preprocessor.pad_size_divisor = 32
    cfg.backbone = dict(type='mmdet.ResNet', depth=18, base_channels=stage_dims[0],
                        stem_channels=stage_dims[0], num_stages=4, out_indices=(0, 1, 2, 3), frozen_stages=-1,
                        norm_cfg=dict(type='BN', requires_grad=True), norm_eval=True, style='pytorch')
    cfg.text_encoder = dict(text_encoder, embed_dims=embed_dims)
    cfg.neck = dict(type='VisionLanguageFusionNeck', in_channels=stage_dims[1:], embed_dims=embed_dims,
                    num_heads=cfg.neck.num_heads)
    head = {k: v for k, v in cfg.head.items() if k in ('num_classes', 'embed_dims', 'num_levels', 'encoder',
                                                       'decoder')}
    head.update(
        type='ReferFormerHead', num_queries=num_queries,
        mask_head=dict(type='DynamicMaskHead', in_channels=8, rel_coords_scale=1 / 32,
                       pixel_decoder=dict(type='FPNSpatialDecoder', context_dims=embed_dims,
                                          fpn_dims=(embed_dims, embed_dims, stage_dims[0]), mask_dims=8)))
    cfg.head = head
    frame_averaged = [dict(type='FrameAveragedCost', valid_only=True,
                           cost=dict(type='FocalLossCost', alpha=0.25, gamma=2.0, eps=1e-8, weight=2.0)),
                      dict(type='FrameAveragedCost',
                           cost=dict(type='BBoxL1Cost', box_format='xywh', weight=5.0)),
                      dict(type='FrameAveragedCost', cost=dict(type='IoUCost', iou_mode='giou', weight=2.0))]
    clip_volume = [dict(type='FocalLossCost', alpha=0.25, gamma=2.0, eps=1e-8, binary_input=True, weight=2.0),
                   dict(type='DiceCost', pred_act=True, naive_dice=True, eps=1.0, weight=5.0)]
    cfg.train_cfg = dict(assigner=dict(type='HungarianAssigner', match_costs=frame_averaged + clip_volume))
    cfg.test_cfg.pop('official_layer0_quirk')
    return cfg.to_dict()


def tiny_cma_cfg(text_encoder: Dict, num_queries: int = 5) -> Dict:
    """A tiny CMA for CPU tests: :func:`tiny_referformer_cfg` with CMA's parts.

    ``CMA`` segmentor, ``CMAHead`` (DAB anchor queries, the official layer-0 broadcast) and a
    ``CrossModalAffinity`` of half the model width without dropout; test windows of 10 frames and no
    padding at test time, as the official inference.

    Args:
        text_encoder (dict): Text encoder config (see :func:`build_tiny_text_encoder_cfg`).
        num_queries (int): Queries per frame. Defaults to 5 (the official number).

    Returns:
        dict: Model config.
    """
    cfg = tiny_referformer_cfg(text_encoder, num_queries)
    embed_dims = cfg['head']['embed_dims']
    cfg['type'] = 'CMA'
    cfg['head']['type'] = 'CMAHead'
    cfg['affinity'] = dict(type='CrossModalAffinity', in_channels=embed_dims, channels=embed_dims // 2,
                           dropout=0.0)
    # the official padding: training batches to a multiple of 32, test episodes un-padded
    cfg['data_preprocessor'].update(type='RVOSDataPreprocessor', test_pad_size_divisor=1)
    cfg['test_cfg'].update(clip_length=10, with_resized_masks=True)
    return cfg


TINY_LBDT_BASE = '_base_/models/lbdt_tiny.py'


def tiny_lbdt_cfg(glove_path: str) -> Dict:
    """The tiny LBDT of ``configs/_base_/models/lbdt_tiny.py`` for CPU tests, with the word table
    ``glove_path`` (see :func:`mmrvos.testing.write_tiny_glove`; 16-d)."""
    cfg = get_model_cfg(TINY_LBDT_BASE)
    cfg.text_encoder.glove_path = glove_path
    return cfg.to_dict()
