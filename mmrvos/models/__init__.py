# Copyright (c) mmrvos contributors. All rights reserved.
# Child registries do not trigger their parent's lazy import: load mmdet's models first so that mmdet
# modules (TrackDataPreprocessor, HungarianAssigner, losses, ...) resolve under the mmrvos scope.
import mmdet.models  # noqa: F401
