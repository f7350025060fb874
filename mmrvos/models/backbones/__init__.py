# Copyright (c) mmrvos contributors. All rights reserved.
from .swin_window_attention import WindowAttention3DSDPA
from .two_stream_resnet import TwoStreamResNet
from .video_swin import VideoSwinTransformerRVOS

__all__ = ['VideoSwinTransformerRVOS', 'WindowAttention3DSDPA', 'TwoStreamResNet']
