# Copyright (c) mmrvos contributors. All rights reserved.
# Child registries do not trigger their parent's lazy import: load mmdet's models first so that mmdet
# modules (TrackDataPreprocessor, HungarianAssigner, losses, ...) resolve under the mmrvos scope.
import mmdet.models  # noqa: F401

from .backbones import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .segmentors import *  # noqa: F401,F403
from .task_modules import *  # noqa: F401,F403
from .text_encoders import *  # noqa: F401,F403
