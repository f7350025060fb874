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


TINY_LBDT_BASE = '_base_/models/lbdt_tiny.py'


def tiny_lbdt_cfg(glove_path: str) -> Dict:
    """The tiny LBDT of ``configs/_base_/models/lbdt_tiny.py`` for CPU tests, with the word table
    ``glove_path`` (see :func:`mmrvos.testing.write_tiny_glove`; 16-d)."""
    cfg = get_model_cfg(TINY_LBDT_BASE)
    cfg.text_encoder.glove_path = glove_path
    return cfg.to_dict()
