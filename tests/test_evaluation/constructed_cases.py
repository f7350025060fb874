# Copyright (c) mmrvos contributors. All rights reserved.
"""Constructed masks whose official scores are pinned in the tests.

Only numpy here: the same builders were run once through the official code (davis2017-evaluation,
MeViS ``eval_mevis.py``, MTTR ``metrics.py`` + pycocotools) outside the repository to get the
expected values written in the test files.
"""
from typing import Dict, List, Tuple

import numpy as np

H, W = 20, 30  # diagonal 36 px: F radius 1 at bound_th 0.008 and 0.010


def _box(y0: int, y1: int, x0: int, x1: int, shape: Tuple[int, int] = (H, W)) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[y0:y1, x0:x1] = True
    return mask


def _pixel(y: int, x: int, shape: Tuple[int, int] = (H, W)) -> np.ndarray:
    return _box(y, y + 1, x, x + 1, shape)


def _ring(shape: Tuple[int, int], center: Tuple[float, float], r_in: float, r_out: float) -> np.ndarray:
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    d2 = (yy - center[0])**2 + (xx - center[1])**2
    return (d2 <= r_out**2) & (d2 >= r_in**2)


def frame_cases() -> Dict[str, Tuple[np.ndarray, np.ndarray, np.ndarray, float]]:
    """Named single-frame cases: (gt, pred, void or None, bound_th)."""
    empty = np.zeros((H, W), dtype=bool)
    full = np.ones((H, W), dtype=bool)
    box = _box(4, 12, 6, 20)
    big = (120, 160)  # diagonal 200 px: radius 2 at 0.008, radius 2 at 0.010
    pattern = (np.add.outer(np.arange(H) * 7, np.arange(W) * 13) % 5) == 0
    return {
        'both_empty': (empty, empty, None, 0.008),
        'empty_gt': (empty, box, None, 0.008),
        'empty_pred': (box, empty, None, 0.008),
        'both_full': (full, full, None, 0.008),
        'full_gt_empty_pred': (full, empty, None, 0.008),
        'full_gt_box_pred': (full, box, None, 0.008),
        'same_pixel': (_pixel(5, 5), _pixel(5, 5), None, 0.008),
        'pixel_shift_1': (_pixel(5, 5), _pixel(5, 6), None, 0.008),
        'pixel_shift_3': (_pixel(5, 5), _pixel(8, 5), None, 0.008),
        'corner_pixel_same': (_pixel(H - 1, W - 1), _pixel(H - 1, W - 1), None, 0.008),
        'corner_pixel_vs_empty': (_pixel(H - 1, W - 1), empty, None, 0.008),
        'last_row_pixel_vs_box': (_pixel(H - 1, 10), _box(H - 3, H, 9, 12), None, 0.008),
        'origin_pixel_vs_box': (_pixel(0, 0), _box(0, 2, 0, 2), None, 0.008),
        'right_border_boxes': (_box(3, 15, 20, W), _box(5, 17, 22, W), None, 0.008),
        'bottom_border_boxes': (_box(10, H, 2, 12), _box(12, H, 3, 14), None, 0.008),
        'box_shift_2': (box, np.roll(box, 2, axis=1), None, 0.008),
        'void_covers_difference': (box, _box(4, 12, 6, 24), _box(0, H, 20, 24), 0.008),
        'void_everywhere': (box, _box(1, 5, 1, 5), full, 0.008),
        'void_covers_gt': (box, _box(14, 18, 2, 8), box, 0.008),
        'void_partial_pattern': (box, _box(6, 16, 10, 26), pattern, 0.008),
        'pattern_vs_box': (pattern, box, None, 0.008),
        'rings_big': (_ring(big, (60, 80), 20, 40), _ring(big, (62, 77), 18, 41), None, 0.008),
        'rings_big_fewshot_th': (_ring(big, (60, 80), 20, 40), _ring(big, (64, 84), 15, 38), None, 0.010),
        'boxes_big_pixel_th': (_box(10, 90, 20, 140, big), _box(14, 95, 25, 150, big), None, 3),
    }


