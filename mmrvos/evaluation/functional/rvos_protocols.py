# Copyright (c) mmrvos contributors. All rights reserved.
"""Benchmark protocols built on J and F: Ref-DAVIS17 (unsupervised DAVIS task) and MeViS/Ref-YTVOS."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from .video_measures import boundary_measure, region_similarity, sequence_statistics

__all__ = [
    'split_label_map', 'label_map_from_masks', 'unsupervised_jf', 'summarize_davis_objects',
    'expression_jf', 'summarize_expressions'
]


def split_label_map(label_map: np.ndarray, num_objects: Optional[int] = None) -> np.ndarray:
    """Split an object-id map into one binary mask per object id 1..num_objects.

    Args:
        label_map (np.ndarray): (T, H, W) integer map, 0 = background.
        num_objects (int, optional): Number of objects; ids above it count as background. Defaults
            to the largest id in ``label_map`` (the DAVIS reader of predictions).

    Returns:
        np.ndarray: (num_objects, T, H, W) bool masks, object i+1 in row i.
    """
    label_map = np.asarray(label_map)
    if num_objects is None:
        num_objects = int(label_map.max()) if label_map.size else 0
    ids = np.arange(1, num_objects + 1).reshape((-1, ) + (1, ) * label_map.ndim)
    return label_map[None] == ids


def label_map_from_masks(masks: np.ndarray, probs: Optional[np.ndarray] = None) -> np.ndarray:
    """Merge per-object masks into one object-id map, as Ref-DAVIS17 inference does.

    The official inference (ReferFormer/SOC ``inference_davis.py``) zeroes probabilities below 0.5,
    prepends a constant 0.1 background and takes the argmax, so a pixel goes to the object with the
    highest probability and ties go to the lower object index. Without probabilities every
    foreground pixel counts as probability 1 and overlaps go to the lower object index.

    Args:
        masks (np.ndarray): (K, T, H, W) binary masks of the K objects in label order.
        probs (np.ndarray, optional): (K, T, H, W) per-pixel probabilities of the same objects.

    Returns:
        np.ndarray: (T, H, W) uint8 map, object k gets label k + 1 and background 0.
    """
    masks = np.asarray(masks).astype(bool)
    if masks.shape[0] > 255:
        raise ValueError(f'at most 255 objects fit in a uint8 label map, got {masks.shape[0]}')
    if probs is None:
        scores = masks.astype(np.float32)
    else:
        scores = np.where(masks, np.asarray(probs, dtype=np.float32), 0)
    background = np.full((1, ) + masks.shape[1:], 0.1, dtype=np.float32)
    return np.argmax(np.concatenate([background, scores]), axis=0).astype(np.uint8)


def unsupervised_jf(gt_objects: np.ndarray,
                    pred_objects: np.ndarray,
                    void: Optional[np.ndarray] = None,
                    bound_th: float = 0.008,
                    max_proposals: int = 20) -> Tuple[np.ndarray, np.ndarray]:
    """Per-frame J and F of one sequence under the DAVIS unsupervised protocol.

    As ``DAVISEvaluation._evaluate_unsupervised``: missing proposals are padded with empty masks,
    J and F are computed for every (proposal, object) pair, and proposals are matched one-to-one to
    gt objects by the Hungarian algorithm on ``(mean_t J + mean_t F) / 2``. Rows come out in
    proposal order, as in the official code.

    Args:
        gt_objects (np.ndarray): (G, T, H, W) gt masks, one per object.
        pred_objects (np.ndarray): (P, T, H, W) predicted masks, one per proposal.
        void (np.ndarray, optional): (T, H, W) void pixels. Defaults to None.
        bound_th (float): Boundary tolerance of F. Defaults to 0.008.
        max_proposals (int): More proposals than this is an error. Defaults to 20.

    Returns:
        tuple[np.ndarray, np.ndarray]: Per-frame J and F of the matched pairs, each (G, T).
    """
    gt_objects = np.asarray(gt_objects)
    pred_objects = np.asarray(pred_objects)
    if gt_objects.ndim != 4 or pred_objects.ndim != 4 or gt_objects.shape[1:] != pred_objects.shape[1:]:
        raise ValueError(f'expected (G, T, H, W) gt and (P, T, H, W) predictions with the same (T, H, W), '
                         f'got {gt_objects.shape} and {pred_objects.shape}')
    if pred_objects.shape[0] > max_proposals:
        raise ValueError(f'{pred_objects.shape[0]} predicted objects, more than the {max_proposals} allowed')
    num_gt, num_frames = gt_objects.shape[:2]
    if pred_objects.shape[0] < num_gt:
        padding = np.zeros((num_gt - pred_objects.shape[0], ) + pred_objects.shape[1:], dtype=bool)
        pred_objects = np.concatenate([pred_objects.astype(bool), padding])
    num_pred = pred_objects.shape[0]
    j_all = np.zeros((num_pred, num_gt, num_frames))
    f_all = np.zeros((num_pred, num_gt, num_frames))
    for g in range(num_gt):
        for p in range(num_pred):
            j_all[p, g] = region_similarity(gt_objects[g], pred_objects[p], void)
            f_all[p, g] = boundary_measure(gt_objects[g], pred_objects[p], void, bound_th)
    cost = (np.mean(j_all, axis=2) + np.mean(f_all, axis=2)) / 2
    rows, cols = linear_sum_assignment(-cost)
    return j_all[rows, cols], f_all[rows, cols]


def summarize_davis_objects(j_per_frame: Sequence[np.ndarray],
                            f_per_frame: Sequence[np.ndarray]) -> Dict[str, float]:
    """Global DAVIS numbers from the per-frame J and F of every object of every sequence.

    Each object gives (mean, recall, decay) (:func:`sequence_statistics`); every number is the mean
    over objects (object-weighted) and ``J&F = (J-Mean + F-Mean) / 2``.

    Args:
        j_per_frame (Sequence[np.ndarray]): (T_i,) per-frame J of each object.
        f_per_frame (Sequence[np.ndarray]): (T_i,) per-frame F of the same objects.

    Returns:
        dict[str, float]: ``J&F``, ``J-Mean``, ``J-Recall``, ``J-Decay``, ``F-Mean``, ``F-Recall``,
        ``F-Decay`` (NaN when there are no objects).
    """
    if len(j_per_frame) == 0:
        keys = ('J&F', 'J-Mean', 'J-Recall', 'J-Decay', 'F-Mean', 'F-Recall', 'F-Decay')
        return {k: float('nan') for k in keys}
    j_stats = np.array([sequence_statistics(v) for v in j_per_frame])
    f_stats = np.array([sequence_statistics(v) for v in f_per_frame])
    j_mean, j_recall, j_decay = (np.mean(list(j_stats[:, i])) for i in range(3))
    f_mean, f_recall, f_decay = (np.mean(list(f_stats[:, i])) for i in range(3))
    return {
        'J&F': float((j_mean + f_mean) / 2.),
        'J-Mean': float(j_mean),
        'J-Recall': float(j_recall),
        'J-Decay': float(j_decay),
        'F-Mean': float(f_mean),
        'F-Recall': float(f_recall),
        'F-Decay': float(f_decay),
    }


def expression_jf(gt: np.ndarray,
                  pred: np.ndarray,
                  void: Optional[np.ndarray] = None,
                  bound_th: float = 0.008) -> Tuple[float, float]:
    """J and F of one expression: the means over its frames (MeViS ``eval_mevis.py``).

    Args:
        gt (np.ndarray): (T, H, W) gt masks (for MeViS the union of the referred objects).
        pred (np.ndarray): (T, H, W) predicted masks.
        void (np.ndarray, optional): (T, H, W) void pixels. Defaults to None.
        bound_th (float): Boundary tolerance of F. Defaults to 0.008.

    Returns:
        tuple[float, float]: (J, F) of the expression.
    """
    return (float(np.mean(region_similarity(gt, pred, void))),
            float(np.mean(boundary_measure(gt, pred, void, bound_th))))


def summarize_expressions(j_values: List[float], f_values: List[float]) -> Dict[str, float]:
    """Expression-weighted J, F and ``J&F = (J + F) / 2`` (MeViS, Ref-YouTube-VOS).

    Args:
        j_values (list[float]): J of each expression.
        f_values (list[float]): F of each expression.

    Returns:
        dict[str, float]: ``J&F``, ``J``, ``F`` (NaN when there are no expressions).
    """
    if len(j_values) == 0:
        return {'J&F': float('nan'), 'J': float('nan'), 'F': float('nan')}
    j_mean, f_mean = np.mean(j_values), np.mean(f_values)
    return {'J&F': float((j_mean + f_mean) / 2), 'J': float(j_mean), 'F': float(f_mean)}
