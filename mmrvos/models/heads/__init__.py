# Copyright (c) mmrvos contributors. All rights reserved.
from .clip_gt import describe_clip, unpack_clip_gt_instances
from .cma_head import CMAHead, DABDeformableDetrTransformerDecoder
from .dynamic_mask_head import DynamicMaskHead
from .lbdt_head import LBDTHead
from .referformer_head import ReferFormerHead
from .soc_head import SOCHead

__all__ = [
    'CMAHead', 'DABDeformableDetrTransformerDecoder', 'DynamicMaskHead', 'ReferFormerHead', 'SOCHead',
    'LBDTHead', 'describe_clip', 'unpack_clip_gt_instances'
]
