# Copyright (c) mmrvos contributors. All rights reserved.
"""LBDT's evaluation protocol (``A2DSentencesMetric(protocol='lbdt')``) on hand-computed cases."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from evaluation_samples import assert_same, make_sample
from mmengine.evaluator import Evaluator

from mmrvos.evaluation.functional import lbdt_frame_measures, lbdt_resample_gt, lbdt_summary
from mmrvos.registry import METRICS

# One gt pixel at (0, 0) of a 2x3 frame, through 3x5 and back. Bilinear with align_corners rows: output
# row 1 sits at source 0.5 (taps 0 and 1); cols: output col 1 at 0.5. So the pixel covers rows 0-1,
# cols 0-1 of the 3x5 map. Nearest back: rows 0, 1 <- 0, 1 (scale 1.5); cols 0, 1, 2 <- 0, 1, 3 (scale 5/3).
ONE_PIXEL = np.array([[1, 0, 0], [0, 0, 0]], bool)
ONE_PIXEL_THROUGH_3X5 = np.array([[1, 1, 0], [1, 1, 0]], bool)
# A pixel at (1, 2) covers rows 1-2, cols 3-4 of the 3x5 map, and comes back as itself.
CORNER = np.array([[0, 0, 0], [0, 0, 1]], bool)


def test_gt_through_the_input_size_by_hand():
    assert np.array_equal(lbdt_resample_gt(ONE_PIXEL, (3, 5)), ONE_PIXEL_THROUGH_3X5)
    assert np.array_equal(lbdt_resample_gt(CORNER, (3, 5)), CORNER)
    gt = np.random.default_rng(0).random((320, 320)) < 0.3
    assert np.array_equal(lbdt_resample_gt(gt), gt)  # already 320x320: unchanged
    with pytest.raises(ValueError, match='expected a \\(H, W\\) gt mask'):
        lbdt_resample_gt(gt[None])


@pytest.mark.parametrize('shape', [(240, 320), (320, 427), (1, 5), (7, 3), (719, 1280), (319, 321)])
def test_gt_through_the_input_size_as_torch(shape):
    """The official chain (a2d_loader_diff.py ResizeAnnotation, utils/metrics.py calculate_JF) with torch."""
    gt = np.random.default_rng(shape[0]).random(shape) < 0.02
    small = F.interpolate(torch.from_numpy(gt).float()[None, None], size=(320, 320), mode='bilinear',
                          align_corners=True)
    small[small > 0] = 1
    expected = F.interpolate(small, size=shape)[0, 0].numpy() == 1.0
    assert np.array_equal(lbdt_resample_gt(gt), expected)


def test_frame_measures():
    pred = np.zeros((3, 4), bool)
    pred[0, :] = True  # 4 pixels
    gt = np.zeros((3, 4), bool)
    gt[0, 1:] = gt[1, 1:] = True  # 6 pixels, 3 of them predicted
    iou, inter, union, f1 = lbdt_frame_measures(pred, gt)
    assert (inter, union) == (3.0, 7.0)
    assert iou == pytest.approx(3 / 7, rel=1e-6) and iou != 3 / 7  # the 1e-6 smoothing is kept
    assert f1 == pytest.approx(2 * 0.75 * 0.5 / (0.75 + 0.5), rel=1e-6)
    assert lbdt_frame_measures(np.zeros((2, 2)), np.zeros((2, 2))) == (1.0, 0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match='same shape'):
        lbdt_frame_measures(pred, gt[:2])


def test_summary_counts_iou_at_the_threshold():
    frames = [(1.0, 4, 4, 1.0), (0.75, 3, 4, 0.5), (0.5, 1, 2, 0.25), (0.2, 1, 5, 0.0)]
    metrics = lbdt_summary(frames)
    # >= K: 0.5 and 0.75 count at their own thresholds (MTTR's protocol uses >)
    assert [metrics[f'P@{k}'] for k in (0.5, 0.6, 0.7, 0.8, 0.9)] == [0.75, 0.5, 0.5, 0.25, 0.25]
    # frames at or above 0.50, 0.55, ..., 0.95: 3, 2, 2, 2, 2, 2, 1, 1, 1, 1 of 4
    assert metrics['mAP'] == pytest.approx(17 / 40, abs=1e-15)
    assert metrics['overall_iou'] == 9 / 15 and metrics['mean_iou'] == pytest.approx(2.45 / 4, abs=1e-15)
    assert metrics['pixel_f1'] == pytest.approx(1.75 / 4, abs=1e-15)
    with pytest.raises(ValueError, match='no frame'):
        lbdt_summary([])


def test_a2d_metric_lbdt_protocol(tmp_path):
    """Two annotated frames: a prediction equal to the dilated gt (IoU 1 here, 1/4 on the original gt) and an
    empty prediction."""
    first = make_sample('v1', '0', ONE_PIXEL[None, None], ONE_PIXEL_THROUGH_3X5[None, None])
    second = make_sample('v2', '0', CORNER[None, None], np.zeros((1, 1, 2, 3), bool))
    cfg = dict(type='A2DSentencesMetric', protocol='lbdt', gt_size=(3, 5), outfile_prefix=str(tmp_path / 'a'))
    evaluator = Evaluator(METRICS.build(cfg))
    evaluator.process([first, second])
    metrics = evaluator.evaluate(2)
    empty_iou = 1e-6 / (1 + 1e-6)
    recall = 1e-6 / (1 + 1e-6)  # precision of the empty prediction: 1e-6 / 1e-6
    expected = {**{f'a2d/P@{k}': 0.5 for k in (0.5, 0.6, 0.7, 0.8, 0.9)}, 'a2d/mAP': 0.5,
                'a2d/overall_iou': 4 / 5, 'a2d/mean_iou': (1 + empty_iou) / 2,
                'a2d/pixel_f1': (1 + 2 * recall / (1 + recall)) / 2, 'a2d/num_expressions': 2}
    assert metrics.keys() == expected.keys()
    assert_same([metrics[k] for k in expected], list(expected.values()), tol=1e-15)
    assert (tmp_path / 'a.lbdt.json').exists()
    # the standard protocol on the same frames: the first IoU is 1/4, P@0.5 0
    evaluator = Evaluator(METRICS.build(dict(type='A2DSentencesMetric', protocol='top1')))
    evaluator.process([first, second])
    standard = evaluator.evaluate(2)
    assert standard['a2d/P@0.5'] == 0 and standard['a2d/mean_iou'] == pytest.approx((0.25 + empty_iou) / 2)


def test_a2d_metric_refuses_unknown_protocol():
    with pytest.raises(ValueError, match="protocol must be one of .*'lbdt'"):
        METRICS.build(dict(type='A2DSentencesMetric', protocol='official'))
