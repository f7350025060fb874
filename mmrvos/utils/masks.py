# Copyright (c) mmrvos contributors. All rights reserved.
"""Conversion of the mask containers found in data samples to numpy."""
from typing import Any

import numpy as np
import torch


def masks_to_numpy(masks: Any) -> np.ndarray:
    """Masks as a numpy bool array, whatever holds them.

    Args:
        masks (BitmapMasks | PolygonMasks | torch.Tensor | np.ndarray | list): ``(n, H, W)`` masks; mmdet's
            mask structures are rasterised with ``to_ndarray()``, tensors are detached and moved to the
            CPU, any nonzero value is foreground.

    Returns:
        np.ndarray: ``(n, H, W)`` bool array (the shape of the input; nothing is checked here).
    """
    if hasattr(masks, 'to_ndarray'):
        masks = masks.to_ndarray()
    elif isinstance(masks, torch.Tensor):
        masks = masks.detach().cpu().numpy()
    return np.asarray(masks).astype(bool)
