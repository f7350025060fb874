# Copyright (c) mmrvos contributors. All rights reserved.
"""The numeric precision of a forward: float32 (the reference), or float16 / bfloat16 autocast.

The inferencer, the demo and ``tools/test.py`` take ``'fp32'`` or ``'bf16'`` (:data:`INFERENCE_PRECISIONS`);
``tools/analysis_tools/benchmark.py`` also measures ``'fp16'`` (a GPU's AMP).
"""
from contextlib import nullcontext
from typing import ContextManager, Union

import torch

#: precision name -> autocast dtype (None: no autocast, float32 everywhere)
AUTOCAST_DTYPES = {'fp32': None, 'fp16': torch.float16, 'bf16': torch.bfloat16}
#: the precisions of inference (a subset of :data:`AUTOCAST_DTYPES`)
INFERENCE_PRECISIONS = {name: AUTOCAST_DTYPES[name] for name in ('fp32', 'bf16')}


def check_precision(precision: str, where: str = 'precision') -> str:
    """Return ``precision`` if it is a key of :data:`INFERENCE_PRECISIONS`.

    Raises:
        ValueError: naming ``where`` (e.g. ``'inference_cfg.precision'``) and the choices.
    """
    if precision not in INFERENCE_PRECISIONS:
        raise ValueError(f'{where} must be one of {sorted(INFERENCE_PRECISIONS)}, got {precision!r}')
    return precision


def inference_autocast(precision: str, device: Union[str, torch.device] = 'cpu') -> ContextManager:
    """The context in which a forward runs at ``precision``.

    Args:
        precision (str): ``'fp32'`` (no autocast) or ``'bf16'`` (``torch.autocast(device_type,
            dtype=torch.bfloat16)``: matrix products and convolutions in bfloat16 with float32 weights,
            reductions and normalisations in float32; bfloat16 matmuls use AMX on recent Intel CPUs).
        device (str | torch.device): where the model runs (``'cpu'``, ``'cuda:0'``, ...).

    Returns:
        ContextManager: ``nullcontext()`` for fp32, else the autocast context.
    """
    return autocast_context(check_precision(precision), device)


def autocast_context(precision: str, device: Union[str, torch.device] = 'cpu') -> ContextManager:
    """``nullcontext()`` for ``'fp32'``, else ``torch.autocast`` on ``device``'s type to the dtype of
    :data:`AUTOCAST_DTYPES` (``'fp16'`` or ``'bf16'``)."""
    dtype = AUTOCAST_DTYPES[precision]
    if dtype is None:
        return nullcontext()
    return torch.autocast(torch.device(device).type, dtype=dtype)
