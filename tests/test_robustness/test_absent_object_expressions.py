# Copyright (c) mmrvos contributors. All rights reserved.
"""Issue 19, case 4: an expression whose object id is absent from every annotation frame.

It used to be scored silently at test time against an empty ground truth, while a training set built
from the same data warned and skipped it. Evaluation datasets now apply the training rule: one warning
at build time with the count and examples, the expression is skipped, and the metric output says how
many expressions it scored.
"""
import json
from unittest import mock

import pytest
from robust_eval_utils import copy_fixture

from mmrvos.datasets import RefDAVIS17Dataset, RefYouTubeVOSDataset
from mmrvos.registry import METRICS

ABSENT = 'expression whose object has no mask in any frame'


def add_expression(path, video, exp_id, obj_id):
    data = json.loads(path.read_text())
    data['videos'][video]['expressions'][exp_id] = {'exp': 'a ghost nobody annotated', 'obj_id': obj_id}
    path.write_text(json.dumps(data))


def build_logged(dataset_cls, **cfg):
    """Build a dataset; returns it and the warnings it logged."""
    logger = mock.MagicMock()
    with mock.patch('mmrvos.datasets.base_rvos_dataset.MMLogger.get_current_instance', return_value=logger):
        dataset = dataset_cls(**cfg)
    return dataset, [call[0][0] for call in logger.warning.call_args_list]


def eval_pipeline():
    return [
        dict(type='RVOSClipSample'),
        dict(type='TransformBroadcaster',
             transforms=[dict(type='LoadRVOSFrame'), dict(type='LoadRVOSAnnotations')]),
        dict(type='PackRVOSInputs'),
    ]


@pytest.mark.parametrize('meta_file,window_filter', [('train/meta.json', 'meta'), (None, 'meta'),
                                                     ('train/meta.json', 'masks')])
def test_ref_ytvos_test_set_skips_and_warns_once(tmp_path, meta_file, window_filter):
    root = copy_fixture(tmp_path, 'ref_youtube_vos')
    add_expression(root / 'meta_expressions/train/meta_expressions.json', 'ytvid_a', '9', '7')
    dataset, warnings = build_logged(
        RefYouTubeVOSDataset, data_root=str(root), ann_file='meta_expressions/train/meta_expressions.json',
        meta_file=meta_file, window_filter=window_filter,
        data_prefix=dict(img='train/JPEGImages', ann='train/Annotations'), test_mode=True,
        pipeline=eval_pipeline())
    assert len(dataset) == 4
    assert [(d['video_id'], d['exp_id']) for d in map(dataset.get_data_info, range(4))] == \
        [('ytvid_a', '0'), ('ytvid_a', '1'), ('ytvid_a', '2'), ('ytvid_b', '0')]
    assert dataset.skipped == {ABSENT: 1}
    assert len(warnings) == 1 and f'1 x {ABSENT}' in warnings[0] and 'ytvid_a expression 9' in warnings[0]

    # the metric says how many expressions it scored (the ground truth as the prediction: J&F 1)
    metric = METRICS.build(dict(type='MeViSMetric'))
    for index in range(len(dataset)):
        sample = dataset[index]['data_samples']
        for frame in sample.video_data_samples:
            frame.pred_track_instances = frame.gt_instances.clone()
        metric.process({}, [sample.to_dict()])
    metrics = metric.evaluate(len(dataset))
    assert metrics['mevis/num_expressions'] == 4 and metrics['mevis/J&F'] == pytest.approx(1.0)


def test_server_split_without_masks_keeps_every_expression(tmp_path):
    """Without ground truth (the server-scored valid split) nothing can be checked or skipped."""
    root = copy_fixture(tmp_path, 'ref_youtube_vos')
    add_expression(root / 'meta_expressions/train/meta_expressions.json', 'ytvid_a', '9', '7')
    dataset, warnings = build_logged(
        RefYouTubeVOSDataset, data_root=str(root), ann_file='meta_expressions/train/meta_expressions.json',
        data_prefix=dict(img='train/JPEGImages'), test_mode=True, pipeline=[])
    assert len(dataset) == 5 and not dataset.skipped and warnings == []


def test_ref_davis_test_set_skips_and_warns_once(tmp_path):
    root = copy_fixture(tmp_path, 'ref_davis')
    add_expression(root / 'meta_expressions/valid/meta_expressions.json', 'dv-val', '8', '5')
    dataset, warnings = build_logged(
        RefDAVIS17Dataset, data_root=str(root), ann_file='meta_expressions/valid/meta_expressions.json',
        meta_file='valid/meta.json', test_mode=True, pipeline=[])
    assert len(dataset) == 8 and dataset.skipped[ABSENT] == 1  # (and the fixture's 2 non-ASCII sentences)
    absent = [w for w in warnings if ABSENT in w]
    assert len(absent) == 1 and f'1 x {ABSENT}' in absent[0] and 'dv-val expression 8' in absent[0]
