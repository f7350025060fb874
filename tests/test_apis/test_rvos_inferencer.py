# Copyright (c) mmrvos contributors. All rights reserved.
"""RVOSInferencer on the model double: windowing, cross-window linking, equality with whole-clip
inference, outputs, and memory that does not grow with the video length."""
import copy
import gc
import json
import tracemalloc

import av
import numpy as np
import pytest
import torch
from mmengine.config import Config
from pycocotools import mask as mask_util
from rvos_model_double import read_png_ids

from mmrvos.apis import (
    RVOSInferencer,
    RVOSInputError,
    SyntheticFrameSource,
    iter_windows,
    mask_iou,
    open_frame_source,
    select_candidate,
)


def _frames(n):
    return ((f'{i:05d}', np.full((2, 2, 3), i, np.uint8)) for i in range(n))


@pytest.mark.parametrize('num_frames,size,overlap', [(10, 4, 1), (3, 4, 1), (8, 4, 0), (9, 3, 2), (4, 4, 3)])
def test_iter_windows_cover_every_frame_once_as_new(num_frames, size, overlap):
    seen_new, previous_tail = [], []
    for window, carried in iter_windows(_frames(num_frames), size, overlap):
        names = [n for n, _ in window]
        assert len(window) <= size and 0 <= carried <= overlap
        assert names[:carried] == previous_tail[len(previous_tail) - carried:] if carried else True
        seen_new += names[carried:]
        previous_tail = names[len(names) - overlap:] if overlap else []
    assert seen_new == [f'{i:05d}' for i in range(num_frames)]


def test_iter_windows_rejects_bad_sizes():
    with pytest.raises(ValueError):
        list(iter_windows(_frames(3), 2, 2))


def test_select_candidate_score_then_overlap_iou():
    scores = np.array([[0.6, 0.7], [0.6, 0.7]])  # candidate 1 scores higher
    assert select_candidate(scores) == 1
    masks = np.zeros((2, 1, 4, 4), bool)
    masks[0, :, :2] = True  # candidate 0 covers what the previous window emitted
    masks[1, :, 2:] = True
    previous = masks[0].copy()
    np.testing.assert_allclose(mask_iou(masks, previous), [1., 0.])
    assert select_candidate(scores, masks, previous, iou_weight=1.) == 0
    assert select_candidate(scores, masks, previous, iou_weight=0.) == 1
    # nothing emitted on the overlap (object absent): IoU is 0 for every candidate, scores decide
    assert select_candidate(scores, masks, np.zeros((1, 4, 4), bool), iou_weight=1.) == 1


@pytest.fixture
def inferencer(double_cfg):
    return RVOSInferencer(double_cfg, device='cpu', show_progress=False)


def test_video_within_one_window_equals_whole_clip_inference(double_cfg, frame_folder, frames):
    """One window == the model's own whole-clip prediction (its own query selection) on the same pipeline."""
    inferencer = RVOSInferencer(double_cfg, device='cpu', show_progress=False)
    result = inferencer(frame_folder, ['the square'], window_size=len(frames), return_frames=True)
    assert result['num_windows'] == 1 and result['num_frames'] == len(frames)

    cfg = Config.fromfile(double_cfg)
    cfg.inference_cfg = dict(model_test_cfg=None)  # the model keeps its own choice: whole-clip inference
    whole = RVOSInferencer(cfg, device='cpu', show_progress=False)
    video = open_frame_source(frame_folder)
    data = whole.preprocess(list(video), list(range(len(frames))), ['the square'], video)
    expected = whole.forward(data)[0]
    for t, frame_sample in enumerate(expected.video_data_samples):
        pred = frame_sample.pred_track_instances
        assert pred.masks.shape == (1, 48, 64)  # at ori_shape although the pipeline resized to 43x32
        np.testing.assert_array_equal(result['masks'][t, 0], pred.masks[0].numpy())
        assert result['scores'][t, 0] == pytest.approx(float(pred.scores[0]))


