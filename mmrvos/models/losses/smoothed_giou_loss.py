# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Optional

import torch
from mmdet.models.losses.utils import weight_reduce_loss
from torch import Tensor, nn

from mmrvos.registry import MODELS


def smoothed_giou(pred: Tensor, target: Tensor, eps: float = 1e-6) -> Tensor:
    """Aligned GIoU with additive smoothing, as in DETR-family code (and the official SOC).

    ``iou = (inter + eps) / (union + eps)`` and ``giou = iou - (enclose - union + eps) / (enclose + eps)``.
    Unlike mmdet's ``bbox_overlaps`` (which clamps the denominators), an empty target box (an absent
    object) still gets ``iou = eps / (area_pred + eps)``.

    Args:
        pred (Tensor): (n, 4) boxes, xyxy.
        target (Tensor): (n, 4) boxes, xyxy.
        eps (float): Smoothing term. Defaults to 1e-6.

    Returns:
        Tensor: (n,) GIoU.
    """
    area_pred = (pred[:, 2] - pred[:, 0]) * (pred[:, 3] - pred[:, 1])
    area_target = (target[:, 2] - target[:, 0]) * (target[:, 3] - target[:, 1])
    wh = (torch.min(pred[:, 2:], target[:, 2:]) - torch.max(pred[:, :2], target[:, :2])).clamp(min=0)
    inter = wh[:, 0] * wh[:, 1]
    union = area_pred + area_target - inter
    iou = (inter + eps) / (union + eps)
    wh = (torch.max(pred[:, 2:], target[:, 2:]) - torch.min(pred[:, :2], target[:, :2])).clamp(min=0)
    enclose = wh[:, 0] * wh[:, 1]
    return iou - (enclose - union + eps) / (enclose + eps)


@MODELS.register_module()
class SmoothedGIoULoss(nn.Module):
    """``1 - GIoU`` with additive smoothing (:func:`smoothed_giou`), the box loss of the official SOC.

    Args:
        eps (float): Smoothing term. Defaults to 1e-6.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    def __init__(self, eps: float = 1e-6, reduction: str = 'mean', loss_weight: float = 1.0) -> None:
        super().__init__()
        self.eps = eps
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """Compute the loss of (n, 4) xyxy ``pred`` against (n, 4) xyxy ``target``."""
        reduction = reduction_override or self.reduction
        loss = 1 - smoothed_giou(pred, target, self.eps)
        return self.loss_weight * weight_reduce_loss(loss, weight, reduction, avg_factor)
