# Copyright (c) mmrvos contributors. All rights reserved.
import mmdet.evaluation  # noqa: F401

from .functional import *  # noqa: F401,F403
from .loops import BrokenVideoError, RVOSTestLoop, RVOSValLoop  # noqa: F401
from .metrics import *  # noqa: F401,F403
