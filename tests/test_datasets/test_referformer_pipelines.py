# Copyright (c) mmrvos contributors. All rights reserved.
"""ReferFormer's training pipelines (configs/_base_/datasets/referformer_*.py) on the Ref-YouTube-VOS and
A2D-Sentences fixtures: clips of 5 frames, one flip and one scale per clip, short side 288-512 with the long
side at most 640, "left"/"right" swapped with the flip, the photometric distortion drawn per frame."""
import random

import numpy as np
import pytest
import torch
from dataset_test_utils import DATA

from mmrvos.registry import DATASETS
from mmrvos.testing import get_config

SHORT_SIDES = (288, 320, 352, 392, 416, 448, 480, 512)


def _dataset(config: str, root: str):
    cfg = get_config(config).train_dataloader.dataset
    cfg.data_root = str(DATA / root) + '/'
    if 'check_counts' in cfg:
        cfg.check_counts = False  # the fixture has 3 of A2D's videos
    return DATASETS.build(cfg)


def _check_clip(item, text_of_item, num_frames):
    inputs, track = item['inputs'], item['data_samples']
    assert inputs.shape[0] == num_frames and inputs.dtype == torch.float32  # distorted frames are float
    h, w = inputs.shape[-2:]
    short, long = min(h, w), max(h, w)
    # the short side is one of the scales unless the long side reached 640 first
    assert long == 640 or short in SHORT_SIDES, (h, w)
    assert long <= 640 and short >= min(SHORT_SIDES) * 0.99
    frames = track.video_data_samples
    assert len({f.flip for f in frames}) == 1  # one flip decision per clip
    flipped = frames[0].flip
    text = track.metainfo['text']
    original = text_of_item
    if 'left' in original:
        assert ('right' in text) == flipped and ('left' in text) != flipped
    for f in frames:  # masks follow the frames
        assert tuple(f.gt_instances.masks.masks.shape[-2:]) == (h, w)
    return (h, w), flipped


def test_ytvos_clips_are_5_frames_multi_scale_and_flipped_with_the_text():
    dataset = _dataset('referformer/referformer_r50_refcoco-pre_8xb1-6e_ref-ytvos.py', 'ref_youtube_vos')
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert all(len(info['clip_frame_ids']) == 5 for info in infos)  # items: windows of 5
    left = next(i for i, info in enumerate(infos) if 'left' in info['text'])
    random.seed(0)
    np.random.seed(0)
    sizes, flips = set(), set()
    for _ in range(12):
        size, flipped = _check_clip(dataset[left], infos[left]['text'], 5)
        sizes.add(size)
        flips.add(flipped)
    assert len(sizes) > 1 and flips == {True, False}
    # ReferFormer's sampling draws frames from the whole video, not only from the item's window
    frame_ids = dataset[left]['data_samples'].metainfo['frame_ids']
    assert frame_ids == sorted(frame_ids) and len(frame_ids) == 5


def test_photometric_distortion_is_drawn_per_frame():
    """A clip whose 5 frames are one repeated image: the distortion makes the copies differ."""
    dataset = _dataset('referformer/referformer_r50_refcoco-pre_8xb1-6e_ref-ytvos.py', 'ref_youtube_vos')
    pipeline = dataset.pipeline.transforms
    assert [t.share_random_params for t in pipeline[1:4]] == [True, False, True]
    info = dict(dataset.get_data_info(0))
    info['frame_names'] = info['frame_names'][:1]  # a one-frame video: every sampled frame is frame 0
    np.random.seed(1)
    random.seed(1)
    differs = 0
    for _ in range(5):
        inputs = dataset.pipeline(dict(info))['inputs']
        assert inputs.shape[0] == 5
        differs += int(any(not torch.equal(inputs[0], inputs[t]) for t in range(1, 5)))
    assert differs >= 4


@pytest.mark.parametrize('config,frames', [
    ('referformer/referformer_video-swin-t_refcoco-pre_8xb2-6e_a2d-sentences.py', 5),
    ('referformer/referformer_video-swin-t_8xb1-12e_a2d-sentences.py', 6),
])
def test_a2d_clips_keep_the_annotated_frame(config, frames):
    dataset = _dataset(config, 'a2d_sentences')
    np.random.seed(0)
    item = dataset[0]
    _check_clip(item, dataset.get_data_info(0)['text'], frames)
    samples = item['data_samples'].video_data_samples
    assert [s.has_gt for s in samples] == [t == frames // 2 for t in range(frames)]
