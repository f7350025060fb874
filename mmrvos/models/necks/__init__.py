# Copyright (c) mmrvos contributors. All rights reserved.
from .mmf_neck import MMFNeck
from .vision_language_fusion_neck import VisionLanguageFusionNeck, resize_padding_mask

__all__ = ['MMFNeck', 'VisionLanguageFusionNeck', 'resize_padding_mask']
