# Copyright (c) mmrvos contributors. All rights reserved.
from .two_stream_resnet import TwoStreamResNet
from .video_swin import VideoSwinTransformerRVOS

__all__ = ['VideoSwinTransformerRVOS', 'TwoStreamResNet']
