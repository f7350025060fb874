# Copyright (c) mmrvos contributors. All rights reserved.
import copy
import time

import torch

from mmrvos.registry import MODELS
from mmrvos.testing import demo_episode_inputs, tiny_cma_cfg


def test_tiny_cma_overfits_one_episode(tiny_text_encoder_cfg):
    """A tiny CMA trained on one episode (3 support frames, 2 query frames of other sizes): its loss falls
    clearly within 40 steps, and the predicted query masks match the query's."""
    torch.manual_seed(0)
    model = MODELS.build(tiny_cma_cfg(tiny_text_encoder_cfg))
    model.init_weights()
    data = demo_episode_inputs(support_frames=3, query_frames=2, support_shape=(40, 56), query_shape=(48, 48),
                               seed=3)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    start = time.process_time()
    model.train()
    history = []
    for _ in range(40):
        losses = model.loss(**model.data_preprocessor(copy.deepcopy(data), True))
        history.append({k: v.item() for k, v in losses.items()})
        optimizer.zero_grad()
        sum(losses.values()).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    total = [sum(h.values()) for h in history]
    first, last = sum(total[:5]) / 5, sum(total[-5:]) / 5
    assert last < 0.5 * first, f'total loss {first:.2f} -> {last:.2f}'
    dice = [h['loss_dice'] for h in history]
    assert sum(dice[-5:]) / 5 < 0.7 * sum(dice[:5]) / 5, f'dice {dice[:5]} -> {dice[-5:]}'
    assert time.process_time() - start < 90
    model.eval()
    with torch.no_grad():
        frames = model.predict(**model.data_preprocessor(copy.deepcopy(data), False))[0]
    pred = torch.stack([frames[t].pred_track_instances.masks[0] for t in (3, 4)])
    gt = torch.stack([torch.from_numpy(frames[t].gt_instances.masks.masks[0]) for t in (3, 4)]).bool()
    iou = ((pred & gt).sum() / (pred | gt).sum()).item()
    assert iou > 0.6, f'mask IoU {iou:.3f}'
