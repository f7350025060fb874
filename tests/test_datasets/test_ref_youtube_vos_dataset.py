# Copyright (c) mmrvos contributors. All rights reserved.
import numpy as np
import pytest
import torch
from dataset_test_utils import DATA, bar_side, eval_pipeline, fixture_value, grey_levels, train_pipeline

from mmrvos.datasets import RefYouTubeVOSDataset, split_into_windows

ROOT = str(DATA / 'ref_youtube_vos')
TRAIN = dict(
    data_root=ROOT,
    ann_file='meta_expressions/train/meta_expressions.json',
    meta_file='train/meta.json',
    data_prefix=dict(img='train/JPEGImages', ann='train/Annotations'),
    clip_length=8)
VALID = dict(
    data_root=ROOT,
    ann_file='meta_expressions/valid/meta_expressions.json',
    data_prefix=dict(img='valid/JPEGImages'),
    test_mode=True)


def box_mask(y1, y2, x1, x2, shape=(32, 48)):
    mask = np.zeros(shape, np.uint8)
    mask[y1:y2, x1:x2] = 1
    return mask


def test_split_into_windows():
    assert split_into_windows(10, 8) == [list(range(8)), list(range(2, 10))]
    assert split_into_windows(16, 8) == [list(range(8)), list(range(8, 16))]
    assert split_into_windows(3, 8) == [[0, 1, 2, 2, 2, 2, 2, 2]]


def test_train_windows_follow_official_sampling():
    dataset = RefYouTubeVOSDataset(**TRAIN, pipeline=train_pipeline())
    items = [dataset.get_data_info(i) for i in range(len(dataset))]
    got = [(d['video_id'], d['exp_id'], d['clip_frame_ids']) for d in items]
    assert got == [
        ('ytvid_a', '0', list(range(8))),
        ('ytvid_a', '0', list(range(2, 10))),
        ('ytvid_a', '1', list(range(8))),  # object 2 only in frames 0-1: the second window is dropped
        ('ytvid_a', '2', list(range(8))),
        ('ytvid_a', '2', list(range(2, 10))),
        ('ytvid_b', '0', [0, 1, 2, 2, 2, 2, 2, 2]),
    ]
    assert items[3]['text'] == 'a person running'
    # the same windows when presence is read from the masks (official) instead of meta.json
    by_masks = RefYouTubeVOSDataset(**dict(TRAIN, window_filter='masks'), pipeline=[])
    assert [(d['video_id'], d['exp_id'], d['clip_frame_ids']) for d in by_masks] == got
    assert len(RefYouTubeVOSDataset(**dict(TRAIN, window_filter='none'), pipeline=[])) == 7


def test_train_item_frames_masks_and_boxes():
    dataset = RefYouTubeVOSDataset(**TRAIN, pipeline=train_pipeline())
    item = dataset[1]  # ytvid_a, exp 0, frames 2..9
    inputs, sample = item['inputs'], item['data_samples']
    assert inputs.shape == (8, 3, 64, 96) and inputs.dtype == torch.uint8
    assert grey_levels(inputs) == pytest.approx([fixture_value(i) for i in range(2, 10)], abs=3)
    assert sample.video_id == 'ytvid_a' and sample.exp_id == '0' and sample.text == 'the dog on the left'
    assert sample.frame_ids == list(range(2, 10)) and sample.ori_video_length == 10 and sample.obj_ids == [1]
    frame = sample[0]
    assert frame.frame_name == '00010' and frame.img_path.endswith('ytvid_a/00010.jpg')
    assert frame.ori_shape == (32, 48) and frame.img_shape == (64, 96) and frame.has_gt
    gt = frame.gt_instances
    assert gt.masks.masks.shape == (1, 64, 96)
    expected = np.kron(box_mask(8, 20, 4, 16), np.ones((2, 2), np.uint8))
    np.testing.assert_array_equal(gt.masks.masks[0], expected)
    assert gt.bboxes.tolist() == [[8.0, 16.0, 32.0, 40.0]]
    assert gt.labels.tolist() == [0] and gt.instances_ids.tolist() == [1] and gt.valid.tolist() == [True]


def test_absent_object_frames_are_empty_but_present():
    dataset = RefYouTubeVOSDataset(**TRAIN, pipeline=train_pipeline())
    sample = dataset[2]['data_samples']  # object 2, visible in frames 0 and 1 only
    valid = [s.gt_instances.valid.item() for s in sample]
    assert valid == [True, True] + [False] * 6
    assert all(len(s.gt_instances) == 1 for s in sample)
    assert sample[5].gt_instances.masks.masks.sum() == 0
    assert sample[5].gt_instances.bboxes.tolist() == [[0.0, 0.0, 0.0, 0.0]]


