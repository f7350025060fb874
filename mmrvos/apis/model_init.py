# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Optional, Union

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from torch import nn


def init_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> nn.Module:
    """Build a model from a config, load a checkpoint and put it in eval mode (as ``init_detector``).

    Args:
        config (str | Config): Config file or loaded config.
        checkpoint (str, optional): Checkpoint file; random weights (``init_weights``) if None.
        device (str): Device of the model. Defaults to 'cpu'.
        cfg_options (dict, optional): Overrides merged into the config first (``--cfg-options``).

    Returns:
        nn.Module: The model, with the (merged) config as ``model.cfg``.
    """
    from mmrvos.registry import MODELS
    from mmrvos.utils import register_all_modules
    if isinstance(config, str):
        config = Config.fromfile(config)
    elif not isinstance(config, Config):
        raise TypeError(f'config must be a file path or a Config, got {type(config).__name__}')
    if cfg_options:
        config.merge_from_dict(cfg_options)
    register_all_modules()
    init_default_scope(config.get('default_scope', 'mmrvos'))
    model = MODELS.build(config.model)
    if checkpoint is None:
        model.init_weights()
    else:
        load_checkpoint(model, checkpoint, map_location='cpu')
    model.cfg = config
    return model.to(device).eval()
