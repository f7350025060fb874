# Copyright (c) mmrvos contributors. All rights reserved.
import copy
import os.path as osp
from typing import Dict, Optional

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


def tiny_soc_cfg(text_encoder: Dict, num_queries: int = 5, embed_dims: int = 128,
                 num_layers: int = 2, test_cfg: Optional[Dict] = None) -> Dict:
    """A tiny SOC for CPU tests, derived from ``configs/_base_/models/soc_video-swin-t.py``.

    Swin with 16-channel stem and one block per stage, ``embed_dims`` 128 (the smallest width the
    spatial decoder's GroupNorm(8) allows), ``num_layers`` deformable / VOC layers, FFN 256.

    Args:
        text_encoder (dict): Text encoder config (see :func:`build_tiny_text_encoder_cfg`).
        num_queries (int): Frame and video queries. Defaults to 5.
        embed_dims (int): Model width. Defaults to 128.
        num_layers (int): Encoder/decoder layers (deformable and VOC). Defaults to 2.
        test_cfg (dict, optional): Overrides of the test config.

    Returns:
        dict: Model config.
    """
    cfg = get_model_cfg('_base_/models/soc_video-swin-t.py')
    swin_dims = 16
    cfg.backbone.update(arch=dict(embed_dims=swin_dims, depths=[1, 1, 1, 1], num_heads=[1, 1, 2, 2]),
                        pretrained=None, drop_path_rate=0.0)
    cfg.text_encoder = dict(text_encoder, embed_dims=embed_dims)
    cfg.neck.update(
        in_channels=[swin_dims * 2, swin_dims * 4, swin_dims * 8], embed_dims=embed_dims, num_heads=4)
    head = cfg.head
    head.update(num_queries=num_queries, embed_dims=embed_dims)
    for part in ('encoder', 'decoder'):
        head[part].num_layers = num_layers
        layer = head[part].layer_cfg
        for attn in ('self_attn_cfg', 'cross_attn_cfg'):
            if attn in layer:
                layer[attn].update(embed_dims=embed_dims, num_heads=4)
        layer.ffn_cfg.update(embed_dims=embed_dims, feedforward_channels=256)
    head.voc.update(num_queries=num_queries, num_heads=4, feedforward_channels=256,
                    num_encoder_layers=num_layers, num_decoder_layers=num_layers)
    head.mask_head.update(fpn_dims=(embed_dims, embed_dims, swin_dims))
    if test_cfg:
        cfg.test_cfg.update(test_cfg)
    return cfg.to_dict()