def test_windows_follow_the_same_object(inferencer, frame_folder):
    """The red square scores higher in frames 0-3, the growing green one from frame 4 on; with the overlap
    IoU the later windows keep the red square, without it they switch to the green one."""
    linked = inferencer(frame_folder, 'the square', window_size=4, window_overlap=1, return_frames=True)
    assert [w['first_frame'] for w in linked['windows']] == [0, 3, 6]
    red_pixels = linked['masks'][:, 0, 10, 10]
    assert red_pixels.all() and not linked['masks'][:, 0, 47, 63].any()

    inferencer.inference_cfg['iou_weight'] = 0.
    unlinked = inferencer(frame_folder, 'the square', window_size=4, window_overlap=1, return_frames=True)
    assert unlinked['masks'][:4, 0, 10, 10].all() and unlinked['masks'][4:, 0, 47, 63].all()
    assert [w['chosen'] for w in unlinked['windows']] == [[2], [1], [1]]  # BGR candidates: red=2, green=1


def test_two_sentences_write_pngs_json_and_overlay(inferencer, frame_folder, tmp_path):
    out = tmp_path / 'out'
    result = inferencer(frame_folder, ['The RED square ', 'the green square'], out_dir=str(out),
                        overlay_path=str(out / 'overlay.gif'), json_path=str(out / 'masks.json'),
                        window_size=3, window_overlap=1, return_frames=True)
    assert result['texts'] == ['the red square', 'the green square']
    names, ids = read_png_ids(str(out))
    assert names == [f'{t:05d}.png' for t in range(8)]
    for t, index_map in enumerate(ids):
        assert index_map.shape == (48, 64)
        assert index_map[12, 8] == 1 and index_map[47, 63] == 2 and index_map[0, 30] == 0
        np.testing.assert_array_equal(index_map == 1, result['masks'][t, 0])
    with open(out / 'masks.json') as f:
        saved = json.load(f)
    assert [s['text'] for s in saved['sentences']] == result['texts']
    assert [f['frame_name'] for f in saved['frames']] == [n[:-4] for n in names]
    for frame, index_map in zip(saved['frames'], ids):
        for obj in frame['objects']:
            np.testing.assert_array_equal(mask_util.decode(obj['segmentation']).astype(bool),
                                          index_map == obj['obj_id'])
    with av.open(str(out / 'overlay.gif')) as container:
        drawn = [f.to_ndarray(format='rgb24') for f in container.decode(video=0)]
    assert len(drawn) == 8 and drawn[0].shape == (48, 64, 3)


def test_empty_sentences_and_bad_windows_are_refused(inferencer, frame_folder):
    with pytest.raises(RVOSInputError, match='no sentence'):
        inferencer(frame_folder, [])
    with pytest.raises(RVOSInputError, match='empty'):
        inferencer(frame_folder, ['a dog', '   '])
    with pytest.raises(RVOSInputError, match='window_overlap'):
        inferencer(frame_folder, 'a dog', window_size=2, window_overlap=2)


def test_memory_does_not_grow_with_video_length(inferencer, tmp_path):
    """Python/numpy peak memory of windowed inference with all outputs: 30 vs 150 frames within 20%."""

    def peak(num_frames):
        out = tmp_path / f'n{num_frames}'
        gc.collect()  # garbage left by earlier tests must not count against one of the two runs
        tracemalloc.start()
        result = inferencer(SyntheticFrameSource(num_frames, 48, 64), ['the red square', 'green'],
                            out_dir=str(out), json_path=str(out / 'm.json'), overlay_path=str(out / 'o.mp4'),
                            window_size=4, window_overlap=1)
        peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert result['num_frames'] == num_frames
        return peak_bytes

    peak(60)  # warm-up: lazy imports and interpreter/torch caches fill up during the first windows
    short, long = peak(30), peak(150)
    assert long <= 1.2 * short, (short, long)


def test_device_and_config_copy(double_cfg):
    cfg = Config.fromfile(double_cfg)
    original = copy.deepcopy(cfg)
    inferencer = RVOSInferencer(cfg, device='cpu', show_progress=False)
    assert next(inferencer.model.parameters()).device == torch.device('cpu')
    assert inferencer.model.test_cfg == dict(query_selection='all', key_frames='all')
    assert cfg.model.get('test_cfg') == original.model.get('test_cfg')  # the caller's config is untouched
