# Copyright (c) mmrvos contributors. All rights reserved.
"""The numeric precision of inference: float32 (the reference) or bfloat16 autocast."""
from contextlib import nullcontext
from typing import ContextManager, Union

import torch

#: precision name -> autocast dtype (None: no autocast, float32 everywhere)
INFERENCE_PRECISIONS = {'fp32': None, 'bf16': torch.bfloat16}


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
    dtype = INFERENCE_PRECISIONS[check_precision(precision)]
    if dtype is None:
        return nullcontext()
    return torch.autocast(torch.device(device).type, dtype=dtype)
