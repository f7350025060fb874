# Copyright (c) mmrvos contributors. All rights reserved.
# Load mmdet's datasets and transforms first: child registries do not trigger their parent's lazy import.
import mmdet.datasets  # noqa: F401
