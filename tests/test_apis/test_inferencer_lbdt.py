# Copyright (c) mmrvos contributors. All rights reserved.
"""RVOSInferencer with an LBDT config (tiny model, random weights, tiny GloVe table)."""
import os.path as osp

import numpy as np
import torch
import torch.nn.functional as F

from mmrvos.apis import RVOSInferencer, open_frame_source
from mmrvos.models.text_encoders import glove as glove_module
from mmrvos.testing import get_config_root, tiny_lbdt_cfg, write_tiny_glove


def test_lbdt_inference_pairs_each_frame_with_the_frame_5_before(tmp_path, frame_folder):
    glove_module._TABLES.clear()
    config = tmp_path / 'tiny_lbdt.py'
    config.write_text(
        f"_base_ = {osp.join(get_config_root(), 'lbdt', 'lbdt4_r50_2xb8-15e_ref-ytvos.py')!r}\n"
        f"model = {tiny_lbdt_cfg(write_tiny_glove(str(tmp_path / 'glove.txt')))!r}\n"
        "model['_delete_'] = True\n"
        "inference_cfg = dict(window_size=8, window_overlap=0)\n")
    torch.manual_seed(0)
    inferencer = RVOSInferencer(str(config), device='cpu', show_progress=False)
    assert inferencer.model.test_cfg['ref_offset'] == 5  # the LBDT base's inference setting
    text = 'the red square on the left'
    result = inferencer(frame_folder, text, return_frames=True)
    assert result['masks'].shape[:2] == (8, 1)
    # the same as the model on pairs (t, max(t - 5, 0)) of the normalised frames
    video = open_frame_source(frame_folder)
    batch = inferencer.preprocess(list(video), list(range(8)), [text], video)
    data = inferencer.model.data_preprocessor(batch, False)
    frames = data['inputs'][0]
    with torch.no_grad():
        references = frames[[max(t - 5, 0) for t in range(8)]]
        logits = inferencer.model.extract_feat(frames, references, [text] * 8)
    # thresholded at 320x320, then resized to the frame size by nearest neighbour
    size = result['masks'].shape[-2:]
    expected = F.interpolate((logits.sigmoid() > 0.5).float(), size=size, mode='nearest')
    np.testing.assert_array_equal(result['masks'][:, 0], expected[:, 0].bool().numpy())
    assert 0 < result['masks'].mean() < 1  # not a trivial comparison
    glove_module._TABLES.clear()
