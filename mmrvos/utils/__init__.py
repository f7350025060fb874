# Copyright (c) mmrvos contributors. All rights reserved.
from .compat import apply_mmaction_compat, mmaction_lacks_drn
from .masks import masks_to_numpy
from .palette import davis_palette
from .precision import (
    AUTOCAST_DTYPES,
    INFERENCE_PRECISIONS,
    autocast_context,
    check_precision,
    inference_autocast,
)
from .setup_env import register_all_modules

__all__ = [
    'apply_mmaction_compat', 'mmaction_lacks_drn', 'davis_palette', 'masks_to_numpy', 'register_all_modules',
    'AUTOCAST_DTYPES', 'INFERENCE_PRECISIONS', 'autocast_context', 'check_precision', 'inference_autocast'
]
