# Copyright (c) mmrvos contributors. All rights reserved.
"""Few-shot RVOS data (CMA, issue 16): Mini-Ref-YouTube-VOS / Mini-Ref-SAIL-VOS in their official on-disk
layout, the 4 folds of the 48 classes, training and test episodes, and the packed episode sample."""
import json
import pickle
import random
from unittest import mock

import numpy as np
import pytest
import torch
from few_shot_fixtures import SAIL_VIDEOS, YTVOS_VIDEOS, make_mini_ref_sailvos, make_mini_ref_ytvos

from mmrvos.datasets import (
    MINI_REF_YTVOS_CATEGORIES,
    FewShotEpisodeDataset,
    MiniRefSAILVOSDataset,
    MiniRefYouTubeVOSDataset,
    consecutive_clip,
    fold_classes,
)
from mmrvos.datasets.transforms import LoadFewShotEpisode
from mmrvos.registry import DATASETS
from mmrvos.testing import get_config

YTVOS_CONFIG = '_base_/datasets/mini_ref_ytvos_few_shot.py'
SAIL_CONFIG = '_base_/datasets/mini_ref_sailvos_few_shot.py'
LOGGER = 'mmrvos.datasets.few_shot_episodes.MMLogger.get_current_instance'


@pytest.fixture(scope='module')
def ytvos_root(tmp_path_factory):
    return make_mini_ref_ytvos(tmp_path_factory.mktemp('fs'))


@pytest.fixture(scope='module')
def sail_root(tmp_path_factory):
    return make_mini_ref_sailvos(tmp_path_factory.mktemp('fs'))


def episodes(root, fold=1, test_mode=False, dataset_type='MiniRefYouTubeVOSDataset', **kwargs):
    with mock.patch(LOGGER):  # the fixture lacks most of the 48 classes: keep the warning out of the log
        return FewShotEpisodeDataset(
            dataset=dict(type=dataset_type, data_root=str(root), test_mode=test_mode), fold=fold,
            test_mode=test_mode, **kwargs)


def from_config(config, root, part='train_dataloader', **overrides):
    cfg = get_config(config)[part].dataset
    cfg.dataset.data_root = str(root)
    cfg.update(overrides)
    with mock.patch(LOGGER):
        return DATASETS.build(cfg)


def class_of(video):
    return MINI_REF_YTVOS_CATEGORIES.index(YTVOS_VIDEOS[video][0]) + 1


# ---------------------------------------------------------------------- classes and folds
def test_the_4_folds_partition_the_48_classes():
    assert len(MINI_REF_YTVOS_CATEGORIES) == len(set(MINI_REF_YTVOS_CATEGORIES)) == 48
    assert MINI_REF_YTVOS_CATEGORIES[0] == 'hat' and MINI_REF_YTVOS_CATEGORIES[47] == 'person'
    tests = []
    for fold in (1, 2, 3, 4):
        train, test = fold_classes(48, fold)
        assert len(test) == 12 and len(train) == 36 and not set(train) & set(test)
        assert sorted(train + test) == list(range(1, 49))
        assert all((c - 1) % 4 == fold - 1 for c in test)
        tests += test
    assert sorted(tests) == list(range(1, 49))  # every class is a test class of exactly one fold
    assert 1 in fold_classes(48, 1)[1] and 48 in fold_classes(48, 4)[1] and 28 in fold_classes(48, 4)[1]


@pytest.mark.parametrize('fold', [0, 5, '1', None, 1.0, True])
def test_unknown_fold_is_an_error(fold):
    with pytest.raises(ValueError, match=r'unknown fold .*1\.\.4'):
        fold_classes(48, fold)


def test_unknown_fold_of_the_wrapper_and_sail_has_no_folds(ytvos_root, sail_root):
    with pytest.raises(ValueError, match='unknown fold 7'):
        episodes(ytvos_root, fold=7)
    with pytest.raises(ValueError, match='unknown fold 1: this dataset has no folds'):
        episodes(sail_root, fold=1, test_mode=True, dataset_type='MiniRefSAILVOSDataset')


