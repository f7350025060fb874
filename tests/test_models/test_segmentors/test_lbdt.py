# Copyright (c) mmrvos contributors. All rights reserved.
"""The LBDT segmentor: training and prediction contract, gradients, errors, and an overfit run."""
import copy
import time

import pytest
import torch

from mmrvos.models.text_encoders import glove as glove_module
from mmrvos.registry import MODELS
from mmrvos.testing import demo_rvos_inputs, tiny_lbdt_cfg, write_tiny_glove


@pytest.fixture
def tiny_lbdt(tmp_path):
    glove_module._TABLES.clear()
    torch.manual_seed(0)
    model = MODELS.build(tiny_lbdt_cfg(write_tiny_glove(str(tmp_path / 'glove.txt'), dim=16)))
    model.init_weights()
    yield model
    glove_module._TABLES.clear()


def _pair_clips(batch_size=2, size=64, seed=0, annotated=(1, )):
    """Two-frame clips (reference frame 0, current frame 1) as RVOSClipSample(sampling='reference')."""
    data = demo_rvos_inputs(batch_size=batch_size, num_frames=2, image_shapes=((size, size), ),
                            annotated_frames=annotated, seed=seed)
    for sample in data['data_samples']:
        sample[0].set_metainfo(dict(ref_clip_index=1))
        sample[1].set_metainfo(dict(ref_clip_index=0))
    return data


def test_gradients_reach_every_parameter(tiny_lbdt):
    batch = tiny_lbdt.data_preprocessor(_pair_clips(), True)
    losses = tiny_lbdt.loss(**batch)
    assert set(losses) == {'loss_bce', 'loss_dice'}
    sum(losses.values()).backward()
    missing = [n for n, p in tiny_lbdt.named_parameters() if p.requires_grad and
               (p.grad is None or p.grad.abs().sum() == 0)]
    assert not missing
    assert not any(n.startswith('text_encoder.table') for n in tiny_lbdt.state_dict())


def test_temporal_stream_sees_the_frame_difference(tiny_lbdt):
    """Only |I_t - I_ref| reaches the temporal stream: a reference equal to the frame gives it zeros."""
    tiny_lbdt.eval()
    seen = []
    handle = tiny_lbdt.backbone.temporal.conv1.register_forward_hook(lambda m, i, o: seen.append(i[0]))
    frames = torch.randn(1, 3, 32, 32)
    tiny_lbdt.extract_feat(frames, frames, ['a red square'])
    tiny_lbdt.extract_feat(frames, frames + 1, ['a red square'])
    handle.remove()
    assert seen[0].abs().max() == 0 and torch.allclose(seen[1], torch.ones_like(seen[1]))


def test_predict_every_frame_or_annotated(tiny_lbdt):
    tiny_lbdt.eval()
    data = _pair_clips(batch_size=1, size=48)
    with torch.no_grad():
        out = tiny_lbdt.predict(**tiny_lbdt.data_preprocessor(copy.deepcopy(data), False))[0]
    for t in range(2):
        pred = out[t].pred_track_instances
        assert pred.masks.shape == (1, 48, 48) and pred.masks.dtype == torch.bool
        assert pred.scores.shape == pred.labels.shape == (1, ) and pred.bboxes.shape == (1, 4)
    tiny_lbdt.test_cfg['key_frames'] = 'annotated'
    with torch.no_grad():
        out = tiny_lbdt.predict(**tiny_lbdt.data_preprocessor(copy.deepcopy(data), False))[0]
    assert len(out[0].pred_track_instances) == 0 and out[0].pred_track_instances.masks.shape == (0, 48, 48)
    assert len(out[1].pred_track_instances) == 1


def test_missing_reference_frame_is_named(tiny_lbdt):
    data = demo_rvos_inputs(num_frames=2, image_shapes=((32, 32), ))
    data['data_samples'][0][1].set_metainfo(dict(ref_clip_index=5))
    batch = tiny_lbdt.data_preprocessor(data, True)
    with pytest.raises(KeyError, match=r'video clip0, expression 0, frame 0: reference frame '
                       'ref_clip_index=None'):
        tiny_lbdt.loss(**batch)
    batch['data_samples'][0][0].set_metainfo(dict(ref_clip_index=1))
    with pytest.raises(KeyError, match='frame 1: reference frame ref_clip_index=5 is not a frame'):
        tiny_lbdt.loss(**batch)


def test_tiny_lbdt_overfits_one_clip(tiny_lbdt):
    """A tiny LBDT trained on one clip reaches a mask IoU >= 0.9 on its annotated frame on a CPU."""
    data = _pair_clips(batch_size=1, size=64, seed=3)
    gt = torch.from_numpy(data['data_samples'][0][1].gt_instances.masks.masks[0]).bool()
    optimizer = torch.optim.AdamW(tiny_lbdt.parameters(), lr=3e-3, weight_decay=5e-4)
    start = time.process_time()
    iou = 0.0
    for step in range(150):
        tiny_lbdt.train()
        losses = tiny_lbdt.loss(**tiny_lbdt.data_preprocessor(copy.deepcopy(data), True))
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
        if step % 10 == 9:
            tiny_lbdt.eval()
            with torch.no_grad():
                frames = tiny_lbdt.predict(**tiny_lbdt.data_preprocessor(copy.deepcopy(data), False))[0]
            pred = frames[1].pred_track_instances.masks[0]
            iou = ((pred & gt).sum() / (pred | gt).sum()).item()
            if iou >= 0.9:
                break
    assert iou >= 0.9, f'mask IoU {iou:.3f} after {step + 1} steps ({time.process_time() - start:.0f} s CPU)'
    assert time.process_time() - start < 60


def test_lbdt_with_the_roberta_text_encoder(tmp_path):
    """Issue 14: LBDT with RoBERTa instead of GloVe + LSTM, through the existing RoBERTaTextEncoder (same
    outputs: words, their mask and positions, a sentence feature of the model width)."""
    from mmrvos.testing import build_tiny_text_encoder_cfg
    cfg = tiny_lbdt_cfg(write_tiny_glove(str(tmp_path / 'glove.txt'), dim=16))
    cfg['text_encoder'] = build_tiny_text_encoder_cfg(str(tmp_path / 'tiny_roberta'),
                                                      embed_dims=cfg['text_encoder']['embed_dims'])
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    batch = model.data_preprocessor(_pair_clips(), True)
    losses = model.loss(**batch)
    sum(losses.values()).backward()
    assert all(torch.isfinite(v) for v in losses.values())
    assert model.text_encoder.text_proj.fc.weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        results = model.predict(**model.data_preprocessor(_pair_clips(batch_size=1, annotated=(0, 1)), False))
    assert results[0][1].pred_track_instances.masks.shape[-2:] == (64, 64)
