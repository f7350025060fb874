# Copyright (c) mmrvos contributors. All rights reserved.
import mmdet.visualization  # noqa: F401
