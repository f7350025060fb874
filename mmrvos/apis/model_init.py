# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Optional, Union

from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

from mmrvos.utils.checkpoint import (
    apply_checkpoint_test_cfg,
    load_checkpoint_file,
    load_weights,
    quirk_choice,
)


def init_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None,
               strict: bool = True,
               official_quirk: Optional[bool] = None) -> nn.Module:
    """Build a model from a config, load a checkpoint and put it in eval mode (as ``init_detector``).

    The checkpoint is read with ``torch.load(weights_only=True)`` and its keys must be the model's
    (:func:`~mmrvos.utils.checkpoint.load_weights`). A checkpoint written by the SOC converter is tested
    with ``model.test_cfg.official_layer0_quirk=True`` (one log line) unless ``official_quirk`` or
    ``cfg_options`` decide.

    Args:
        config (str | Config): Config file or loaded config (the options below are applied to it).
        checkpoint (str, optional): Checkpoint file; random weights (``init_weights``) if None.
        device (str): Device of the model. Defaults to 'cpu'.
        cfg_options (dict, optional): Overrides merged into the config first (``--cfg-options``).
        strict (bool): the checkpoint must hold exactly the model's keys; False loads the matching keys
            of a partial checkpoint (one warning lists the others). Defaults to True.
        official_quirk (bool, optional): ``model.test_cfg.official_layer0_quirk``; None follows the
            checkpoint's ``meta`` (or ``cfg_options``).

    Returns:
        nn.Module: The model, with the (merged) config as ``model.cfg``.

    Raises:
        CheckpointError: the checkpoint cannot be read or does not fit the model.
    """
    from mmrvos.registry import MODELS
    from mmrvos.utils import register_all_modules
    if isinstance(config, str):
        config = Config.fromfile(config)
    elif not isinstance(config, Config):
        raise TypeError(f'config must be a file path or a Config, got {type(config).__name__}')
    if cfg_options:
        config.merge_from_dict(cfg_options)
        official_quirk = quirk_choice(official_quirk, cfg_options)
    register_all_modules()
    init_default_scope(config.get('default_scope', 'mmrvos'))
    loaded = None if checkpoint is None else load_checkpoint_file(checkpoint)
    apply_checkpoint_test_cfg(config.model, (loaded or {}).get('meta'), checkpoint, explicit=official_quirk)
    model = MODELS.build(config.model)
    if loaded is None:
        model.init_weights()
    else:
        load_weights(model, loaded, checkpoint, strict=strict)
    model.cfg = config
    return model.to(device).eval()
