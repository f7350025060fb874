# Copyright (c) mmrvos contributors. All rights reserved.
import mmdet.engine  # noqa: F401
