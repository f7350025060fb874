# Copyright (c) mmrvos contributors. All rights reserved.
from .bca import BilateralChannelActivation
from .fpn_spatial_decoder import FPNSpatialDecoder
from .lbdt_layer import LanguageBridgedDuplexTransfer, LBDTLayer
from .mmf import MultimodalFusion
from .positional_encoding import SinePositionalEncoding1D
from .video_object_cluster import VideoObjectCluster

__all__ = [
    'FPNSpatialDecoder', 'MultimodalFusion', 'SinePositionalEncoding1D', 'VideoObjectCluster',
    'LanguageBridgedDuplexTransfer', 'LBDTLayer', 'BilateralChannelActivation'
]