def test_consecutive_clip_is_the_official_window():
    class Fixed:
        def __init__(self, value):
            self.value = value

        def randrange(self, n):
            return self.value

    assert consecutive_clip(8, 5, Fixed(2)) == [0, 1, 2, 3, 4]  # an early frame gives the first 5 frames
    assert consecutive_clip(8, 5, Fixed(4)) == [0, 1, 2, 3, 4]
    assert consecutive_clip(8, 5, Fixed(7)) == [3, 4, 5, 6, 7]  # else the 5 frames ending at it
    assert consecutive_clip(3, 5, Fixed(1)) == [0, 1, 2, 2, 2]  # short videos repeat their last frame


# ---------------------------------------------------------------------- the per-expression datasets
def test_mini_ytvos_reads_the_official_paths_and_classes(ytvos_root):
    assert ytvos_root.as_posix().endswith('data/mini-ref-youtube-vos')
    dataset = MiniRefYouTubeVOSDataset(data_root=str(ytvos_root), pipeline=[])
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert len(infos) == sum(2 + len(objs) - 1 for _, _, _, objs in YTVOS_VIDEOS.values())
    for info in infos:
        assert info['class_id'] == class_of(info['video_id'])
        assert info['class_name'] == YTVOS_VIDEOS[info['video_id']][0]
        assert info['clip_frame_ids'] is None and info['mask_format'] == 'palette_png'
        assert info['img_dir'].endswith(f'train/JPEGImages/{info["video_id"]}')
    with pytest.raises(ValueError, match='clip_length=None'):
        MiniRefYouTubeVOSDataset(data_root=str(ytvos_root), clip_length=5)


def test_class_of_a_video_is_its_last_expressions_category(tmp_path):
    videos = {'v_a': ('hat', 6, (32, 48), (1, 2)), 'v_b': ('hat', 6, (32, 48), (1, ))}
    root = make_mini_ref_ytvos(tmp_path, videos)
    meta = json.loads((root / 'train/meta.json').read_text())
    meta['videos']['v_a']['objects']['2']['category'] = 'lion'  # the last expression refers to object 2
    (root / 'train/meta.json').write_text(json.dumps(meta))
    logger = mock.MagicMock()
    with mock.patch('mmrvos.datasets.base_rvos_dataset.MMLogger.get_current_instance', return_value=logger):
        dataset = MiniRefYouTubeVOSDataset(data_root=str(root), pipeline=[])
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert {i['class_name'] for i in infos if i['video_id'] == 'v_a'} == {'lion'}
    assert [i['category'] for i in infos if i['video_id'] == 'v_a'] == ['hat', 'hat', 'lion']
    assert 'several categories' in logger.warning.call_args[0][0] and 'v_a' in logger.warning.call_args[0][0]


def test_missing_meta_file_and_unknown_category_name_the_file(tmp_path):
    root = make_mini_ref_ytvos(tmp_path, {'v_a': ('hat', 6, (32, 48), (1, ))})
    meta = root / 'train/meta.json'
    text = meta.read_text()
    meta.write_text(text.replace('"hat"', '"teapot"'))
    with pytest.raises(ValueError, match=r"unknown category 'teapot' in .*meta\.json video v_a object 1"):
        MiniRefYouTubeVOSDataset(data_root=str(root))
    meta.unlink()
    with pytest.raises(FileNotFoundError, match=r'meta file \(categories\) not found: .*train/meta\.json'):
        MiniRefYouTubeVOSDataset(data_root=str(root))
    with pytest.raises(ValueError, match='needs meta_file'):
        MiniRefYouTubeVOSDataset(data_root=str(root), meta_file=None)
    meta.write_text(text)
    (root / 'meta_expressions/train/meta_expressions.json').unlink()
    with pytest.raises(FileNotFoundError, match=r'not found: .*/train/meta_expressions\.json'):
        MiniRefYouTubeVOSDataset(data_root=str(root))