def sequence_cases() -> Dict[str, np.ndarray]:
    """Named per-frame value sequences for mean / recall / decay (NaN entries included)."""
    t300 = np.arange(300)
    return {
        'len1': np.array([0.7]),
        'len2': np.array([0.2, 0.9]),
        'len3_at_threshold': np.array([0.5, 0.51, 0.49]),
        'len5': np.array([1.0, 0.8, 0.6, 0.4, 0.2]),
        'len7_nan': np.array([0.9, np.nan, 0.7, 0.6, np.nan, 0.3, 0.1]),
        'len10': np.linspace(0.95, 0.05, 10),
        'len300_wrap': 0.5 + 0.5 * np.sin(t300 / 17.0) * np.cos(t300 / 53.0),
    }


def davis_case() -> Dict[str, dict]:
    """A tiny Ref-DAVIS17 set: gt object-id maps and 4 annotators' predicted id maps per sequence.

    Returns:
        dict: ``{seq: {'gt': (T, H, W) uint8 with 255 void, 'pred': [4 x (T, H, W) uint8]}}``.
    """
    shape = (24, 40)
    cases = {}
    # seq-a: 2 gt objects (id 3 appears only after frame 0 and is ignored), void in frame 2
    t_a = 5
    gt = np.zeros((t_a, ) + shape, dtype=np.uint8)
    for t in range(t_a):
        gt[t][_box(2 + t, 10 + t, 3, 15, shape)] = 1
        gt[t][_box(12, 20, 20 + t, 32 + t, shape)] = 2
    gt[3:][_box(0, 3, 30, 38, shape)[None].repeat(2, 0)] = 3
    gt[2][_box(8, 14, 14, 22, shape)] = 255
    preds = []
    p0 = gt.copy()
    p0[p0 == 255] = 0
    p0[p0 == 3] = 0
    preds.append(p0)  # perfect
    p1 = np.zeros_like(gt)  # swapped ids, shifted
    for t in range(t_a):
        p1[t][_box(3 + t, 11 + t, 4, 16, shape)] = 2
        p1[t][_box(12, 19, 21 + t, 33 + t, shape)] = 1
    preds.append(p1)
    p2 = np.zeros_like(gt)  # only one object found, 3 extra proposals
    for t in range(t_a):
        p2[t][_box(2 + t, 10 + t, 3, 15, shape)] = 4
        p2[t][_box(0, 2, 0, 2, shape)] = 1
        p2[t][_box(22, 24, 0, 40, shape)] = 2
    p2[1][_pixel(15, 5, shape)] = 3
    preds.append(p2)
    preds.append(np.zeros_like(gt))  # nothing predicted
    cases['seq-a'] = {'gt': gt, 'pred': preds}
    # seq-b: 1 object, full-frame in the last frame, 4 frames
    t_b = 4
    gt = np.zeros((t_b, ) + shape, dtype=np.uint8)
    for t in range(t_b - 1):
        gt[t][_ring(shape, (12, 20), 2, 8 + t)] = 1
    gt[t_b - 1][...] = 1
    preds = []
    for a in range(4):
        p = np.zeros_like(gt)
        for t in range(t_b):
            p[t][_ring(shape, (12 + a, 20 - a), 1 + a, 9)] = 1
        preds.append(p)
    preds[2][-1][...] = 1
    cases['seq-b'] = {'gt': gt, 'pred': preds}
    return cases


