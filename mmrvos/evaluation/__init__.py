# Copyright (c) mmrvos contributors. All rights reserved.
import mmdet.evaluation  # noqa: F401
