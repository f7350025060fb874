# Copyright (c) mmrvos contributors. All rights reserved.
from .contrastive_loss import VisualLinguisticContrastiveLoss
from .smoothed_giou_loss import SmoothedGIoULoss, smoothed_giou

__all__ = ['VisualLinguisticContrastiveLoss', 'SmoothedGIoULoss', 'smoothed_giou']
