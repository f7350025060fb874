# Copyright (c) mmrvos contributors. All rights reserved.
import numpy as np
import pytest

from mmrvos.datasets.transforms import PackRVOSInputs, RVOSClipSample, TextAwareRandomFlip, swap_left_right


def test_swap_left_right():
    assert swap_left_right('the left dog and the right cat') == 'the right dog and the left cat'
    assert swap_left_right('leftmost person') == 'rightmost person'  # substring swap, as the official code
    assert swap_left_right('a person') == 'a person'


def test_text_aware_flip_only_swaps_on_horizontal_flips():
    img = np.zeros((4, 6, 3), np.uint8)
    vertical = TextAwareRandomFlip(prob=1.0, direction='vertical')(dict(img=img.copy(), text='the left one'))
    assert vertical['text'] == 'the left one' and vertical['flip_direction'] == 'vertical'
    horizontal = TextAwareRandomFlip(prob=1.0)(dict(img=img.copy(), text='the left one'))
    assert horizontal['text'] == 'the right one'


def test_clip_sample_pads_and_refuses_long_clips():
    info = dict(video_id='v', exp_id='0', text='t', obj_ids=[1], frame_names=['a', 'b'], img_dir='d',
                img_suffix='.jpg', clip_frame_ids=None, gt_frame_ids=None, mask_format=None, sample_idx=3)
    out = RVOSClipSample(num_frames=4)(dict(info))
    assert out['frame_id'] == [0, 1, 1, 1] and out['img_path'][0] == 'd/a.jpg'
    assert out['text'] == ['t'] * 4 and out['has_gt'] == [False] * 4 and out['sample_idx'] == [3] * 4
    assert all(isinstance(v, list) and len(v) == 4 for v in out.values())
    with pytest.raises(ValueError, match='video v expression 0: the item has 2 frames'):
        RVOSClipSample(num_frames=1)(dict(info))


def test_pack_refuses_clips_flipped_differently():
    results = dict(img=[np.zeros((4, 6, 3), np.uint8)] * 2, video_id=['v'] * 2, exp_id=['0'] * 2,
                   text=['the left one', 'the right one'], frame_id=[0, 1])
    with pytest.raises(ValueError, match='share_random_params=True'):
        PackRVOSInputs()(results)
