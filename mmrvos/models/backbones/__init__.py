# Copyright (c) mmrvos contributors. All rights reserved.
from .video_swin import VideoSwinTransformerRVOS

__all__ = ['VideoSwinTransformerRVOS']
