# Copyright (c) mmrvos contributors. All rights reserved.
import copy
import time

import torch

from mmrvos.registry import MODELS
from mmrvos.testing import demo_rvos_inputs


def test_tiny_referformer_overfits_one_clip(tiny_referformer_cfg):
    """A tiny ReferFormer trained on one clip: its loss falls clearly within 40 steps (a few seconds of CPU
    time), the dice loss of the last layer with it, and the predicted masks match the clip's."""
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(tiny_referformer_cfg))
    model.init_weights()
    data = demo_rvos_inputs(num_frames=2, image_shapes=((48, 48), ), seed=3)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    start = time.process_time()  # CPU time of this process: robust to other jobs on the machine
    model.train()
    batch = model.data_preprocessor(copy.deepcopy(data), True)
    history = []
    for _ in range(40):
        losses = model.loss(**batch)
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
    assert time.process_time() - start < 60
    model.eval()
    with torch.no_grad():
        frames = model.predict(**model.data_preprocessor(copy.deepcopy(data), False))[0]
    pred = torch.stack([frames[t].pred_track_instances.masks[0] for t in range(2)])
    gt = torch.stack([torch.from_numpy(s.gt_instances.masks.masks[0]) for s in data['data_samples'][0]])
    gt = gt.bool()
    iou = ((pred & gt).sum() / (pred | gt).sum()).item()
    assert iou > 0.6, f'mask IoU {iou:.3f}'
