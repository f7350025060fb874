# Copyright (c) mmrvos contributors. All rights reserved.
"""The pure-numpy metric functions against the official values of the constructed cases."""
import math

import cv2
import numpy as np
import pytest
from constructed_cases import a2d_case, davis_case, frame_cases, mevis_case, sequence_cases
from evaluation_samples import assert_same
from official_values import (
    A2D,
    A2D_KEYS,
    DAVIS_KEYS,
    DAVIS_MEAN,
    DAVIS_PER_ANNOTATOR,
    FRAMES,
    MEVIS,
    MEVIS_PER_EXPRESSION,
    SEQUENCES,
)

from mmrvos.evaluation.functional import (
    boundary_measure,
    boundary_radius,
    build_coco_gt,
    coco_mask_ap,
    disk_kernel,
    encode_mask,
    expression_jf,
    label_map_from_masks,
    mask_iou_float32,
    mask_to_boundary,
    precision_at_k_and_iou,
    region_similarity,
    sequence_statistics,
    split_label_map,
    summarize_davis_objects,
    summarize_expressions,
    unsupervised_jf,
)


@pytest.mark.parametrize('name', sorted(FRAMES))
def test_frame_cases_match_official(name):
    gt, pred, void, bound_th = frame_cases()[name]
    expected_j, expected_f = FRAMES[name]
    assert_same(region_similarity(gt, pred, void), expected_j)
    assert_same(boundary_measure(gt, pred, void, bound_th), expected_f)
    # the (T, H, W) path gives the same per-frame values
    stack_void = None if void is None else np.stack([void, void])
    assert_same(region_similarity(np.stack([gt, gt]), np.stack([pred, pred]), stack_void), [expected_j] * 2)
    assert_same(boundary_measure(np.stack([gt, gt]), np.stack([pred, pred]), stack_void, bound_th),
                [expected_f] * 2)


def test_frame_stack_mixes_cases():
    cases = frame_cases()
    names = [n for n, c in cases.items() if c[0].shape == (20, 30) and c[3] == 0.008 and c[2] is None]
    gt = np.stack([cases[n][0] for n in names])
    pred = np.stack([cases[n][1] for n in names])
    assert_same(region_similarity(gt, pred), [FRAMES[n][0] for n in names])
    assert_same(boundary_measure(gt, pred), [FRAMES[n][1] for n in names])


@pytest.mark.parametrize('name', sorted(SEQUENCES))
def test_sequence_statistics_match_official(name):
    assert_same(sequence_statistics(sequence_cases()[name]), SEQUENCES[name])


def test_sequence_statistics_rejects_empty():
    with pytest.raises(ValueError, match='non-empty'):
        sequence_statistics(np.zeros(0))


def test_disk_kernel_and_radius():
    assert disk_kernel(8).shape == (17, 17) and disk_kernel(8).sum() == 197
    np.testing.assert_array_equal(disk_kernel(1), [[0, 1, 0], [1, 1, 1], [0, 1, 0]])
    np.testing.assert_array_equal(disk_kernel(2)[0], [0, 0, 1, 0, 0])
    np.testing.assert_array_equal(disk_kernel(2)[1], [0, 1, 1, 1, 0])
    assert boundary_radius((480, 854)) == 8
    assert boundary_radius((240, 320)) == 4
    assert boundary_radius((720, 1280)) == 12
    assert boundary_radius((60, 100)) == 1
    assert boundary_radius((480, 854), 0.010) == 10
    assert boundary_radius((480, 854), 3) == 3
    with pytest.raises(ValueError, match='integer'):
        boundary_radius((480, 854), 2.5)


def test_mask_to_boundary_is_offset_towards_origin():
    mask = np.zeros((5, 6), bool)
    mask[1:3, 1:4] = True
    expected = np.zeros((5, 6), bool)
    expected[0:3, 0:4] = True
    expected[1, 1:3] = False
    np.testing.assert_array_equal(mask_to_boundary(mask), expected)
    assert not mask_to_boundary(np.ones((4, 4), bool)).any()  # a full-frame mask has no boundary


