# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmrvos.registry import METRICS

from ..functional import expression_jf, summarize_expressions
from .sample_utils import frame_gt_union, frame_has_gt, frame_pred_union, frame_void, get_frames, get_meta


def expression_masks(sample: Any) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray], List[Any]]:
    """gt, prediction and void stacks of the annotated frames of one (video, expression) sample.

    The gt of a frame is the union of the referred objects' masks (MeViS expressions may refer to
    several objects) and the prediction the union of ``pred_track_instances.masks``.

    Returns:
        tuple: (T, H, W) bool gt, (T, H, W) bool prediction, (T, H, W) bool void or None, and the T
        annotated frame samples.
    """
    frames = [f for f in get_frames(sample) if frame_has_gt(f)]
    if len(frames) == 0:
        return np.zeros((0, 1, 1), bool), np.zeros((0, 1, 1), bool), None, []
    gt = np.stack([frame_gt_union(f) for f in frames])
    pred = np.stack([frame_pred_union(f) for f in frames])
    voids = [frame_void(f) for f in frames]
    void = None
    if any(v is not None for v in voids):
        void = np.stack([np.zeros(gt.shape[1:], bool) if v is None else v for v in voids])
    return gt, pred, void, frames


@METRICS.register_module()
class MeViSMetric(BaseMetric):
    """J&F of MeViS: per expression the frame means of J and F, then the mean over expressions.

    As MeViS ``tools/eval_mevis.py`` with the DAVIS J and F: the gt of an expression is the union of
    its referred objects (absent objects are empty), every annotated frame counts (an empty gt with
    an empty prediction scores 1), and ``J&F = (J + F) / 2`` of the expression-weighted means.
    One result per (video, expression) data sample; frames with ``has_gt=False`` are skipped.

    Args:
        bound_th (float): Boundary tolerance of F (fraction of the diagonal). Defaults to 0.008.
        collect_device (str): Device to collect results across ranks. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to 'mevis'.
    """
    default_prefix: Optional[str] = 'mevis'

    def __init__(self,
                 bound_th: float = 0.008,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.bound_th = bound_th

    def score_sample(self, sample: Any) -> Optional[Dict[str, Any]]:
        """J and F of one (video, expression) sample, None when no frame is annotated."""
        gt, pred, void, _ = expression_masks(sample)
        if gt.shape[0] == 0:
            return None
        j_value, f_value = expression_jf(gt, pred, void, self.bound_th)
        return dict(
            video_id=get_meta(sample, 'video_id'), exp_id=get_meta(sample, 'exp_id'), J=j_value, F=f_value)

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Score each (video, expression) sample and keep its J and F."""
        for sample in data_samples:
            try:
                self.results.append(self.score_sample(sample))
            except Exception as err:
                raise RuntimeError(f'video {get_meta(sample, "video_id")!r}, expression '
                                   f'{get_meta(sample, "exp_id")!r}: {err}') from err

    def compute_metrics(self, results: List[Optional[dict]]) -> Dict[str, float]:
        """Expression-weighted ``J&F``, ``J`` and ``F``, and ``num_expressions``: how many were scored."""
        scored = [r for r in results if r is not None]
        if len(scored) < len(results):
            MMLogger.get_current_instance().warning(
                f'{len(results) - len(scored)} expressions have no annotated frame and are not scored')
        metrics = summarize_expressions([r['J'] for r in scored], [r['F'] for r in scored])
        metrics['num_expressions'] = len(scored)
        return metrics
