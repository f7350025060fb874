# Copyright (c) mmrvos contributors. All rights reserved.
"""A2D-Sentences / JHMDB-Sentences metrics: COCO mask AP and the precision@K / IoU family.

The official evaluation (MTTR ``trainer.evaluate_a2d_sentences`` and ``metrics.py``, reused by
ReferFormer and SOC) scores COCO-format results: mask AP with pycocotools ignoring categories, and
for each gt image the IoU of the highest-scoring prediction computed in float32 with 1e-6 added to
the intersection and the union. Both are reproduced here to the bit.
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

__all__ = [
    'DEFAULT_IOU_THRESHOLDS', 'AP_NAMES', 'mask_iou_float32', 'encode_mask', 'build_coco_gt',
    'coco_mask_ap', 'precision_at_k_and_iou'
]

# P@K thresholds of MTTR / ReferFormer / SOC
DEFAULT_IOU_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
AP_NAMES = ('mAP', 'AP50', 'AP75', 'AP_small', 'AP_medium', 'AP_large')
_EPS = np.float32(1e-6)


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
