# Copyright (c) mmrvos contributors. All rights reserved.
from .bca import BilateralChannelActivation
from .cross_modal_affinity import CrossModalAffinity, QueryKeyValue, support_squash
from .cross_modal_fpn_decoder import CrossModalFPNDecoder, VisionLanguageBlock
from .deformable_attention_precision import bf16_in_fp32, enable_bf16_deformable_attention
from .fpn_spatial_decoder import FPNSpatialDecoder
from .lbdt_layer import LanguageBridgedDuplexTransfer, LBDTLayer
from .mmf import MultimodalFusion
from .positional_encoding import SinePositionalEncoding1D
from .video_object_cluster import VideoObjectCluster

enable_bf16_deformable_attention()

__all__ = [
    'FPNSpatialDecoder', 'MultimodalFusion', 'SinePositionalEncoding1D', 'VideoObjectCluster', 'bf16_in_fp32',
    'enable_bf16_deformable_attention', 'LanguageBridgedDuplexTransfer', 'LBDTLayer',
    'BilateralChannelActivation', 'CrossModalFPNDecoder', 'VisionLanguageBlock', 'CrossModalAffinity',
    'QueryKeyValue', 'support_squash'
]