def mevis_case() -> Tuple[dict, dict, Dict[str, Dict[str, np.ndarray]], List[str]]:
    """A tiny MeViS split: meta_expressions videos, per-object masks and predictions.

    Returns:
        tuple: ``videos`` (the meta_expressions ``videos`` dict), ``objects`` ({anno_id: (T, H, W)
        bool, all-zero frames stored as null}), ``preds`` ({video: {exp_id: (T, H, W) bool}}) and
        ``missing`` (videos with no predicted folder, scored 0).
    """
    shape = (18, 26)
    videos = {
        'v1': {'frames': ['00000', '00001', '00002', '00003'],
               'expressions': {'0': {'exp': 'the left dog', 'obj_id': [0], 'anno_id': [10]},
                               '1': {'exp': 'both dogs', 'obj_id': [0, 1], 'anno_id': [10, 11]},
                               '2': {'exp': 'the cat', 'obj_id': [2], 'anno_id': [12]}}},
        'v2': {'frames': ['00000', '00001', '00002'],
               'expressions': {'0': {'exp': 'the bird', 'obj_id': [0], 'anno_id': [20]}}},
        'v3': {'frames': ['00000', '00001'],
               'expressions': {'0': {'exp': 'the fish', 'obj_id': [0], 'anno_id': [30]}}},
    }
    objects = {}
    objects['10'] = np.stack([_box(2, 9, 1 + t, 8 + t, shape) for t in range(4)])
    objects['11'] = np.stack([_box(8, 16, 12, 20, shape) for _ in range(4)])
    objects['11'][1] = False  # absent in frame 1: null
    objects['12'] = np.zeros((4, ) + shape, dtype=bool)  # never visible: null in every frame
    objects['20'] = np.stack([_ring(shape, (9, 13), 1, 5 + t) for t in range(3)])
    objects['30'] = np.stack([_box(0, 5, 0, 5, shape)] * 2)
    preds = {
        'v1': {'0': np.stack([_box(2, 10, 2 + t, 8 + t, shape) for t in range(4)]),
               '1': np.stack([_box(2, 9, 1 + t, 8 + t, shape) | _box(9, 16, 12, 21, shape)
                              for t in range(4)]),
               '2': np.stack([np.zeros(shape, bool), _pixel(3, 3, shape), np.zeros(shape, bool),
                              np.zeros(shape, bool)])},
        'v2': {'0': np.stack([_ring(shape, (10, 12), 2, 6) for _ in range(3)])},
    }
    return videos, objects, preds, ['v3']


def a2d_case() -> Tuple[List[Tuple[str, np.ndarray]], List[Tuple[str, np.ndarray, float]]]:
    """A tiny A2D-Sentences test set in COCO terms.

    Returns:
        tuple: gt ``[(image_id, (H, W) bool)]`` and predictions ``[(image_id, (H, W) bool, score)]``
        (several per image, ties in score included).
    """
    shape = (32, 48)
    gts = [
        ('v_a_f_5_i_1', _box(4, 20, 6, 30, shape)),
        ('v_a_f_9_i_2', _box(10, 30, 20, 46, shape)),
        ('v_b_f_3_i_1', _ring(shape, (16, 24), 3, 12)),
        ('v_c_f_1_i_1', np.zeros(shape, dtype=bool)),  # empty gt
        ('v_d_f_7_i_3', _pixel(31, 47, shape)),
        ('v_e_f_2_i_1', _box(0, 32, 0, 48, shape)),
    ]
    preds = [
        ('v_a_f_5_i_1', _box(5, 21, 6, 31, shape), 0.9),
        ('v_a_f_5_i_1', _box(4, 20, 6, 30, shape), 0.3),
        ('v_a_f_9_i_2', _box(10, 30, 20, 40, shape), 0.6),
        ('v_a_f_9_i_2', _box(0, 8, 0, 8, shape), 0.6),  # tie: the later one is the top-1
        ('v_b_f_3_i_1', _ring(shape, (17, 25), 4, 12), 0.8),
        ('v_b_f_3_i_1', np.zeros(shape, dtype=bool), 0.1),
        ('v_c_f_1_i_1', _box(0, 2, 0, 2, shape), 0.7),
        ('v_d_f_7_i_3', np.zeros(shape, dtype=bool), 0.5),
        ('v_d_f_7_i_3', _pixel(31, 47, shape), 0.4),
        ('v_e_f_2_i_1', _box(0, 32, 0, 40, shape), 0.95),
        ('v_e_f_2_i_1', _box(0, 32, 0, 48, shape), 0.2),
    ]
    return gts, preds
