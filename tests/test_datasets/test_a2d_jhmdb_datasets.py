# Copyright (c) mmrvos contributors. All rights reserved.
import numpy as np
import pytest
from dataset_test_utils import DATA, eval_pipeline, fixture_value, grey_levels, train_pipeline

from mmrvos.datasets import A2DSentencesDataset, JHMDBSentencesDataset
from mmrvos.datasets.a2d_sentences import centred_window

A2D = dict(data_root=str(DATA / 'a2d_sentences'))
JHMDB = dict(data_root=str(DATA / 'jhmdb_sentences'))


def box(y1, y2, x1, x2, shape=(32, 48)):
    mask = np.zeros(shape, np.uint8)
    mask[y1:y2, x1:x2] = 1
    return mask


def test_centred_window():
    assert centred_window(2, 10, 8) == [0, 0, 0, 1, 2, 3, 4, 5]
    assert centred_window(6, 10, 8) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert centred_window(9, 10, 8) == [5, 6, 7, 8, 9, 9, 9, 9]
    assert centred_window(4, 10, 8)[8 // 2] == 4


def test_a2d_split_samples_and_skips():
    train = A2DSentencesDataset(**A2D, split='train', pipeline=[])
    infos = [train.get_data_info(i) for i in range(len(train))]
    assert [(d['video_id'], d['sample_id']) for d in infos] == [('a2dvid01', 'v_a2dvid01_f_3_i_1'),
                                                                ('a2dvid01', 'v_a2dvid01_f_7_i_1'),
                                                                ('a2dvid01', 'v_a2dvid01_f_3_i_2')]
    assert infos[0]['text'] == 'man on the left running' and infos[2]['text'] == 'a dog, jumping, barking'
    assert infos[0]['clip_frame_ids'] == [0, 0, 0, 1, 2, 3, 4, 5] and infos[0]['key_clip_index'] == 4
    test = A2DSentencesDataset(**A2D, split='test', test_mode=True, pipeline=[])
    assert [d['sample_id'] for d in test] == ['v_a2dvid02_f_2_i_1']  # a2dvid03 is a missed video
    assert test.skipped['official "1 (copy)" annotation row'] == 1
    with pytest.raises(ValueError, match='expected 3782 rows'):
        A2DSentencesDataset(**A2D, split='train', check_counts=True, pipeline=[])


def test_a2d_window_masks_transposed_and_key_frame():
    dataset = A2DSentencesDataset(**A2D, split='train', pipeline=train_pipeline())
    item = dataset[2]  # instance 2 of the two-instance frame 3
    sample = item['data_samples']
    assert item['inputs'].shape == (8, 3, 64, 96)
    assert grey_levels(item['inputs']) == pytest.approx([fixture_value(i) for i in [0, 0, 0, 1, 2, 3, 4, 5]],
                                                        abs=3)
    assert sample.key_frames_inds == [4] and sample.frame_ids == [0, 0, 0, 1, 2, 3, 4, 5]
    assert [s.has_gt for s in sample] == [False] * 4 + [True] + [False] * 3
    assert all(len(s.gt_instances) == 0 for t, s in enumerate(sample) if t != 4)
    gt = sample[4].gt_instances
    np.testing.assert_array_equal(gt.masks.masks[0], np.kron(box(4, 12, 30, 44), np.ones((2, 2), np.uint8)))
    assert gt.instances_ids.tolist() == [2] and sample.sample_id == 'v_a2dvid01_f_3_i_2'
    # single-instance file: reMask stored as (W, H) without a leading axis
    test = A2DSentencesDataset(**A2D, split='test', test_mode=True, pipeline=eval_pipeline())
    gt = test[0]['data_samples'][4].gt_instances
    np.testing.assert_array_equal(gt.masks.masks[0], box(8, 20, 4, 16))


def test_jhmdb_official_samples_and_masks():
    dataset = JHMDBSentencesDataset(
        **JHMDB, samples_file='jhmdb_sentences_samples_metadata.json', pipeline=eval_pipeline())
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [d['sample_id'] for d in infos] == [
        'v_jvid01_f_1', 'v_jvid01_f_3', 'v_jvid01_f_5', 'v_jvid02_f_1', 'v_jvid02_f_3', 'v_jvid02_f_4'
    ]
    assert len(infos[0]['frame_names']) == 5  # 6 frames, 5 masks: the last frame is dropped
    assert infos[2]['clip_frame_ids'] == [0, 1, 2, 3, 4, 4, 4, 4]
    sample = dataset[1]['data_samples']  # frame 3: the puppet box shifted right by 2 px
    assert sample.text == 'the man walking to the left' and sample.key_frames_inds == [4]
    np.testing.assert_array_equal(sample[4].gt_instances.masks.masks[0],
                                  np.roll(box(8, 20, 4, 16), 2, axis=1))
    assert sample[4].frame_name == '00003' and sample[4].img_path.endswith('walk/jvid01/00003.png')


def test_jhmdb_seeded_draw():
    a = JHMDBSentencesDataset(**JHMDB, seed=3, pipeline=[])
    b = JHMDBSentencesDataset(**JHMDB, seed=3, pipeline=[])
    ids = [d['sample_id'] for d in a]
    assert ids == [d['sample_id'] for d in b] and len(ids) == 6
    for d in a:
        frames = [int(s.rsplit('_', 1)[1]) for s in ids if s.startswith(f'v_{d["video_id"]}_')]
        assert frames == sorted(frames) and len(set(frames)) == 3
        assert max(frames) <= len(d['frame_names'])