def _uncropped_f(gt, pred, bound_th=0.008):
    """Straightforward full-frame F (OpenCV dilation, as the official code), to check ours."""
    radius = boundary_radius(gt.shape, bound_th)
    gt_b, pred_b = mask_to_boundary(gt), mask_to_boundary(pred)
    n_gt, n_pred = gt_b.sum(), pred_b.sum()
    if n_gt == 0 and n_pred == 0:
        return 1.0
    if n_gt == 0 or n_pred == 0:
        return 0.0
    kernel = disk_kernel(radius)
    precision = (pred_b & cv2.dilate(gt_b.view(np.uint8), kernel).astype(bool)).sum() / n_pred
    recall = (gt_b & cv2.dilate(pred_b.view(np.uint8), kernel).astype(bool)).sum() / n_gt
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


@pytest.mark.parametrize('bound_th', [0.05, 1, 70])
def test_boundary_crop_and_bit_packing_equal_full_frame(bound_th):
    """Cropped, bit-packed F against plain full-frame dilation, across 64-pixel word edges."""
    rng = np.random.default_rng(0)
    for h, w in [(1, 1), (5, 63), (7, 64), (9, 65), (3, 128), (11, 130)] + [(8, 24)] * 6:
        gt, pred = np.zeros((2, h, w), bool), np.zeros((2, h, w), bool)
        for m in (gt, pred):
            y, x = rng.integers(0, h), rng.integers(0, w)
            m[0, y:y + rng.integers(1, h + 1), x:x + rng.integers(1, w + 1)] = True
            m[1] = rng.random((h, w)) < 0.2
        expected = [_uncropped_f(gt[t], pred[t], bound_th) for t in range(2)]
        assert_same(boundary_measure(gt, pred, bound_th=bound_th), expected)


def test_shape_errors():
    with pytest.raises(ValueError, match='same shape'):
        region_similarity(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r'\(H, W\) or \(T, H, W\)'):
        boundary_measure(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match='void'):
        region_similarity(np.zeros((4, 4)), np.zeros((4, 4)), np.zeros((3, 4)))


def test_label_map_from_masks():
    masks = np.zeros((2, 1, 2, 3), bool)
    masks[0, 0, :, :2] = True
    masks[1, 0, :, 1:] = True
    labels = label_map_from_masks(masks)
    np.testing.assert_array_equal(labels[0], [[1, 1, 2], [1, 1, 2]])  # overlap -> lower index
    probs = np.zeros(masks.shape, np.float32)
    probs[0] = 0.6
    probs[1] = 0.9
    np.testing.assert_array_equal(label_map_from_masks(masks, probs)[0], [[1, 2, 2], [1, 2, 2]])
    split = split_label_map(labels)
    assert split.shape == (2, 1, 2, 3)
    np.testing.assert_array_equal(split[1, 0], labels[0] == 2)


def test_unsupervised_matching_swaps_ids_and_pads():
    gt = np.zeros((2, 3, 10, 10), bool)
    gt[0, :, 1:4, 1:4] = True
    gt[1, :, 5:9, 5:9] = True
    j_values, f_values = unsupervised_jf(gt, gt[::-1])  # proposals in the other order
    assert_same(j_values, np.ones((2, 3)))
    assert_same(f_values, np.ones((2, 3)))
    j_values, _ = unsupervised_jf(gt, gt[:1])  # one proposal: the other object gets an empty mask
    assert_same(j_values, [[1, 1, 1], [0, 0, 0]])
    with pytest.raises(ValueError, match='more than the 20 allowed'):
        unsupervised_jf(gt, np.zeros((21, 3, 10, 10), bool))


def test_ref_davis_protocol_matches_official():
    per_annotator = []
    for a in range(4):
        j_all, f_all = [], []
        for seq, case in sorted(davis_case().items()):
            labels = case['gt']
            void = labels == 255
            labels = np.where(void, 0, labels)
            gt = split_label_map(labels, int(labels[0].max()))
            j_values, f_values = unsupervised_jf(gt, split_label_map(case['pred'][a]), void)
            j_all.extend(j_values)
            f_all.extend(f_values)
        scores = summarize_davis_objects(j_all, f_all)
        per_annotator.append([scores[k] for k in DAVIS_KEYS])
    assert_same(per_annotator, DAVIS_PER_ANNOTATOR)
    assert_same(np.mean(per_annotator, axis=0), DAVIS_MEAN)


