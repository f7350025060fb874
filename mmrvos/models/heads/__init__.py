# Copyright (c) mmrvos contributors. All rights reserved.
from .clip_gt import describe_clip, unpack_clip_gt_instances
from .dynamic_mask_head import SOCDynamicMaskHead
from .lbdt_head import LBDTHead
from .semantic_integration_head import SemanticIntegrationHead
from .soc_head import SOCHead

__all__ = [
    'SOCDynamicMaskHead', 'SemanticIntegrationHead', 'SOCHead', 'LBDTHead', 'describe_clip',
    'unpack_clip_gt_instances'
]
