# Copyright (c) mmrvos contributors. All rights reserved.
import pytest
from dataset_test_utils import DATA, eval_pipeline, train_pipeline

from mmrvos.datasets import RefDAVIS17Dataset

ROOT = str(DATA / 'ref_davis')
VALID = dict(
    data_root=ROOT,
    ann_file='meta_expressions/valid/meta_expressions.json',
    meta_file='valid/meta.json',
    data_prefix=dict(img='valid/JPEGImages', ann='valid/Annotations'),
    test_mode=True)


def test_annotators_kept_apart():
    dataset = RefDAVIS17Dataset(**VALID, pipeline=[])
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert len(infos) == 8  # 2 objects x 4 annotator slots
    assert [(d['exp_id'], d['annotator'], d['obj_rank'], d['obj_ids'])
            for d in infos] == [(str(4 * k + a), a, k, [k + 1]) for k in range(2) for a in range(4)]
    assert infos[0]['text'] == 'a1 first person on the left'
    assert infos[2]['text'] == 'a2 first caf\u00e9 person on the left'  # latin-1 file decoded
    assert dataset.skipped['non-ASCII sentence kept'] == 2
    assert len(RefDAVIS17Dataset(**VALID, non_ascii_text='skip', pipeline=[])) == 6
    with pytest.raises(ValueError, match='non-ASCII sentence .* dv-val expression 2'):
        RefDAVIS17Dataset(**VALID, non_ascii_text='error', pipeline=[])


def test_valid_masks_void_and_metainfo():
    dataset = RefDAVIS17Dataset(**VALID, pipeline=eval_pipeline())
    sample = dataset[5]['data_samples']  # annotator 1 full-video, object 2
    assert sample.annotator == 1 and sample.obj_rank == 1 and sample.obj_ids == [2]
    assert sample.frame_ids == [0, 1, 2, 3]
    assert [s.gt_instances.valid.item() for s in sample] == [True, True, True, False]
    masks = sample[0].gt_instances.masks.masks
    assert masks.shape == (1, 32, 48) and masks[0, 4:12, 30:44].all() and masks.sum() == 8 * 14
    void = sample[0].ignored_instances.masks.masks
    assert void.shape == (1, 32, 48) and void[0, 0].all() and void.sum() == 48


def test_train_windows_from_masks():
    dataset = RefDAVIS17Dataset(
        data_root=ROOT,
        ann_file='meta_expressions/train/meta_expressions.json',
        data_prefix=dict(img='train/JPEGImages', ann='train/Annotations'),
        clip_length=8,
        pipeline=train_pipeline(flip_prob=1.0))
    assert len(dataset) == 8
    assert dataset.get_data_info(0)['clip_frame_ids'] == [0, 1, 2, 3, 3, 3, 3, 3]
    item = dataset[0]
    assert item['data_samples'].text == 'a1 first person on the right'
    void = item['data_samples'][0].ignored_instances.masks.masks
    assert void.shape == (1, 64, 96) and void[0, :2].all() and void.sum() == 2 * 96  # resized with the frame
    mask = item['data_samples'][0].gt_instances.masks.masks[0]
    assert mask[:, 48:].sum() > 0 and mask[:, :48].sum() == 0  # object 1 (left) flipped to the right