def test_mevis_protocol_matches_official():
    videos, objects, preds, missing = mevis_case()
    j_values, f_values = [], []
    for video, info in sorted(videos.items()):
        for exp_id, exp in info['expressions'].items():
            if video in missing:
                jf = (0.0, 0.0)
            else:
                gt = np.any([objects[str(a)] for a in exp['anno_id']], axis=0)
                jf = expression_jf(gt, preds[video][exp_id])
            assert_same(jf, MEVIS_PER_EXPRESSION[f'{video}_{exp_id}'])
            j_values.append(jf[0])
            f_values.append(jf[1])
    scores = summarize_expressions(j_values, f_values)
    assert_same([scores['J&F'], scores['J'], scores['F']], MEVIS)
    assert all(math.isnan(v) for v in summarize_expressions([], []).values())


def test_mask_iou_float32():
    empty = np.zeros((4, 4), bool)
    pred = empty.copy()
    pred[:2, :2] = True
    assert mask_iou_float32(empty, empty) == (1.0, 0.0, 0.0)
    iou, inter, union = mask_iou_float32(pred, empty)  # empty gt: tiny positive IoU, in float32
    assert (inter, union) == (0.0, 4.0)
    assert iou == float(np.float32(np.float32(1e-6) / np.float32(4 + np.float32(1e-6))))
    assert iou != 1e-6 / (4 + 1e-6)


def test_a2d_metrics_match_official():
    gts, preds = a2d_case()
    coco_gt = build_coco_gt([(image_id, encode_mask(m)) for image_id, m in gts])
    coco_pred = coco_gt.loadRes([dict(image_id=i, category_id=1, segmentation=encode_mask(m), score=s)
                                 for i, m, s in preds])
    metrics = coco_mask_ap(coco_gt, coco_pred)
    metrics.update(precision_at_k_and_iou(coco_gt, coco_pred))
    assert_same([metrics[k] for k in A2D_KEYS], A2D)
    with pytest.raises(ValueError, match='duplicate'):
        build_coco_gt([('a', encode_mask(gts[0][1])), ('a', encode_mask(gts[0][1]))])


def test_mask_readers_shared_by_datasets_and_metrics(tmp_path):
    """The dataset reader (read_palette_png) and the metric reader (read_index_png) are one reader; RLEs
    decode the same with str and bytes counts."""
    from PIL import Image
    from pycocotools import mask as mask_utils

    from mmrvos.datasets.annotation_readers import decode_rles, read_palette_png
    from mmrvos.evaluation.functional import decode_rle, read_index_png
    ids = np.zeros((4, 5), dtype=np.uint8)
    ids[1:3, 1:4] = 2
    ids[0, 0] = 255
    palette = Image.fromarray(ids).convert('P')
    palette.save(tmp_path / 'p.png')
    masks, void = read_palette_png(str(tmp_path / 'p.png'), [2, 7], void_value=255)
    assert (masks[0] == (read_index_png(str(tmp_path / 'p.png')) == 2)).all() and not masks[1].any()
    assert void.sum() == 1
    # an RGB rendering of a mask is refused by the dataset reader, with the file named
    Image.fromarray(np.stack([ids] * 3, -1)).save(tmp_path / 'rgb.png')
    assert read_index_png(str(tmp_path / 'rgb.png')).shape == (4, 5, 3)  # the evaluators read it as is
    with pytest.raises(OSError, match=r'cannot read mask .*rgb\.png: expected an index'):
        read_palette_png(str(tmp_path / 'rgb.png'), [2])
    with pytest.raises(OSError, match=r'cannot read mask .*missing\.png'):
        read_palette_png(str(tmp_path / 'missing.png'), [2])
    rle = mask_utils.encode(np.asfortranarray(ids == 2))
    as_str = dict(rle, counts=rle['counts'].decode('ascii'))
    assert (decode_rle(as_str) == decode_rle(rle)).all() and decode_rle(rle).sum() == 6
    stacked = decode_rles([as_str, None], 4, 5)
    assert stacked.dtype == np.uint8 and (stacked[0] == decode_rle(rle)).all() and not stacked[1].any()