def test_flip_flips_frames_masks_and_sentence_together():
    plain = RefYouTubeVOSDataset(**TRAIN, pipeline=train_pipeline(flip_prob=0.0))[0]
    flipped = RefYouTubeVOSDataset(**TRAIN, pipeline=train_pipeline(flip_prob=1.0))[0]
    assert plain['data_samples'].text == 'the dog on the left'
    assert flipped['data_samples'].text == 'the dog on the right'
    for t in range(8):
        assert bar_side(plain['inputs'][t]) == 'left' and bar_side(flipped['inputs'][t]) == 'right'
        a = plain['data_samples'][t].gt_instances.masks.masks[0]
        b = flipped['data_samples'][t].gt_instances.masks.masks[0]
        np.testing.assert_array_equal(b, a[:, ::-1])
        assert flipped['data_samples'][t].flip and flipped['data_samples'][t].flip_direction == 'horizontal'
    box = flipped['data_samples'][0].gt_instances.bboxes[0].tolist()
    assert box == [96 - 32.0, 16.0, 96 - 8.0, 40.0]


def test_random_flip_is_shared_by_all_frames():
    np.random.seed(0)
    dataset = RefYouTubeVOSDataset(**TRAIN, pipeline=train_pipeline(flip_prob=0.5))
    seen = set()
    for _ in range(12):
        sample = dataset[0]
        flips = {s.flip for s in sample['data_samples']}
        assert len(flips) == 1
        seen |= flips
        sides = {bar_side(f) for f in sample['inputs']}
        assert sides == {'right' if flips.pop() else 'left'}
    assert seen == {True, False}


def test_valid_offline_split_and_full_list(tmp_path):
    offline = RefYouTubeVOSDataset(
        **VALID,
        exclude_ann_file='meta_expressions/test/meta_expressions.json',
        expected_num_videos=2,
        pipeline=eval_pipeline())
    videos = {offline.get_data_info(i)['video_id'] for i in range(len(offline))}
    assert sorted(videos) == ['ytval_1', 'ytval_2'] and len(offline) == 4
    full = RefYouTubeVOSDataset(**VALID, pipeline=[])
    assert len(full) == 6
    with pytest.raises(ValueError, match='expected 202 videos'):
        RefYouTubeVOSDataset(
            **VALID,
            exclude_ann_file='meta_expressions/test/meta_expressions.json',
            expected_num_videos=202,
            pipeline=[])
    video_list = tmp_path / 'videos.txt'
    video_list.write_text('ytval_2\n')
    listed = RefYouTubeVOSDataset(**VALID, video_list_file=str(video_list), pipeline=[])
    assert {d['video_id'] for d in listed} == {'ytval_2'}

    item = offline[0]  # ytval_1: whole video (4 frames), no ground truth
    sample = item['data_samples']
    assert item['inputs'].shape == (4, 3, 64, 96)
    assert grey_levels(item['inputs']) == pytest.approx([fixture_value(i) for i in range(4)], abs=3)
    assert sample.frame_ids == [0, 1, 2, 3] and sample.obj_ids == []
    assert [s.frame_name for s in sample] == ['00000', '00005', '00010', '00015']
    assert all(not s.has_gt and len(s.gt_instances) == 0 for s in sample)


def test_test_mode_with_masks_keeps_original_resolution():
    """The synthetic benchmark case: whole videos in the Ref-YTVOS format with masks."""
    dataset = RefYouTubeVOSDataset(
        data_root=ROOT,
        ann_file='meta_expressions/train/meta_expressions.json',
        data_prefix=dict(img='train/JPEGImages', ann='train/Annotations'),
        test_mode=True,
        pipeline=eval_pipeline())
    assert len(dataset) == 4
    sample = dataset[1]['data_samples']  # ytvid_a exp 1: object 2
    assert len(sample) == 10 and sample[0].img_shape == (64, 96)
    masks = sample[0].gt_instances.masks.masks
    assert masks.shape == (1, 32, 48)
    np.testing.assert_array_equal(masks[0], box_mask(4, 12, 30, 44))
    assert [s.gt_instances.valid.item() for s in sample] == [True, True] + [False] * 8
