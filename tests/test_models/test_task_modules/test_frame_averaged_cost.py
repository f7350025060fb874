# Copyright (c) mmrvos contributors. All rights reserved.
import torch
from mmengine.structures import InstanceData

from mmrvos.registry import TASK_UTILS


def test_frame_averaged_cost():
    focal = TASK_UTILS.build(dict(type='FocalLossCost', weight=2.0, eps=1e-8))
    cost = TASK_UTILS.build(dict(type='FrameAveragedCost', valid_only=True,
                                 cost=dict(type='FocalLossCost', weight=2.0, eps=1e-8)))
    scores = torch.randn(4, 3, 1)  # (Q, T, K)
    pred = InstanceData(scores=scores)
    gt = InstanceData(labels=torch.tensor([0, 0]),
                      valid=torch.tensor([[True, False, True], [False, False, False]]))
    out = cost(pred, gt, img_meta=dict(img_shape=(10, 10)))
    per_frame = [focal(InstanceData(scores=scores[:, t]), InstanceData(labels=gt.labels)) for t in range(3)]
    torch.testing.assert_close(out[:, 0], (per_frame[0][:, 0] + per_frame[2][:, 0]) / 2)
    assert torch.all(out[:, 1] == 0)  # never visible: no class evidence
    mean_cost = TASK_UTILS.build(dict(type='FrameAveragedCost', cost=dict(type='FocalLossCost', weight=2.0,
                                                                          eps=1e-8)))
    torch.testing.assert_close(mean_cost(pred, gt)[:, 1], sum(p[:, 1] for p in per_frame) / 3)
    # box costs on pixel xyxy predictions, averaged over frames
    l1 = TASK_UTILS.build(dict(type='FrameAveragedCost', cost=dict(type='BBoxL1Cost', box_format='xywh')))
    boxes = torch.tensor([[[0., 0., 10., 10.], [0., 0., 5., 5.]]])  # (Q=1, T=2, 4)
    gt_boxes = InstanceData(labels=torch.tensor([0]),
                            bboxes=torch.tensor([[[0., 0., 10., 10.], [0., 0., 0., 0.]]]),
                            valid=torch.tensor([[True, False]]))
    out = l1(InstanceData(bboxes=boxes), gt_boxes, img_meta=dict(img_shape=(10, 10)))
    assert torch.isclose(out[0, 0], torch.tensor((0 + (0.25 + 0.25 + 0.5 + 0.5)) / 2))
