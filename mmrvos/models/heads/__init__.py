# Copyright (c) mmrvos contributors. All rights reserved.
from .clip_gt import describe_clip, unpack_clip_gt_instances
from .dynamic_mask_head import SOCDynamicMaskHead
from .semantic_integration_head import SemanticIntegrationHead
from .soc_head import SOCHead

__all__ = [
    'SOCDynamicMaskHead', 'SemanticIntegrationHead', 'SOCHead', 'describe_clip', 'unpack_clip_gt_instances'
]
