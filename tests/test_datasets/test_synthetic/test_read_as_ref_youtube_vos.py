# Copyright (c) mmrvos contributors. All rights reserved.
"""The generated benchmark is read by the Ref-YouTube-VOS dataset class and pipeline, unchanged."""
import json
import os.path as osp

import numpy as np
import torch
from PIL import Image

from mmrvos.datasets import RefYouTubeVOSDataset


def _pipeline(test_mode: bool) -> list:
    loading = [dict(type='LoadRVOSFrame'), dict(type='LoadRVOSAnnotations')]
    if not test_mode:
        loading.append(dict(type='TextAwareRandomFlip', prob=0.0))
    return [dict(type='RVOSClipSample'), dict(type='TransformBroadcaster', transforms=loading),
            dict(type='PackRVOSInputs')]


def _window(info: dict) -> tuple:
    return info['video_id'], info['exp_id'], info['clip_frame_ids']


def _expressions(root: str, split: str) -> dict:
    with open(osp.join(root, 'meta_expressions', split, 'meta_expressions.json')) as f:
        return json.load(f)['videos']


def test_train_windows_and_masks(synthetic_root):
    dataset = RefYouTubeVOSDataset(
        data_root=synthetic_root, ann_file='meta_expressions/train/meta_expressions.json',
        meta_file='train/meta.json', data_prefix=dict(img='train/JPEGImages', ann='train/Annotations'),
        clip_length=4, pipeline=_pipeline(False))
    by_masks = RefYouTubeVOSDataset(
        data_root=synthetic_root, ann_file='meta_expressions/train/meta_expressions.json',
        data_prefix=dict(img='train/JPEGImages', ann='train/Annotations'), clip_length=4,
        window_filter='masks', pipeline=[])
    windows = [_window(by_masks.get_data_info(i)) for i in range(len(by_masks))]
    assert windows == [_window(dataset.get_data_info(i)) for i in range(len(dataset))]  # meta.json agrees
    expressions = _expressions(synthetic_root, 'train')
    assert {w[:2] for w in windows} == {(v, e) for v in expressions for e in expressions[v]['expressions']}

    item = dataset[len(dataset) // 2]
    sample = item['data_samples']
    video = expressions[sample.video_id]
    expression = video['expressions'][sample.exp_id]
    assert item['inputs'].shape == (4, 3, 96, 160) and item['inputs'].dtype == torch.uint8
    assert sample.text == expression['exp'] and sample.obj_ids == [int(expression['obj_id'])]
    for frame_id, frame in zip(sample.frame_ids, sample):
        mask_dir = osp.join(synthetic_root, 'train', 'Annotations', sample.video_id)
        labels = np.array(Image.open(osp.join(mask_dir, video['frames'][frame_id] + '.png')))
        expected = labels == int(expression['obj_id'])
        np.testing.assert_array_equal(frame.gt_instances.masks.masks[0], expected)
        assert frame.gt_instances.valid.item() == expected.any()


def test_valid_split_is_scored_offline(synthetic_root):
    dataset = RefYouTubeVOSDataset(
        data_root=synthetic_root, ann_file='meta_expressions/valid/meta_expressions.json',
        exclude_ann_file='meta_expressions/test/meta_expressions.json',
        data_prefix=dict(img='valid/JPEGImages', ann='valid/Annotations'), test_mode=True,
        pipeline=_pipeline(True))
    expressions = _expressions(synthetic_root, 'valid')
    assert len(dataset) == sum(len(v['expressions']) for v in expressions.values())
    sample = dataset[0]['data_samples']
    assert len(sample) == len(expressions[sample.video_id]['frames'])
    assert all(frame.has_gt for frame in sample)
    assert sum(frame.gt_instances.masks.masks.sum() for frame in sample) > 0
