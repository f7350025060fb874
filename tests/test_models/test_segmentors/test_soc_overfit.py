# Copyright (c) mmrvos contributors. All rights reserved.
import copy
import time

import torch

from mmrvos.registry import MODELS
from mmrvos.testing import demo_rvos_inputs


def test_tiny_soc_overfits_one_clip(tiny_soc_cfg):
    """A tiny SOC trained on one clip reaches a mask IoU >= 0.9 on it within a minute of CPU time."""
    cfg = copy.deepcopy(tiny_soc_cfg)
    cfg['backbone']['drop_path_rate'] = 0.0
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    data = demo_rvos_inputs(num_frames=2, image_shapes=((48, 48), ), seed=3)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    start = time.process_time()  # CPU time of this process: robust to other jobs on the machine
    model.train()
    batch = model.data_preprocessor(copy.deepcopy(data), True)
    gt = torch.stack([torch.from_numpy(s.gt_instances.masks.masks[0])
                      for s in data['data_samples'][0]]).bool()
    iou = 0.0
    for step in range(200):
        losses = model.loss(**batch)
        optimizer.zero_grad()
        sum(losses.values()).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 10 == 9:
            model.eval()
            with torch.no_grad():
                frames = model.predict(**model.data_preprocessor(copy.deepcopy(data), False))[0]
            model.train()
            pred = torch.stack([frames[t].pred_track_instances.masks[0] for t in range(2)])
            iou = ((pred & gt).sum() / (pred | gt).sum()).item()
            if iou >= 0.9:
                break
    assert iou >= 0.9, f'mask IoU {iou:.3f} after {step + 1} steps ({time.process_time() - start:.0f} s CPU)'
    assert time.process_time() - start < 60
