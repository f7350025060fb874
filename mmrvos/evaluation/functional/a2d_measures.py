# Copyright (c) mmrvos contributors. All rights reserved.
"""A2D-Sentences / JHMDB-Sentences metrics: COCO mask AP and the precision@K / IoU family.

The official evaluation (MTTR ``trainer.evaluate_a2d_sentences`` and ``metrics.py``, reused by
ReferFormer and SOC) scores COCO-format results: mask AP with pycocotools ignoring categories, and
for each gt image the IoU of the highest-scoring prediction computed in float32 with 1e-6 added to
the intersection and the union. Both are reproduced here to the bit.

LBDT's evaluation (``dzh19990407/LBDT@f361af5``, ``eval.py:301-412`` and ``utils/metrics.py:28-50``)
is another protocol, also reproduced: :func:`lbdt_resample_gt`, :func:`lbdt_frame_measures` and
:func:`lbdt_summary` (see ``docs/evaluation.md``).
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

__all__ = [
    'DEFAULT_IOU_THRESHOLDS', 'AP_NAMES', 'mask_iou_float32', 'encode_mask', 'build_coco_gt',
    'coco_mask_ap', 'precision_at_k_and_iou', 'LBDT_GT_SIZE', 'LBDT_MAP_THRESHOLDS', 'lbdt_resample_gt',
    'lbdt_frame_measures', 'lbdt_summary'
]

# P@K thresholds of MTTR / ReferFormer / SOC
DEFAULT_IOU_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
AP_NAMES = ('mAP', 'AP50', 'AP75', 'AP_small', 'AP_medium', 'AP_large')
_EPS = np.float32(1e-6)
# LBDT: the network's input size that the gt goes through, the thresholds of its "mAP" (eval.py:386)
LBDT_GT_SIZE = (320, 320)
LBDT_MAP_THRESHOLDS = tuple(t / 100.0 for t in range(50, 95 + 1, 5))
_SMOOTH = 1e-6  # utils/metrics.py:5


def mask_iou_float32(pred: np.ndarray, gt: np.ndarray) -> Tuple[float, float, float]:
    """IoU of two binary masks as the official A2D code computes it.

    ``iou = (I + 1e-6) / (U + 1e-6)`` in float32 (torch float32 sums in the official code), so two
    empty masks give 1 and an empty gt with a non-empty prediction a small positive value.

    Args:
        pred (np.ndarray): (H, W) predicted mask; nonzero is foreground.
        gt (np.ndarray): (H, W) gt mask.

    Returns:
        tuple[float, float, float]: (iou rounded to float32, intersection, union).
    """
    pred = np.asarray(pred).astype(bool)
    gt = np.asarray(gt).astype(bool)
    if pred.shape != gt.shape:
        raise ValueError(f'pred {pred.shape} and gt {gt.shape} masks must have the same shape')
    inter = np.float32(np.count_nonzero(pred & gt))
    union = np.float32(np.count_nonzero(pred | gt))
    iou = (inter + _EPS) / (union + _EPS)
    return float(iou), float(inter), float(union)


def encode_mask(mask: np.ndarray) -> dict:
    """COCO RLE of a (H, W) binary mask, counts as str (JSON-ready)."""
    rle = mask_utils.encode(np.asfortranarray(np.asarray(mask).astype(np.uint8)))
    rle['counts'] = rle['counts'].decode('ascii')
    return rle


def build_coco_gt(images: Sequence[Tuple[object, dict]]) -> COCO:
    """An in-memory COCO ground truth with one mask annotation per image.

    Same structure as the official gt json (``create_gt_in_coco_format.py`` of MTTR): one dummy
    category, one annotation per image, no crowd.

    Args:
        images (Sequence[tuple]): (image_id, rle) pairs; the image ids must be unique.

    Returns:
        COCO: The indexed dataset.
    """
    dataset = {'categories': [{'id': 1, 'name': 'dummy_class'}], 'images': [], 'annotations': []}
    seen = set()
    for ann_id, (image_id, rle) in enumerate(images, start=1):
        if image_id in seen:
            raise ValueError(f'duplicate gt image id {image_id!r}')
        seen.add(image_id)
        height, width = rle['size']
        dataset['images'].append({'id': image_id, 'height': height, 'width': width})
        dataset['annotations'].append({
            'id': ann_id, 'image_id': image_id, 'category_id': 1, 'segmentation': rle,
            'area': float(mask_utils.area(rle)), 'bbox': mask_utils.toBbox(rle).tolist(), 'iscrowd': 0
        })
    coco = COCO()
    coco.dataset = dataset
    coco.createIndex()
    return coco


def coco_mask_ap(coco_gt: COCO, coco_pred: COCO) -> Dict[str, float]:
    """COCO mask AP ignoring categories (``params.useCats = 0``), the first six summary numbers.

    Args:
        coco_gt (COCO): Ground truth.
        coco_pred (COCO): Results, from ``coco_gt.loadRes(predictions)``.

    Returns:
        dict[str, float]: ``mAP`` (0.5:0.95), ``AP50``, ``AP75``, ``AP_small``, ``AP_medium``,
        ``AP_large``.
    """
    coco_eval = COCOeval(coco_gt, coco_pred, iouType='segm')
    coco_eval.params.useCats = 0
    coco_eval.evaluate()
    coco_eval.accumulate()
    coco_eval.summarize()
    return {name: float(value) for name, value in zip(AP_NAMES, coco_eval.stats[:6])}


def precision_at_k_and_iou(coco_gt: COCO,
                           coco_pred: COCO,
                           thresholds: Sequence[float] = DEFAULT_IOU_THRESHOLDS) -> Dict[str, float]:
    """Precision@K, overall IoU and mean IoU of the top-scoring prediction per gt image.

    As ``calculate_precision_at_k_and_iou_metrics`` of MTTR: for each gt image (in ``coco_gt.imgs``
    order) its single annotation is compared with the prediction of highest score (the last one
    among ties, as a stable sort picks it) by :func:`mask_iou_float32`; ``P@K`` counts
    ``iou > K`` (strict), overall IoU is ``sum I / sum U`` and mean IoU the mean of the float32 IoUs.

    Args:
        coco_gt (COCO): Ground truth, one annotation per image.
        coco_pred (COCO): Results; every gt image needs at least one prediction.
        thresholds (Sequence[float]): The K of P@K. Defaults to 0.5, 0.6, 0.7, 0.8, 0.9.

    Returns:
        dict[str, float]: ``P@K`` for each K, ``overall_iou`` and ``mean_iou``.
    """
    counts = np.zeros(len(thresholds), dtype=np.int64)
    total_inter = total_union = 0.0
    ious: List[float] = []
    for image_id in coco_gt.imgs.keys():
        gt_anns = coco_gt.imgToAnns[image_id]
        if len(gt_anns) == 0:
            raise ValueError(f'gt image {image_id!r} has no annotation')
        pred_anns = coco_pred.imgToAnns.get(image_id, [])
        if len(pred_anns) == 0:
            raise ValueError(f'no prediction for gt image {image_id!r}')
        best = sorted(pred_anns, key=lambda ann: ann['score'])[-1]
        iou, inter, union = mask_iou_float32(
            mask_utils.decode(best['segmentation']), mask_utils.decode(gt_anns[0]['segmentation']))
        counts += np.array([iou > t for t in thresholds])
        total_inter += inter
        total_union += union
        ious.append(iou)
    if len(ious) == 0:
        raise ValueError('the gt has no images')
    results = {f'P@{t}': float(c) / len(ious) for t, c in zip(thresholds, counts)}
    results['overall_iou'] = total_inter / total_union if total_union > 0 else float('nan')
    results['mean_iou'] = float(np.mean(ious))
    return results


def _nearest_taps(in_size: int, out_size: int) -> np.ndarray:
    """(out_size,) source indices of torch's ``F.interpolate(mode='nearest')`` on float32 tensors.

    ``min(floor(i * (in / out)), in - 1)`` with the scale and the product in float32 (ATen
    ``nearest_idx``), identity when the sizes are equal.
    """
    if in_size == out_size:
        return np.arange(out_size)
    scale = np.float32(in_size) / np.float32(out_size)
    index = np.floor(np.arange(out_size, dtype=np.float32) * scale).astype(np.int64)
    return np.minimum(index, in_size - 1)


def _linear_taps(in_size: int, out_size: int) -> Tuple[np.ndarray, np.ndarray]:
    """The two source indices of each output index of torch's ``F.interpolate(mode='bilinear',
    align_corners=True)`` on float32 tensors, the second one replaced by the first where its weight is 0.

    Source position ``i * (in - 1) / (out - 1)`` in float32 (ATen ``area_pixel_compute_source_index``);
    the first tap (its floor) always has a positive weight.
    """
    if in_size == out_size:
        return np.arange(out_size), np.arange(out_size)
    scale = np.float32(in_size - 1) / np.float32(out_size - 1) if out_size > 1 else np.float32(0)
    source = np.arange(out_size, dtype=np.float32) * scale
    first = np.minimum(np.floor(source).astype(np.int64), in_size - 1)
    weight = source - first.astype(np.float32)
    second = np.where((weight > 0) & (first < in_size - 1), first + 1, first)
    return first, second


def lbdt_resample_gt(gt: np.ndarray, size: Tuple[int, int] = LBDT_GT_SIZE) -> np.ndarray:
    """A gt mask as LBDT's evaluation sees it: through the network's input size and back.

    ``a2d_loader_diff.py:22-46,224-225``: the mask is resized to ``size`` bilinearly with
    ``align_corners=True`` and every value > 0 set to 1 (a slightly dilated mask); ``utils/metrics.py:36-41``:
    that is resized back to the original size with torch's default (``'nearest'``) interpolation. For a
    binary mask a bilinear value is > 0 exactly where a tap of positive weight is 1, which is computed here
    without floating-point sums.

    Args:
        gt (np.ndarray): (H, W) gt mask; nonzero is foreground.
        size (tuple[int, int]): (h, w) it goes through. Defaults to (320, 320).

    Returns:
        np.ndarray: (H, W) bool mask.
    """
    gt = np.asarray(gt).astype(bool)
    if gt.ndim != 2:
        raise ValueError(f'expected a (H, W) gt mask, got shape {gt.shape}')
    rows, cols = _linear_taps(gt.shape[0], size[0]), _linear_taps(gt.shape[1], size[1])
    small = np.zeros(tuple(size), dtype=bool)
    for r in rows:
        for c in cols:
            small |= gt[np.ix_(r, c)]
    return small[np.ix_(_nearest_taps(size[0], gt.shape[0]), _nearest_taps(size[1], gt.shape[1]))]


def lbdt_frame_measures(pred: np.ndarray, gt: np.ndarray) -> Tuple[float, float, float, float]:
    """IoU, intersection, union and pixel F1 of one frame as ``calculate_JF`` (``utils/metrics.py:28-50``).

    In float64: ``iou = (I + 1e-6) / (U + 1e-6)``, precision ``(I + 1e-6) / (|pred| + 1e-6)``, recall
    ``(I + 1e-6) / (|gt| + 1e-6)`` and their harmonic mean (the official "F" / "Contour", a pixel F1, not
    the boundary F of DAVIS). Two empty masks give IoU 1 and F1 1.

    Args:
        pred (np.ndarray): (H, W) predicted mask; nonzero is foreground.
        gt (np.ndarray): (H, W) gt mask (for the protocol, through :func:`lbdt_resample_gt`).

    Returns:
        tuple[float, float, float, float]: (iou, intersection, union, f1).
    """
    pred = np.asarray(pred).astype(bool)
    gt = np.asarray(gt).astype(bool)
    if pred.shape != gt.shape:
        raise ValueError(f'pred {pred.shape} and gt {gt.shape} masks must have the same shape')
    inter = float(np.count_nonzero(pred & gt))
    union = float(np.count_nonzero(pred | gt))
    precision = (inter + _SMOOTH) / (np.count_nonzero(pred) + _SMOOTH)
    recall = (inter + _SMOOTH) / (np.count_nonzero(gt) + _SMOOTH)
    return (inter + _SMOOTH) / (union + _SMOOTH), inter, union, 2 * precision * recall / (precision + recall)


def lbdt_summary(frames: Sequence[Tuple[float, float, float, float]],
                 thresholds: Sequence[float] = DEFAULT_IOU_THRESHOLDS) -> Dict[str, float]:
    """LBDT's aggregates over frames (``eval.py:369-397``).

    ``P@K`` counts ``iou >= K`` (MTTR's ``>``); ``mAP`` is the mean over K = 0.50:0.05:0.95 of the
    fraction of frames with ``iou >= K`` (not COCO AP); ``overall_iou`` = sum I / sum U; ``mean_iou`` and
    ``pixel_f1`` (the official "F") are means over frames.

    Args:
        frames (Sequence[tuple]): (iou, intersection, union, f1) per frame, from
            :func:`lbdt_frame_measures`.
        thresholds (Sequence[float]): The K of P@K. Defaults to 0.5, 0.6, 0.7, 0.8, 0.9.

    Returns:
        dict[str, float]: ``P@K`` for each K, ``mAP``, ``overall_iou``, ``mean_iou``, ``pixel_f1``.
    """
    if len(frames) == 0:
        raise ValueError('no frame to score')
    ious, inters, unions, f1s = (np.asarray(v, dtype=np.float64) for v in zip(*frames))
    results = {f'P@{t}': float(np.mean(ious >= t)) for t in thresholds}
    results['mAP'] = float(np.mean([np.mean(ious >= t) for t in LBDT_MAP_THRESHOLDS]))
    results['overall_iou'] = float(inters.sum() / unions.sum()) if unions.sum() > 0 else float('nan')
    results['mean_iou'] = float(np.mean(ious))
    results['pixel_f1'] = float(np.mean(f1s))
    return results
