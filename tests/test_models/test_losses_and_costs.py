# Copyright (c) mmrvos contributors. All rights reserved.
import math

import torch
from mmengine.structures import InstanceData

from mmrvos.models.losses import SmoothedGIoULoss, VisualLinguisticContrastiveLoss, smoothed_giou
from mmrvos.registry import TASK_UTILS


def test_smoothed_giou():
    pred = torch.tensor([[0., 0., 2., 2.], [0., 0., 1., 1.], [0.2, 0.2, 0.6, 0.6]])
    target = torch.tensor([[0., 0., 2., 2.], [2., 2., 3., 3.], [0., 0., 0., 0.]])
    giou = smoothed_giou(pred, target)
    assert torch.isclose(giou[0], torch.tensor(1.0))
    # disjoint unit boxes: iou ~ 0, enclosing box 3x3 with union 2
    assert torch.isclose(giou[1], torch.tensor(1e-6 / (2 + 1e-6) - (9 - 2 + 1e-6) / (9 + 1e-6)))
    # absent object (zero target box): the official additive smoothing keeps a tiny IoU
    area = 0.16
    enclose = 0.36
    expected = 1e-6 / (area + 1e-6) - (enclose - area + 1e-6) / (enclose + 1e-6)
    assert abs(giou[2].item() - expected) < 1e-7
    loss = SmoothedGIoULoss(loss_weight=2.0)(pred, target, avg_factor=2.0)
    assert torch.isclose(loss, 2.0 * (1 - giou).sum() / 2.0)


def test_visual_linguistic_contrastive_loss():
    loss = VisualLinguisticContrastiveLoss()
    queries = torch.zeros(2, 20, 8)
    text = torch.randn(2, 8)
    assert math.isclose(loss(queries, text, torch.tensor([3, 7])).item(), math.log(20), rel_tol=1e-6)
    queries[0, 3] = text[0] * 1000
    queries[1, 7] = text[1] * 1000
    assert loss(queries, text, torch.tensor([3, 7])) < loss(queries, text, torch.tensor([4, 8]))
    # fixed temperature = feature dimension by default
    logits = (queries[0] / 8) @ text[0]
    manual = -torch.log_softmax(logits, 0)[3]
    single = loss(queries[:1], text[:1], torch.tensor([3]))
    assert torch.isclose(single, manual)


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
