# Copyright (c) mmrvos contributors. All rights reserved.
"""The metrics on data samples from the real dataset classes and test pipelines (tests/data fixtures)."""
from pathlib import Path

import numpy as np
import torch
from evaluation_samples import assert_same
from mmengine.evaluator import Evaluator
from mmengine.structures import InstanceData

from mmrvos.datasets import A2DSentencesDataset, MeViSDataset, RefDAVIS17Dataset
from mmrvos.registry import METRICS

DATA = Path(__file__).resolve().parents[1] / 'data'
TEST_PIPELINE = [
    dict(type='RVOSClipSample'),
    dict(type='TransformBroadcaster', transforms=[
        dict(type='LoadRVOSFrame'),
        dict(type='Resize', scale=(96, 64), keep_ratio=True),
        dict(type='LoadRVOSAnnotations'),
    ]),
    dict(type='PackRVOSInputs'),
]

def predict(dataset, shift=lambda sample: 0):
    """Data samples whose predictions are the gt masks rolled right by ``shift(sample)`` pixels."""
    samples = []
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        for frame in sample:
            height, width = frame.ori_shape
            if frame.has_gt:
                masks = np.roll(frame.gt_instances.masks.masks.astype(bool), shift(sample), axis=-1)
            else:
                masks = np.zeros((1, height, width), bool)
            frame.pred_track_instances = InstanceData(
                masks=torch.from_numpy(masks), scores=torch.linspace(1, 0.5, len(masks)))
        samples.append(sample)
    return samples


def evaluate(metric_cfg, samples):
    evaluator = Evaluator(METRICS.build(metric_cfg))
    evaluator.process(samples)
    return evaluator.evaluate(len(samples))


def test_ref_davis_dataset_samples():
    dataset = RefDAVIS17Dataset(
        data_root=str(DATA / 'ref_davis'), ann_file='meta_expressions/valid/meta_expressions.json',
        meta_file='valid/meta.json', data_prefix=dict(img='valid/JPEGImages', ann='valid/Annotations'),
        test_mode=True, pipeline=TEST_PIPELINE)
    perfect = evaluate(dict(type='RefDAVISMetric'), predict(dataset))
    assert perfect['ref_davis/J&F'] == 1.0 and perfect['ref_davis/J-Decay'] == 0.0
    shifted = predict(dataset, shift=lambda sample: 2 * sample.annotator)
    from_samples = evaluate(dict(type='RefDAVISMetric'), shifted)
    gt_root = str(DATA / 'ref_davis' / 'valid' / 'Annotations')
    from_files = evaluate(dict(type='RefDAVISMetric', gt_root=gt_root), shifted)
    assert from_samples['ref_davis/J&F_annotator0'] == 1.0
    assert from_samples['ref_davis/J&F_annotator3'] < from_samples['ref_davis/J&F_annotator1'] < 1.0
    assert_same(list(from_samples.values()), list(from_files.values()))


def test_mevis_dataset_samples():
    dataset = MeViSDataset(
        data_root=str(DATA / 'mevis'), ann_file='train/meta_expressions.json',
        mask_file='train/mask_dict.json', data_prefix=dict(img='train/JPEGImages'), test_mode=True,
        pipeline=TEST_PIPELINE)
    assert evaluate(dict(type='MeViSMetric'), predict(dataset))['mevis/J&F'] == 1.0
    assert evaluate(dict(type='MeViSMetric'), predict(dataset, lambda s: 3))['mevis/J&F'] < 1.0


def test_a2d_dataset_samples():
    dataset = A2DSentencesDataset(data_root=str(DATA / 'a2d_sentences'), split='test', test_mode=True,
                                  pipeline=TEST_PIPELINE)
    metrics = evaluate(dict(type='A2DSentencesMetric'), predict(dataset))
    assert_same([metrics[f'a2d/{k}'] for k in ('mAP', 'AP50', 'P@0.9', 'overall_iou', 'mean_iou')], [1.0] * 5)
