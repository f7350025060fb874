# Copyright (c) mmrvos contributors. All rights reserved.
"""Reading checkpoint files safely and checking that they fit a model.

Every mmrvos entry point that reads weights (``tools/test.py``, ``tools/train.py``'s ``load_from`` and
``--resume``, :func:`~mmrvos.apis.init_model`, the inferencer and the demo) goes through
:func:`load_checkpoint_file` (``torch.load(weights_only=True)``: tensors and plain containers only, no
code stored in the file is run) and :func:`load_weights` (the checkpoint's keys must be the model's).
Problems end in one :class:`CheckpointError` line that names the file.

mmengine 0.10.7 pickles its message hub as ``HistoryBuffer`` objects (which hold functions) and numpy
scalars; :func:`plain_message_hub` turns them into lists and floats before a checkpoint is saved, and
:func:`restore_message_hub` turns them back on resume, so the file loads with ``weights_only=True``
(also in mmdet's or mmengine's own tools).
"""
import logging
import os.path as osp
import pickle
import re
import zipfile
from collections import OrderedDict
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log
from torch import nn

#: marker of a ``HistoryBuffer`` stored as plain lists by :func:`plain_message_hub`
_BUFFER_TAG = '__history_buffer__'
#: keys listed in full in an error message before it is cut with '...'
_SHOWN_KEYS = 8
#: converters whose checkpoints need test-time settings, by the ``meta['converter']`` file name
CONVERTER_TEST_CFG: Dict[str, dict] = {
    # converted official SOC weights were trained and evaluated with the official layer-0 quirk
    'soc_to_mmrvos.py': dict(official_layer0_quirk=True),
}


class CheckpointError(RuntimeError):
    """A checkpoint file cannot be read, or it does not fit the model; the message names the file."""


def _first_line(err: Exception) -> str:
    """The most telling line of an exception message (the refused global of a weights-only error)."""
    lines = [re.sub(r'\x1b\[[0-9;]*m', '', line).strip() for line in str(err).splitlines()]
    lines = [line for line in lines if line]
    named = [line for line in lines if 'GLOBAL' in line or 'Unsupported global' in line]
    return (named or lines or [type(err).__name__])[0]


def load_checkpoint_file(filename: str, map_location='cpu', mmap: bool = False) -> dict:
    """Read a checkpoint with ``torch.load(weights_only=True)``.

    Args:
        filename (str): a local ``.pth`` file.
        map_location (str | callable): as ``torch.load``. Defaults to ``'cpu'``.
        mmap (bool): map the file instead of reading it (cheap when only ``meta`` is needed).

    Returns:
        dict: the checkpoint (``state_dict``, ``meta``, ...; or a bare state dict).

    Raises:
        CheckpointError: the file is missing, is not a PyTorch checkpoint, holds pickled objects other than
            tensors and plain containers, or is not a dict.
    """
    if not osp.isfile(filename):
        raise CheckpointError(f'checkpoint file {filename} does not exist')
    try:
        checkpoint = torch.load(filename, map_location=map_location, weights_only=True,
                                mmap=mmap and zipfile.is_zipfile(filename))
    except pickle.UnpicklingError as err:
        reason = _first_line(err)
        if 'GLOBAL' in reason or 'Unsupported global' in reason:
            raise CheckpointError(
                f'{filename} holds pickled Python objects, not only weights ({reason}); mmrvos reads '
                'checkpoints with torch.load(weights_only=True). If you trust the file, re-save its '
                '"state_dict" with torch.save') from None
        raise CheckpointError(f'{filename} is not a PyTorch checkpoint ({reason}); expected a file '
                              'written by torch.save, e.g. by tools/train.py') from None
    except (RuntimeError, EOFError, OSError, ValueError, AttributeError, KeyError) as err:
        raise CheckpointError(f'{filename} is not a readable PyTorch checkpoint ({type(err).__name__}: '
                              f'{_first_line(err)}); expected a file written by torch.save') from None
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f'{filename} holds a {type(checkpoint).__name__}, expected a checkpoint dict '
                              'with a "state_dict"')
    return checkpoint


def read_checkpoint_meta(filename: str) -> dict:
    """The ``meta`` dict of a checkpoint file (empty if it has none), read without loading the weights."""
    meta = load_checkpoint_file(filename, mmap=True).get('meta')
    return meta if isinstance(meta, dict) else {}