# ---------------------------------------------------------------------- training episodes
def test_training_episodes_never_use_a_test_class(ytvos_root):
    dataset = episodes(ytvos_root, fold=1, episodes_per_class=6)
    assert dataset.class_ids == fold_classes(48, 1)[0]
    assert dataset.episode_class_ids == [14, 23, 48]  # lion, tiger, person: the training classes present
    assert len(dataset) == 3 * 6
    random.seed(0)
    for idx in range(len(dataset)):
        info = dataset.get_data_info(idx)
        ep = info['episode']
        assert ep['class_id'] == dataset.episode_class_ids[idx // 6]  # class by class
        assert ep['class_id'] not in fold_classes(48, 1)[1]
        assert class_of(ep['support_video']) == class_of(ep['query_video']) == ep['class_id']
        assert ep['support_video'] != ep['query_video']
        assert len(ep['support_frames']) == len(ep['query_frames']) == 5
        assert info['support']['video_id'] == ep['support_video']
        assert info['query']['exp_id'] == ep['query_exp_id']
        ids = info['support']['clip_frame_ids']
        assert ids == sorted(ids) and (ids[-1] - ids[0] == 4 or len(set(ids)) < 5)  # consecutive


def test_training_episodes_are_reproducible_from_the_seed(ytvos_root):
    dataset = episodes(ytvos_root, fold=1, episodes_per_class=8)

    def draw(seed):
        random.seed(seed)
        return [dataset.get_data_info(i)['episode'] for i in range(len(dataset))]

    first = draw(3)
    assert first == draw(3)
    assert first != draw(4)
    # the recorded seed alone gives the episode back
    random.seed(123)
    with mock.patch('random.getrandbits', return_value=first[5]['support_seed']):
        assert dataset.get_data_info(5)['episode'] == first[5]
    # random objects, expressions and frames: more than one of each over the episodes
    assert len({(e['support_video'], e['support_exp_id']) for e in first}) > 3
    assert len({tuple(e['query_frames']) for e in first}) > 3


# ---------------------------------------------------------------------- test episodes
def test_test_episodes_one_seeded_support_per_class_every_other_expression_a_query(ytvos_root):
    dataset = episodes(ytvos_root, fold=1, test_mode=True, support_seed=5)
    assert dataset.class_ids == fold_classes(48, 1)[1] and dataset.episode_class_ids == [1]  # hat
    assert dataset.metainfo['class_ids'] == tuple(fold_classes(48, 1)[1]) and dataset.metainfo['fold'] == 1
    eps = [dataset.get_data_info(i)['episode'] for i in range(len(dataset))]
    support = eps[0]['support_video']
    assert {(e['support_video'], e['support_exp_id'], tuple(e['support_frames'])) for e in eps} == \
        {(support, eps[0]['support_exp_id'], tuple(eps[0]['support_frames']))}
    expected = [(v, str(i)) for v in sorted(YTVOS_VIDEOS) if YTVOS_VIDEOS[v][0] == 'hat' and v != support
                for i in range(1 + len(YTVOS_VIDEOS[v][3]))]
    assert [(e['query_video'], e['query_exp_id']) for e in eps] == expected
    for e in eps:
        assert e['support_seed'] == 5 and e['fold'] == 1 and e['class_name'] == 'hat'
        assert len(e['query_frames']) == YTVOS_VIDEOS[e['query_video']][1]  # all frames of the query video
        assert len(e['support_frames']) == 5
    info = dataset.get_data_info(0)
    assert info['query']['clip_frame_ids'] is None and len(info['support']['clip_frame_ids']) == 5


def test_test_episodes_same_seed_same_episodes_other_seeds_other_supports(ytvos_root):
    def record(seed):
        dataset = episodes(ytvos_root, fold=1, test_mode=True, support_seed=seed)
        return [dataset.get_data_info(i)['episode'] for i in range(len(dataset))]

    assert record(7) == record(7)
    supports = {(r[0]['support_video'], r[0]['support_exp_id'], tuple(r[0]['support_frames']))
                for r in map(record, range(8))}
    assert len(supports) > 2


def test_a_class_with_a_single_video_is_reported(ytvos_root):
    logger = mock.MagicMock()
    with mock.patch(LOGGER, return_value=logger):
        dataset = FewShotEpisodeDataset(
            dataset=dict(type='MiniRefYouTubeVOSDataset', data_root=str(ytvos_root)), fold=1, test_mode=True)
    assert dataset.small_classes[13] == ['hedgehog_a']  # hedgehog: no query video besides the support
    message = logger.warning.call_args[0][0]
    assert "hedgehog (class 13): 1 video(s) ['hedgehog_a']" in message and 'fold 1' in message
    assert all(dataset.get_data_info(i)['episode']['class_id'] != 13 for i in range(len(dataset)))
    with pytest.raises(ValueError, match=r"hedgehog \(class 13\): 1 video\(s\) \['hedgehog_a'\]"):
        episodes(ytvos_root, fold=1, test_mode=True, small_classes='error')


# ---------------------------------------------------------------------- episode transforms and packing
def test_packed_test_episode_layout(ytvos_root):
    dataset = from_config(YTVOS_CONFIG, ytvos_root, 'test_dataloader', support_seed=2)
    item = dataset[0]
    ep = dataset.get_data_info(0)['episode']
    track, inputs = item['data_samples'], item['inputs']
    frames = track.video_data_samples
    num_query = YTVOS_VIDEOS[ep['query_video']][1]
    assert len(frames) == inputs.shape[0] == 5 + num_query
    assert [f.frame_role for f in frames] == ['support'] * 5 + ['query'] * num_query
    assert track.frame_roles == [f.frame_role for f in frames] and track.num_support_frames == 5
    assert all(f.episode == ep for f in frames) and track.episode == ep
    texts = {role: {f.text for f in frames if f.frame_role == role} for role in ('support', 'query')}
    assert texts['support'] == {json.loads((ytvos_root / 'meta_expressions/train/meta_expressions.json')
                                           .read_text())['videos'][ep['support_video']]['expressions']
                                [ep['support_exp_id']]['exp']}
    assert len(texts['query']) == 1 and track.text == texts['query'].pop()
    assert track.video_id == ep['query_video'] and track.exp_id == ep['query_exp_id']
    assert [f.frame_name for f in frames[:5]] == ep['support_frames']
    assert [f.video_id for f in frames] == [ep['support_video']] * 5 + [ep['query_video']] * num_query
    for f in frames:
        h, w = f.img_shape
        assert min(h, w) == 360  # short side 360
        masks = f.gt_instances.masks
        if f.frame_role == 'support':  # support masks at the resized frame size, object present
            assert masks.masks.shape == (1, h, w) and masks.masks.any()
            assert f.gt_instances.instances_ids.tolist() == [ep['support_obj_id']]
        else:  # query masks at the original size (the metric resizes them)
            assert masks.masks.shape[1:] == f.ori_shape
    # frames of both clips top-left aligned in a common canvas
    assert inputs.shape[-2:] == (max(f.img_shape[0] for f in frames), max(f.img_shape[1] for f in frames))
    # the grey level of each frame is its index in its video
    support_ids = frames[0].frame_id, frames[4].frame_id
    assert support_ids[1] - support_ids[0] == 4
    assert int(inputs[5, 0, 180, 200]) == pytest.approx(30, abs=3)  # query frame 0


def test_packed_episodes_of_different_sizes_are_padded_top_left(ytvos_root):
    dataset = from_config(YTVOS_CONFIG, ytvos_root, 'test_dataloader', support_seed=2)
    sizes = {}
    for idx in range(len(dataset)):
        item = dataset[idx]
        frames = item['data_samples'].video_data_samples
        shapes = {f.img_shape for f in frames}
        if len(shapes) > 1:
            sizes[idx] = shapes
            small = min(shapes)
            t = next(t for t, f in enumerate(frames) if f.img_shape == small)
            assert (item['inputs'][t, :, small[0]:, :] == 0).all()  # filler outside the smaller frame
            assert (item['inputs'][t, :, :, small[1]:] == 0).all()
            break
    assert sizes, 'the fixture has hat videos of two sizes'


def test_packed_training_episode(ytvos_root):
    dataset = from_config(YTVOS_CONFIG, ytvos_root, episodes_per_class=2)
    assert len(dataset) == 6 and dataset.fold == 1
    random.seed(1)
    np.random.seed(1)
    for idx in range(len(dataset)):
        item = dataset[idx]
        frames = item['data_samples'].video_data_samples
        assert [f.frame_role for f in frames] == ['support'] * 5 + ['query'] * 5
        for f in frames:
            assert f.gt_instances.masks.masks.shape[1:] == f.img_shape  # masks follow the augmentation
            assert f.episode['class_id'] in (14, 23, 48)
        for role in ('support', 'query'):
            clip = [f for f in frames if f.frame_role == role]
            assert len({f.flip for f in clip}) == 1 and len({f.img_shape for f in clip}) == 1
            assert len({f.text for f in clip}) == 1
        assert item['inputs'].dtype == torch.float32  # photometric distortion


def test_flip_swaps_the_text_of_its_own_clip_only(ytvos_root):
    dataset = from_config(YTVOS_CONFIG, ytvos_root, episodes_per_class=4)
    random.seed(0)
    np.random.seed(0)
    seen = set()
    for _ in range(6):
        for idx in range(len(dataset)):
            frames = dataset[idx]['data_samples'].video_data_samples
            for role in ('support', 'query'):
                clip = [f for f in frames if f.frame_role == role]
                if clip[0].text.endswith('on the right') or clip[0].text.endswith('on the left'):
                    assert clip[0].text.endswith('on the right') == clip[0].flip
                    seen.add(clip[0].flip)
    assert seen == {True, False}


def test_support_without_masks_and_support_of_another_class_are_errors(ytvos_root):
    dataset = episodes(ytvos_root, fold=1, test_mode=True)
    transform = LoadFewShotEpisode(
        support_pipeline=[dict(type='RVOSClipSample'),
                          dict(type='TransformBroadcaster', transforms=[dict(type='LoadRVOSFrame'),
                                                                        dict(type='LoadRVOSAnnotations')])])
    info = dataset.get_data_info(0)
    other = episodes(ytvos_root, fold=2, test_mode=True).get_data_info(0)  # a lion episode
    wrong = dict(info, query=other['query'])
    with pytest.raises(ValueError, match=r"support video '.*' is of class 'hat' \(1\), the query video "
                       r"'lion_.' of class 'lion' \(14\)"):
        transform(wrong)
    no_masks = dict(info, support=dict(info['support'], mask_format=None, gt_frame_ids=[]))
    video = info['support']['video_id']
    with pytest.raises(ValueError, match=f"the support clip has no masks \\(support video '{video}'"):
        transform(no_masks)
    # a dataset without the Annotations folder: its supports have no masks either
    no_ann = FewShotEpisodeDataset(
        dataset=dict(type='MiniRefYouTubeVOSDataset', data_root=str(ytvos_root),
                     data_prefix=dict(img='train/JPEGImages')), fold=1, test_mode=True,
        pipeline=[dict(type='LoadFewShotEpisode', support_pipeline=transform.support_pipeline.transforms)],
        small_classes='warn')
    with pytest.raises(ValueError, match='the support clip has no masks'):
        no_ann[0]
    # a support pipeline that does not load the masks
    no_load = LoadFewShotEpisode(support_pipeline=[
        dict(type='RVOSClipSample'),
        dict(type='TransformBroadcaster', transforms=[dict(type='LoadRVOSFrame')])
    ])
    with pytest.raises(KeyError, match=r"the support pipeline did not produce \['gt_masks'"):
        no_load(info)


def test_missing_support_mask_file_names_the_file(tmp_path):
    root = make_mini_ref_ytvos(tmp_path, {k: YTVOS_VIDEOS[k] for k in ('hat_a', 'hat_b')})
    for png in (root / 'train/Annotations/hat_a').glob('*.png'):
        png.unlink()
    for png in (root / 'train/Annotations/hat_b').glob('*.png'):
        png.unlink()
    dataset = from_config(YTVOS_CONFIG, root, 'test_dataloader')
    with pytest.raises(FileNotFoundError, match=r'mask file not found: .*Annotations/hat_./000\d\d\.png'):
        dataset[0]


# ---------------------------------------------------------------------- Mini-Ref-SAIL-VOS
def test_mini_sailvos_bmp_frames_clipped_masks_and_all_classes(sail_root):
    assert sail_root.as_posix().endswith('data/mini-SAIL-VOS')
    assert (sail_root / 'Images/dog_a/00000.bmp').is_file()
    dataset = from_config(SAIL_CONFIG, sail_root, 'test_dataloader')
    assert sorted(SAIL_VIDEOS) == ['car_a', 'car_b', 'dog_a', 'dog_b', 'person_a']
    assert dataset.fold is None and dataset.class_ids == [1, 2, 3]
    assert dataset.small_classes == {3: ['person_a']}  # person has a single video
    eps = [dataset.get_data_info(i)['episode'] for i in range(len(dataset))]
    assert {e['class_name'] for e in eps} == {'dog', 'car'}
    assert len(eps) == 2 * 2  # per class: 2 videos = 1 support + 1 query video with 2 expressions
    item = dataset[0]
    frames = item['data_samples'].video_data_samples
    support = frames[0]
    mask = support.gt_instances.masks.masks[0]
    h, w = support.img_shape
    assert min(h, w) == 360 and mask.shape == (h, w)
    # pixels of value 2 on the object (its top rows) are part of object 1 once clipped to {0, 1}
    query = next(f for f in frames if f.frame_role == 'query')
    qmask = query.gt_instances.masks.masks[0]
    assert qmask[8:20, 4:16].all() and qmask.sum() == 12 * 12


def test_mini_sailvos_items_and_an_object_id_other_than_1_is_logged(tmp_path):
    videos = {'dog_a': ('dog', 6, (32, 48), (1, 2)), 'dog_b': SAIL_VIDEOS['dog_b']}
    root = make_mini_ref_sailvos(tmp_path, videos)
    logger = mock.MagicMock()
    with mock.patch('mmrvos.datasets.base_rvos_dataset.MMLogger.get_current_instance', return_value=logger):
        dataset = MiniRefSAILVOSDataset(data_root=str(root), pipeline=[])
    info = dataset.get_data_info(0)
    assert info['img_suffix'] == '.bmp' and info['img_dir'].endswith('Images/dog_a')
    assert info['mask_max_id'] == 1 and info['class_name'] == 'dog' and info['class_id'] == 1
    assert MiniRefSAILVOSDataset.NUM_FOLDS is None
    message = logger.warning.call_args_list[-1][0][0]
    assert '1 x expression with obj_id != 1' in message and 'video dog_a expression 2' in message


def test_episodes_go_through_the_dataloader_and_the_data_preprocessor(ytvos_root):
    from mmengine.dataset import pseudo_collate

    from mmrvos.registry import MODELS
    dataset = from_config(YTVOS_CONFIG, ytvos_root, episodes_per_class=2)
    dataset = pickle.loads(pickle.dumps(dataset))  # as sent to dataloader workers
    preprocessor = MODELS.build(
        dict(type='RVOSDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
             bgr_to_rgb=True, pad_size_divisor=32))
    random.seed(0)
    np.random.seed(0)
    batch = preprocessor(pseudo_collate([dataset[0], dataset[3]]), training=True)
    inputs, samples = batch['inputs'], batch['data_samples']
    assert inputs.shape[:3] == (2, 10, 3) and inputs.shape[-1] % 32 == 0 and inputs.shape[-2] % 32 == 0
    for track in samples:
        roles = [f.frame_role for f in track.video_data_samples]
        assert roles == ['support'] * 5 + ['query'] * 5
        assert all(f.gt_instances.masks.masks.shape[1:] == f.img_shape for f in track.video_data_samples)


def _annotation_only_tree(root, videos_per_class=2):
    """The two annotation files of a Mini-Ref-YouTube-VOS with every class (no frames: building the episodes
    reads only the annotation files)."""
    metas, expressions = {}, {}
    for class_id, name in enumerate(MINI_REF_YTVOS_CATEGORIES, 1):
        for k in range(videos_per_class):
            video = f'{name}_{k}'
            metas[video] = dict(objects={'1': dict(category=name, frames=['00000'])})
            expressions[video] = dict(frames=[f'{5 * i:05d}' for i in range(6)],
                                      expressions={'0': dict(exp=f'a {name}', obj_id='1')})
    files = (('train/meta.json', metas), ('meta_expressions/train/meta_expressions.json', expressions))
    for path, content in files:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(json.dumps(dict(videos=content)))
    return root


@pytest.mark.parametrize('fold', [1, 2, 3, 4])
def test_config_folds_36_training_classes_x_100_episodes_12_test_classes(tmp_path, fold):
    root = _annotation_only_tree(tmp_path)
    logger = mock.MagicMock()
    with mock.patch(LOGGER, return_value=logger):
        train = from_config(YTVOS_CONFIG, root, fold=fold)
        test = from_config(YTVOS_CONFIG, root, 'test_dataloader', fold=fold)
    assert not logger.warning.called  # every class has two videos: nothing to report
    assert len(train) == 36 * 100 and len(train.episode_class_ids) == 36
    assert len(test.episode_class_ids) == 12 and len(test) == 12  # one query expression per class
    assert not set(train.episode_class_ids) & set(test.episode_class_ids)
    assert sorted(train.episode_class_ids + test.episode_class_ids) == list(range(1, 49))
    random.seed(fold)
    held_out = {MINI_REF_YTVOS_CATEGORIES[c - 1] for c in test.episode_class_ids}
    for idx in range(0, len(train), 7):
        ep = train.get_data_info(idx)['episode']
        assert ep['class_name'] not in held_out
        classes = {ep['support_video'].rsplit('_', 1)[0], ep['query_video'].rsplit('_', 1)[0]}
        assert classes == {ep['class_name']}
    assert {test.get_data_info(i)['episode']['class_name'] for i in range(len(test))} == held_out


@pytest.mark.parametrize('config', [YTVOS_CONFIG, SAIL_CONFIG])
def test_few_shot_configs_use_the_loops_that_fill_work_dir(config):
    cfg = get_config(config)
    assert cfg.val_cfg.type == 'RVOSValLoop' and cfg.test_cfg.type == 'RVOSTestLoop'
    assert cfg.test_evaluator.type == 'FewShotJFMetric'


def test_skip_finished_leaves_out_the_episodes_of_the_jsonl(ytvos_root, tmp_path):
    cfg = dict(type='FewShotEpisodeDataset', fold=1, test_mode=True,
               dataset=dict(type='MiniRefYouTubeVOSDataset', data_root=str(ytvos_root), test_mode=True))
    full = DATASETS.build(cfg)
    done = [full.get_data_info(i)['episode'] for i in range(0, len(full), 2)]
    (tmp_path / 'episodes.jsonl').write_text(
        ''.join(json.dumps(dict(episode=e)) + '\n' for e in done) + '{"cut by a cra')
    resumed = DATASETS.build(dict(cfg, skip_finished=str(tmp_path)))
    left = [resumed.get_data_info(i)['episode'] for i in range(len(resumed))]
    assert len(left) == len(full) - len(done) and len(done) >= 1
    assert not {json.dumps(e, sort_keys=True) for e in left} & {json.dumps(e, sort_keys=True) for e in done}
    assert len(DATASETS.build(dict(cfg, skip_finished=str(tmp_path / 'none')))) == len(full)


@pytest.mark.parametrize('hw,out', [((480, 854), (360, 640)), ((854, 480), (640, 360)),
                                    ((360, 500), (360, 500))])
def test_short_side_resize_truncates_the_long_side_as_torchvision(hw, out):
    from mmrvos.registry import TRANSFORMS
    resize = TRANSFORMS.build(get_config(YTVOS_CONFIG).fs_test_resize)
    res = resize(dict(img=np.zeros(hw + (3, ), np.uint8), img_shape=hw, ori_shape=hw))
    assert res['img'].shape[:2] == out and res['img_shape'] == out
