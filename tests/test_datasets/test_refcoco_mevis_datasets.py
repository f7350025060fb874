# Copyright (c) mmrvos contributors. All rights reserved.
import numpy as np
from dataset_test_utils import DATA, eval_pipeline, train_pipeline
from mmengine.dataset import ConcatDataset

from mmrvos.datasets import MeViSDataset, RefCOCODataset, RefYouTubeVOSDataset

REFCOCO = dict(
    data_root=str(DATA / 'refcoco'),
    ann_file='coco/refcoco/instances_refcoco_train.json',
    data_prefix=dict(img='coco/train2014'))
MEVIS = dict(
    data_root=str(DATA / 'mevis'),
    ann_file='train/meta_expressions.json',
    mask_file='train/mask_dict.json',
    data_prefix=dict(img='train/JPEGImages'))


def test_refcoco_items_skips_and_polygon_masks():
    dataset = RefCOCODataset(**REFCOCO, pipeline=train_pipeline(flip_prob=1.0))
    assert [dataset.get_data_info(i)['exp_id'] for i in range(len(dataset))] == ['1', '2', '5']
    assert dataset.skipped == {
        'sentence without a non-crowd annotation': 1,
        'annotation with a degenerate box': 1
    }
    item = dataset[1]
    assert item['inputs'].shape == (1, 3, 64, 96)
    sample = item['data_samples']
    assert sample.text == 'left dog' and sample.dataset_name == 'refcoco' and sample.frame_ids == [0]
    mask = sample[0].gt_instances.masks.masks[0][:, ::-1]  # undo the flip; object 2 box at 2x scale
    expected = np.zeros((64, 96), np.uint8)
    expected[8:24, 60:88] = 1
    iou = (mask & expected).sum() / (mask | expected).sum()
    assert iou > 0.85


def test_refcoco_pseudo_video_and_joint_concat():
    ytvos = RefYouTubeVOSDataset(
        data_root=str(DATA / 'ref_youtube_vos'),
        ann_file='meta_expressions/train/meta_expressions.json',
        meta_file='train/meta.json',
        data_prefix=dict(img='train/JPEGImages', ann='train/Annotations'),
        clip_length=8,
        pipeline=train_pipeline())
    coco = RefCOCODataset(**REFCOCO, pipeline=train_pipeline(num_frames=8))
    joint = ConcatDataset([ytvos, coco])
    assert len(joint) == len(ytvos) + 3 == 9
    item = joint[len(ytvos)]
    assert item['inputs'].shape == (8, 3, 64, 96)
    assert item['data_samples'].frame_ids == [0] * 8
    assert all(s.gt_instances.valid.item() for s in item['data_samples'])


def test_mevis_multi_object_expressions():
    train = MeViSDataset(**MEVIS, pipeline=eval_pipeline())
    infos = [train.get_data_info(i) for i in range(len(train))]
    assert [(d['video_id'], d['exp_id'], d['obj_ids']) for d in infos] == [('mvid01', '0', [0]),
                                                                           ('mvid01', '1', [0, 1])]
    assert train.skipped == {
        'video with fewer than 2 frames': 1,
        'expression whose objects have no mask in any frame': 1
    }
    sample = train[1]['data_samples']
    assert len(sample) == 6 and sample.obj_ids == [0, 1]
    valid = np.array([s.gt_instances.valid.tolist() for s in sample])
    assert valid.tolist() == [[True, True]] * 3 + [[True, False]] * 3
    masks = sample[0].gt_instances.masks.masks
    assert masks.shape == (2, 32, 48) and masks[0, 8:20, 4:16].all() and masks[1, 4:12, 30:44].all()
    merged = MeViSDataset(**MEVIS, merge_objects=True, pipeline=eval_pipeline())[1]['data_samples']
    union = merged[0].gt_instances.masks.masks
    assert union.shape == (1, 32, 48) and union.sum() == masks.max(0).sum()
    test = MeViSDataset(**MEVIS, test_mode=True, pipeline=[])
    assert len(test) == 4  # nothing skipped in test mode
    online = MeViSDataset(**dict(MEVIS, mask_file=None), test_mode=True, pipeline=eval_pipeline())
    assert all(not s.has_gt for s in online[0]['data_samples'])


def test_mevis_local_global_sampling():
    dataset = MeViSDataset(**MEVIS, pipeline=train_pipeline(num_frames=4, sampling='local_global'))
    for _ in range(5):
        frame_ids = dataset[0]['data_samples'].frame_ids
        assert len(frame_ids) == 4 and frame_ids == sorted(frame_ids) and 0 <= min(frame_ids) and max(
            frame_ids) < 6
    anchored = MeViSDataset(**MEVIS, anchor_stride=4, pipeline=[])
    assert [d['anchor_frame_id'] for d in anchored] == [0, 4, 0, 4]