def get_state_dict(checkpoint: dict, filename: str) -> 'OrderedDict[str, torch.Tensor]':
    """The model weights of a checkpoint: its ``state_dict`` (or the dict itself if it is a bare state
    dict), without a DDP ``module.`` prefix.

    Raises:
        CheckpointError: no state dict in the checkpoint.
    """
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict) or not state_dict or \
            not all(isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise CheckpointError(f'{filename} has no model state_dict (top-level keys: '
                              f'{_shown(sorted(map(str, checkpoint)))}); expected an mmengine checkpoint '
                              '{"meta": ..., "state_dict": {name: tensor}}')
    if all(k.startswith('module.') for k in state_dict):
        return OrderedDict((k[len('module.'):], v) for k, v in state_dict.items())
    return OrderedDict(state_dict)


def _shown(keys: List[str]) -> str:
    cut = keys[:_SHOWN_KEYS] + (['...'] if len(keys) > _SHOWN_KEYS else [])
    return '[' + ', '.join(cut) + ']'


def load_weights(model: nn.Module, checkpoint: dict, filename: str, strict: bool = True) -> None:
    """Check that a checkpoint's weights fit ``model`` and load them.

    Args:
        model (nn.Module): the (unwrapped) model.
        checkpoint (dict): from :func:`load_checkpoint_file`.
        filename (str): the file, for the messages.
        strict (bool): every model key must be in the checkpoint with the same shape, and nothing else.
            With ``strict=False`` the matching keys are loaded and the others listed in a warning (e.g. to
            start from a backbone only); a checkpoint that matches none of the model's keys is still an
            error.

    Raises:
        CheckpointError: the checkpoint does not fit (strict) or matches nothing; the message lists the
            missing, unexpected and wrongly shaped keys.
    """
    state_dict = get_state_dict(checkpoint, filename)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    wrong_shape = sorted(k for k in set(expected) & set(state_dict)
                         if expected[k].shape != state_dict[k].shape)
    if missing or unexpected or wrong_shape:
        matched = len(expected) - len(missing) - len(wrong_shape)
        problem = (f'{filename} does not fit the {type(model).__name__} model: {matched} of its '
                   f'{len(expected)} keys match; {len(missing)} missing {_shown(missing)}, '
                   f'{len(unexpected)} unexpected {_shown(unexpected)}, {len(wrong_shape)} of another shape '
                   f'{_shown(wrong_shape)}')
        if strict or matched == 0:
            hint = '' if matched == 0 else \
                ' (to load only the matching keys, e.g. a backbone, pass --no-strict or strict_load=False)'
            raise CheckpointError(problem + hint)
        print_log(f'loading the matching keys only (strict=False): {problem}', logger='current',
                  level=logging.WARNING)
        state_dict = OrderedDict(
            (k, v) for k, v in state_dict.items() if k in expected and k not in wrong_shape)
    model.load_state_dict(state_dict, strict=False)


def apply_checkpoint_test_cfg(model_cfg: dict, meta: Optional[dict], filename: Optional[str],
                              explicit: Optional[bool] = None) -> None:
    """Set the model ``test_cfg`` a checkpoint needs: converted official weights get the official quirk.

    The SOC converter writes ``meta['converter']``; such a checkpoint is tested with
    ``official_layer0_quirk=True`` (one log line says so) unless the user decided explicitly. Nothing is
    changed for other checkpoints.

    Args:
        model_cfg (dict): the ``model`` config, updated in place.
        meta (dict, optional): the checkpoint's ``meta`` (:func:`read_checkpoint_meta`).
        filename (str, optional): the checkpoint file, for the log line.
        explicit (bool, optional): ``official_layer0_quirk`` the user chose (:func:`quirk_choice`); None
            to follow the checkpoint.
    """
    meta = meta if isinstance(meta, dict) else {}
    if explicit is not None:
        settings = dict(official_layer0_quirk=bool(explicit))
    else:
        converter = osp.basename(str(meta.get('converter', '')))
        settings = CONVERTER_TEST_CFG.get(converter, {})
        test_cfg = model_cfg.get('test_cfg') or {}
        changed = {k: v for k, v in settings.items() if test_cfg.get(k) != v}
        if changed:
            print_log(f'{filename} was converted from {meta.get("converted_from", "official weights")} by '
                      f'{converter}: testing with model.test_cfg {changed} (override with '
                      '--no-official-quirk or --cfg-options model.test_cfg.official_layer0_quirk=False)',
                      logger='current')
    if settings:
        model_cfg['test_cfg'] = dict(model_cfg.get('test_cfg') or {}, **settings)


def quirk_choice(flag: Optional[bool], cfg_options: Optional[dict]) -> Optional[bool]:
    """The user's explicit ``official_layer0_quirk``: a command-line flag, else a ``--cfg-options`` entry
    ``model.test_cfg.official_layer0_quirk``, else None (follow the checkpoint)."""
    key = 'model.test_cfg.official_layer0_quirk'
    if flag is None and cfg_options and key in cfg_options:
        return bool(cfg_options[key])
    return flag


def _to_plain(value):
    """numpy arrays and scalars -> lists and Python numbers, ``HistoryBuffer`` -> a tagged dict."""
    if isinstance(value, HistoryBuffer):
        log, count = value.data
        return {_BUFFER_TAG: True, 'log_history': np.asarray(log).tolist(),
                'count_history': np.asarray(count).tolist(), 'max_length': int(value.max_length)}
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if isinstance(value, dict):
        return type(value)((k, _to_plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_to_plain(v) for v in value)
    return value


def plain_message_hub(checkpoint: dict) -> dict:
    """Make ``checkpoint['message_hub']`` and ``checkpoint['meta']`` plain (in place) before saving.

    Returns:
        dict: the same checkpoint.
    """
    for key in ('message_hub', 'meta'):
        if key in checkpoint:
            checkpoint[key] = _to_plain(checkpoint[key])
    return checkpoint


def restore_message_hub(checkpoint: dict) -> dict:
    """Turn the tagged dicts of :func:`plain_message_hub` back into ``HistoryBuffer`` s (in place)."""
    scalars = checkpoint.get('message_hub', {}).get('log_scalars', {})
    for key, value in list(scalars.items()):
        if isinstance(value, dict) and value.get(_BUFFER_TAG):
            scalars[key] = HistoryBuffer(value['log_history'], value['count_history'], value['max_length'])
    return checkpoint
