# Copyright (c) mmrvos contributors. All rights reserved.
from .compat import apply_mmaction_compat, mmaction_lacks_drn
from .setup_env import register_all_modules

__all__ = ['apply_mmaction_compat', 'mmaction_lacks_drn', 'register_all_modules']
