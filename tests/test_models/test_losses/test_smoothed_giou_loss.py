# Copyright (c) mmrvos contributors. All rights reserved.
import torch

from mmrvos.models.losses import SmoothedGIoULoss, smoothed_giou


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
