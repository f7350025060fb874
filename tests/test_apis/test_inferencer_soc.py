# Copyright (c) mmrvos contributors. All rights reserved.
"""RVOSInferencer and demo/video_demo.py with the real SOC model (tiny, random weights, offline RoBERTa)."""
import json
import os.path as osp

import av
import numpy as np
import pytest
import torch
from mmengine.config import Config
from rvos_model_double import read_png_ids, tiny_soc_config

from mmrvos.apis import RVOSInferencer, open_frame_source
from mmrvos.testing import load_script

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def soc_cfg(tmp_path_factory):
    from mmrvos.testing import build_tiny_text_encoder_cfg
    from mmrvos.testing import tiny_soc_cfg as tiny_model
    tmp = tmp_path_factory.mktemp('tiny_soc')
    model = tiny_model(build_tiny_text_encoder_cfg(str(tmp / 'roberta'), embed_dims=128))
    return tiny_soc_config(str(tmp), model)


@pytest.fixture(scope='module')
def checkpoint(soc_cfg, tmp_path_factory):
    """Random weights saved once, so that every inferencer below runs the same model."""
    torch.manual_seed(0)
    model = RVOSInferencer(soc_cfg, device='cpu', show_progress=False).model
    # the inferencer builds without init_weights (it expects a checkpoint): parameters created with
    # torch.empty (e.g. the level embedding) would otherwise hold arbitrary memory, sometimes NaN
    model.init_weights()
    path = str(tmp_path_factory.mktemp('ckpt') / 'tiny_soc.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


def test_soc_one_window_equals_whole_clip(soc_cfg, checkpoint, frame_folder):
    """Windowed inference on a video that fits one window == SOC's own whole-clip prediction."""
    text = 'the red square on the left'
    result = RVOSInferencer(soc_cfg, checkpoint, device='cpu', show_progress=False)(
        frame_folder, text, window_size=8, return_frames=True)
    assert result['num_windows'] == 1

    cfg = Config.fromfile(soc_cfg)
    cfg.inference_cfg = dict(model_test_cfg=None)  # SOC keeps its own query selection (test_cfg 'video')
    whole = RVOSInferencer(cfg, checkpoint, device='cpu', show_progress=False)
    assert whole.model.test_cfg.get('query_selection', 'video') == 'video'
    video = open_frame_source(frame_folder)
    expected = whole.forward(whole.preprocess(list(video), list(range(8)), [text], video))[0]
    for t, frame in enumerate(expected.video_data_samples):
        pred = frame.pred_track_instances
        assert pred.masks.shape == (1, 48, 64)
        np.testing.assert_array_equal(result['masks'][t, 0], pred.masks[0].numpy())
        assert result['scores'][t, 0] == pytest.approx(float(pred.scores[0]), abs=1e-6)


def test_soc_demo_on_mp4_two_sentences(soc_cfg, checkpoint, video_file, tmp_path):
    demo = load_script('demo/video_demo.py')
    out = tmp_path / 'out'
    texts = ['the red square', 'the green square']
    assert demo.main([video_file, soc_cfg, checkpoint, '--texts', *texts, '--out-dir', str(out), '--json',
                      str(out / 'masks.json'), '--window-size', '3', '--window-overlap', '1',
                      '--no-progress']) == 0
    names, ids = read_png_ids(str(out))
    assert names == [f'{t:05d}.png' for t in range(8)]
    assert all(m.shape == (48, 64) and set(np.unique(m)) <= {0, 1, 2} for m in ids)
    with av.open(str(out / 'overlay.mp4')) as container:
        assert sum(1 for _ in container.decode(video=0)) == 8
    with open(out / 'masks.json') as f:
        saved = json.load(f)
    assert len(saved['frames']) == 8 and [o['obj_id'] for o in saved['frames'][0]['objects']] == [1, 2]


def test_soc_bf16_inference_matches_fp32(soc_cfg, checkpoint, frame_folder):
    """``precision='bf16'`` runs the forward under bfloat16 autocast; the masks stay those of fp32."""
    text = 'the red square on the left'
    results, linear_dtypes = {}, {}
    for precision in ('fp32', 'bf16'):
        inferencer = RVOSInferencer(soc_cfg, checkpoint, device='cpu', show_progress=False,
                                    precision=precision)
        assert inferencer.inference_cfg['precision'] == precision
        linear = next(m for m in inferencer.model.modules() if isinstance(m, torch.nn.Linear))
        linear.register_forward_hook(
            lambda m, i, o, p=precision: linear_dtypes.setdefault(p, o.dtype) and None)
        results[precision] = inferencer(frame_folder, text, window_size=8, return_frames=True)
    assert linear_dtypes == dict(fp32=torch.float32, bf16=torch.bfloat16)
    fp32, bf16 = results['fp32']['masks'], results['bf16']['masks']
    union = np.logical_or(fp32, bf16).sum()
    iou = np.logical_and(fp32, bf16).sum() / union if union else 1.
    assert iou >= 0.9, iou  # bfloat16 keeps 8 bits of mantissa: a few boundary pixels may flip
    np.testing.assert_allclose(results['bf16']['scores'], results['fp32']['scores'], atol=0.05)
    cfg = Config.fromfile(soc_cfg)
    cfg.inference_cfg = dict(precision='fp16')
    with pytest.raises(ValueError, match='inference_cfg.precision'):
        RVOSInferencer(cfg, checkpoint, device='cpu', show_progress=False)


def test_soc_sentences_encoded_once_per_video(soc_cfg, checkpoint, frame_folder, monkeypatch):
    """Windows of one video reuse the first window's text encoding; the masks are those of encoding the
    sentences in every window."""
    import contextlib

    from mmrvos.apis import rvos_inferencer
    texts = ['the red square on the left', 'the green square']
    results, encodings = {}, {}
    for cached in (True, False):
        if not cached:
            monkeypatch.setattr(rvos_inferencer, 'sentences_encoded_once',
                                lambda model: contextlib.nullcontext())
        inferencer = RVOSInferencer(soc_cfg, checkpoint, device='cpu', show_progress=False)
        calls = []
        inferencer.model.text_encoder.model.register_forward_hook(lambda *args: calls.append(1))
        results[cached] = inferencer(frame_folder, texts, window_size=3, window_overlap=1, return_frames=True)
        encodings[cached] = len(calls)
        # the model's own forward is back after the call
        assert 'forward' not in vars(inferencer.model.text_encoder)
    assert results[True]['num_windows'] == 4
    assert encodings == {True: 1, False: 4}
    np.testing.assert_array_equal(results[True]['masks'], results[False]['masks'])
    np.testing.assert_array_equal(results[True]['scores'], results[False]['scores'])
