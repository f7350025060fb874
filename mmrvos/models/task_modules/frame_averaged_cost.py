# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Optional

import torch
from mmengine.structures import InstanceData
from torch import Tensor

from mmrvos.registry import TASK_UTILS


@TASK_UTILS.register_module()
class FrameAveragedCost:
    """Clip-level match cost: any per-image mmdet match cost averaged over the frames of a clip.

    SOC matches one query to the referred object for the whole clip. Each frame ``t`` gets the wrapped
    cost of the frame-``t`` slices of every field (predictions: ``scores`` (Q, T, K),
    ``bboxes`` (Q, T, 4) pixel xyxy, ``masks`` (Q, T, H, W); ground truth: ``labels`` (G,),
    ``bboxes`` (G, T, 4), ``masks`` (G, T, H, W), ``valid`` (G, T)), and the costs are averaged over
    all frames, or, with ``valid_only=True``, over the frames where each ground-truth object is visible
    (the official class cost). A ground truth visible in no frame gets a zero cost.

    Args:
        cost (dict): Config of the wrapped mmdet match cost (e.g. ``FocalLossCost``, ``DiceCost``,
            ``BBoxL1Cost``, ``IoUCost``), including its weight.
        valid_only (bool): Average over the visible frames of each ground truth only. Defaults to False.
    """

    def __init__(self, cost: dict, valid_only: bool = False) -> None:
        self.cost = TASK_UTILS.build(cost)
        self.valid_only = valid_only

    @staticmethod
    def _frame(instances: InstanceData, t: int, keys) -> InstanceData:
        frame = InstanceData()
        for key in keys:
            value = instances.get(key)
            if value is not None:
                frame.set_field(value[:, t] if value.dim() > 1 else value, key)
        return frame

    def __call__(self,
                 pred_instances: InstanceData,
                 gt_instances: InstanceData,
                 img_meta: Optional[dict] = None,
                 **kwargs) -> Tensor:
        """Compute the (Q, G) cost matrix of a clip."""
        num_frames = gt_instances.valid.shape[1]
        costs = []
        for t in range(num_frames):
            costs.append(
                self.cost(
                    pred_instances=self._frame(pred_instances, t, ('scores', 'bboxes', 'masks')),
                    gt_instances=self._frame(gt_instances, t, ('labels', 'bboxes', 'masks')),
                    img_meta=img_meta))
        costs = torch.stack(costs, dim=-1)  # (Q, G, T)
        if not self.valid_only:
            return costs.mean(-1)
        valid = gt_instances.valid.to(costs.dtype)[None]  # (1, G, T)
        return (costs * valid).sum(-1) / valid.sum(-1).clamp(min=1)
