# Copyright (c) mmrvos contributors. All rights reserved.
import math

import torch

from mmrvos.models.losses import VisualLinguisticContrastiveLoss


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
