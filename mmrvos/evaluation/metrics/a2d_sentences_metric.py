# Copyright (c) mmrvos contributors. All rights reserved.
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.fileio import dump
from mmengine.logging import MMLogger
from mmengine.utils import mkdir_or_exist

from mmrvos.registry import METRICS

from ..functional import (
    DEFAULT_IOU_THRESHOLDS,
    LBDT_GT_SIZE,
    build_coco_gt,
    coco_mask_ap,
    encode_mask,
    lbdt_frame_measures,
    lbdt_resample_gt,
    lbdt_summary,
    precision_at_k_and_iou,
)
from .sample_utils import frame_gt_masks, frame_has_gt, frame_pred, get_frames, get_meta, output_prefix

PROTOCOLS = ('all_queries', 'top1', 'lbdt')


@METRICS.register_module()
class A2DSentencesMetric(BaseMetric):
    """A2D-Sentences / JHMDB-Sentences: COCO mask AP and precision@K, overall and mean IoU.

    As MTTR ``trainer.evaluate_a2d_sentences`` (also ReferFormer and SOC): each annotated frame is
    one COCO image whose single gt annotation is the referred object. The predictions
    (``pred_track_instances`` masks and scores of that frame) are scored with pycocotools ignoring
    categories (``mAP`` = AP@0.5:0.95, ``AP50``, ``AP75``, ``AP_small/medium/large``), and the
    highest-scoring one per image by the float32 IoU family (``P@K`` with a strict ``>``,
    ``overall_iou`` = sum I / sum U, ``mean_iou``).

    Protocols: ``'all_queries'`` (default, the official evaluation) gives every predicted instance
    to COCOeval; ``'top1'`` only the highest-scoring one per frame. P@K and the IoUs are the same
    under both. ``'lbdt'`` is LBDT's own evaluation (``dzh19990407/LBDT@f361af5`` ``eval.py:301-412``),
    which gave the numbers of its README: the gt goes through ``gt_size`` and back
    (:func:`lbdt_resample_gt`), the highest-scoring prediction is compared with it by
    :func:`lbdt_frame_measures` (float64), ``P@K`` counts ``iou >= K``, ``mAP`` is the mean of
    P@0.50:0.05:0.95 (no COCO AP) and ``pixel_f1`` is the official "F" (:func:`lbdt_summary`).

    Args:
        protocol (str): ``'all_queries'``, ``'top1'`` or ``'lbdt'``. Defaults to 'all_queries'.
        iou_thresholds (Sequence[float]): The K of P@K. Defaults to (0.5, 0.6, 0.7, 0.8, 0.9).
        gt_size (tuple[int, int]): ``'lbdt'`` protocol: the (h, w) the gt goes through. Defaults to
            (320, 320).
        image_id_template (str): COCO image id of an annotated frame, formatted with ``video_id``,
            ``frame_number`` (1-based), ``frame_id`` (0-based), ``frame_name`` and ``instance_id``.
            The default is A2D-Sentences'; JHMDB-Sentences uses ``'v_{video_id}_f_{frame_number}'``.
            Ids only matter for tie-breaking across images, as in the official code.
        outfile_prefix (str, optional): Dump ``<prefix>.gt.json`` and ``<prefix>.segm.json`` (COCO
            format, readable by ``tools/evaluate_predictions.py``); under ``'lbdt'``, ``<prefix>.lbdt.json``
            (iou, intersection, union, f1 per image id). Defaults to None.
        collect_device (str): Device to collect results across ranks. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to 'a2d'.
    """
    default_prefix: Optional[str] = 'a2d'

    def __init__(self,
                 protocol: str = 'all_queries',
                 iou_thresholds: Sequence[float] = DEFAULT_IOU_THRESHOLDS,
                 gt_size: Sequence[int] = LBDT_GT_SIZE,
                 image_id_template: str = 'v_{video_id}_f_{frame_number}_i_{instance_id}',
                 outfile_prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if protocol not in PROTOCOLS:
            raise ValueError(f'protocol must be one of {PROTOCOLS}, got {protocol!r}')
        self.protocol = protocol
        self.iou_thresholds = tuple(iou_thresholds)
        self.gt_size = tuple(gt_size)
        self.image_id_template = image_id_template
        self.outfile_prefix = outfile_prefix

    def _image_id(self, sample: Any, frame: Any) -> str:
        frame_id = int(get_meta(frame, 'frame_id'))
        gt = frame.gt_instances
        instance_id = int(gt.instances_ids[0]) if 'instances_ids' in gt and len(gt) else None
        return self.image_id_template.format(
            video_id=get_meta(sample, 'video_id'), frame_id=frame_id, frame_number=frame_id + 1,
            frame_name=get_meta(frame, 'frame_name'), instance_id=instance_id)

    def _sample_images(self, sample: Any) -> List[dict]:
        images = []
        for frame in get_frames(sample):
            if not frame_has_gt(frame):
                continue
            gt = frame_gt_masks(frame)
            if gt.shape[0] != 1:
                raise ValueError(
                    f'frame {get_meta(frame, "frame_id")}: expected 1 referred object, got {gt.shape[0]}')
            masks, scores = frame_pred(frame)
            if len(scores) == 0:
                raise ValueError(f'frame {get_meta(frame, "frame_id")}: no prediction')
            keep = range(len(scores))
            if self.protocol != 'all_queries':
                keep = [sorted(keep, key=lambda i: scores[i])[-1]]  # last among ties, as the P@K top-1
            if self.protocol == 'lbdt':
                images.append(dict(image_id=self._image_id(sample, frame), measures=lbdt_frame_measures(
                    masks[keep[0]], lbdt_resample_gt(gt[0], self.gt_size))))
                continue
            images.append(dict(
                image_id=self._image_id(sample, frame), gt=encode_mask(gt[0]),
                preds=[(encode_mask(masks[i]), float(scores[i])) for i in keep]))
        return images

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep RLEs of the gt and predicted masks of every annotated frame (one entry per sample)."""
        for sample in data_samples:
            try:
                self.results.append(self._sample_images(sample))
            except Exception as err:
                raise RuntimeError(f'video {get_meta(sample, "video_id")!r}, expression '
                                   f'{get_meta(sample, "exp_id")!r}: {err}') from err

    def compute_metrics(self, results: List[List[dict]]) -> Dict[str, float]:
        """COCO AP and the IoU family over all annotated frames; ``num_expressions`` scored."""
        images = [image for sample_images in results for image in sample_images]
        if len(images) == 0:
            MMLogger.get_current_instance().warning('A2DSentencesMetric: no annotated frame to score')
            return {}
        if self.protocol == 'lbdt':
            return self._lbdt_metrics(images, len(results))
        coco_gt = build_coco_gt([(im['image_id'], im['gt']) for im in images])
        predictions = [
            dict(image_id=im['image_id'], category_id=1, segmentation=rle, score=score)
            for im in images for rle, score in im['preds']
        ]
        if self.outfile_prefix is not None:
            prefix = output_prefix(self.outfile_prefix)
            mkdir_or_exist(osp.dirname(osp.abspath(prefix)))
            dump(coco_gt.dataset, f'{prefix}.gt.json')
            dump(predictions, f'{prefix}.segm.json')
        coco_pred = coco_gt.loadRes(predictions)
        metrics = coco_mask_ap(coco_gt, coco_pred)
        metrics.update(precision_at_k_and_iou(coco_gt, coco_pred, self.iou_thresholds))
        metrics = {k: float(np.float64(v)) for k, v in metrics.items()}
        metrics['num_expressions'] = len(results)
        return metrics

    def _lbdt_metrics(self, images: List[dict], num_expressions: int) -> Dict[str, float]:
        """LBDT's aggregates of the per-frame measures (dumped to ``<prefix>.lbdt.json`` first)."""
        if self.outfile_prefix is not None:
            prefix = output_prefix(self.outfile_prefix)
            mkdir_or_exist(osp.dirname(osp.abspath(prefix)))
            dump({im['image_id']: list(im['measures']) for im in images}, f'{prefix}.lbdt.json')
        metrics = lbdt_summary([im['measures'] for im in images], self.iou_thresholds)
        metrics['num_expressions'] = num_expressions
        return metrics
