# Copyright (c) mmrvos contributors. All rights reserved.
import os.path as osp
from collections import defaultdict
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmrvos.registry import METRICS

from ..functional import (
    label_map_from_masks,
    read_davis_gt,
    split_label_map,
    summarize_davis_objects,
    unsupervised_jf,
)
from .sample_utils import (
    decode_frames,
    encode_frames,
    frame_gt_masks,
    frame_pred_union,
    frame_shape,
    frame_void,
    get_frames,
    get_meta,
)

DAVIS_KEYS = ('J&F', 'J-Mean', 'J-Recall', 'J-Decay', 'F-Mean', 'F-Recall', 'F-Decay')


def _exp_order(exp_id: Any) -> Tuple[int, Any]:
    text = str(exp_id)
    return (0, int(text)) if text.isdigit() else (1, text)


@METRICS.register_module()
class RefDAVISMetric(BaseMetric):
    """Ref-DAVIS17 J&F: the DAVIS unsupervised protocol per annotator, then the mean of annotators.

    As ReferFormer/SOC (``inference_davis.py`` + ``eval_davis.py`` on davis2017-evaluation):

    1. For each annotator (``annotator`` metainfo, 0-3) and video, the expressions' predicted masks
       (union of ``pred_track_instances.masks``) are merged into one object-id map in expression-id
       order (:func:`label_map_from_masks`; overlaps go to the lower expression).
    2. The map is split into proposals 1..max id and matched to the gt objects by the Hungarian
       algorithm on (J + F) / 2 (:func:`unsupervised_jf`); the gt objects are the ids 1..n with n the
       largest id in the first frame, void pixels (``ignored_instances``) left out, all frames kept.
    3. Object-weighted means of J and F mean / recall / decay, ``J&F = (J-Mean + F-Mean) / 2``; the
       reported numbers are the means over the annotators (per-annotator J&F also given).

    The gt objects come from the data samples (each expression brings its referred object) or, with
    ``gt_root``, from the official annotation PNGs. Both give the official numbers when every gt
    object has an expression; only ``gt_root`` does when some object has none.

    Args:
        gt_root (str, optional): ``DAVIS/Annotations_unsupervised/480p`` to read the full gt from.
            Defaults to None (gt from the data samples).
        bound_th (float): Boundary tolerance of F. Defaults to 0.008.
        max_proposals (int): Error above this many objects in a predicted map. Defaults to 20.
        collect_device (str): Device to collect results across ranks. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to 'ref_davis'.
    """
    default_prefix: Optional[str] = 'ref_davis'

    def __init__(self,
                 gt_root: Optional[str] = None,
                 bound_th: float = 0.008,
                 max_proposals: int = 20,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.gt_root = gt_root
        self.bound_th = bound_th
        self.max_proposals = max_proposals

    def _compress_sample(self, sample: Any) -> dict:
        """The masks of one (video, expression) sample as RLEs, with the ids needed to group them."""
        frames = get_frames(sample)
        annotator = get_meta(sample, 'annotator')
        if annotator is None:
            raise KeyError('Ref-DAVIS17 data sample without annotator metainfo')
        shape = frame_shape(frames[0])
        result = dict(
            video_id=get_meta(sample, 'video_id'),
            exp_id=get_meta(sample, 'exp_id'),
            annotator=int(annotator),
            shape=shape,
            frame_names=[str(get_meta(f, 'frame_name', get_meta(f, 'frame_id'))) for f in frames],
            pred=encode_frames(np.stack([frame_pred_union(f) for f in frames])),
            objects={},
            void=None)
        if self.gt_root is None:
            obj_ids = get_meta(sample, 'obj_ids')
            gt = np.stack([frame_gt_masks(f) for f in frames], axis=1)  # (n, T, H, W)
            if obj_ids is None:
                ids = frames[0].gt_instances.instances_ids
                obj_ids = ids.tolist() if hasattr(ids, 'tolist') else list(ids)
            if len(obj_ids) != gt.shape[0]:
                raise ValueError(f'{len(obj_ids)} obj_ids for {gt.shape[0]} gt masks')
            result['objects'] = {int(i): encode_frames(m) for i, m in zip(obj_ids, gt)}
            voids = [frame_void(f) for f in frames]
            if any(v is not None for v in voids):
                voids = [np.zeros(shape, bool) if v is None else v for v in voids]
                result['void'] = encode_frames(np.stack(voids))
        return result

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep each sample's predicted and gt masks (compressed) for the per-video matching."""
        for sample in data_samples:
            try:
                self.results.append(self._compress_sample(sample))
            except Exception as err:
                raise RuntimeError(f'video {get_meta(sample, "video_id")!r}, expression '
                                   f'{get_meta(sample, "exp_id")!r}: {err}') from err

    def _video_gt(self, video_id: str,
                  items: List[dict]) -> Tuple[np.ndarray, Optional[np.ndarray], List[str]]:
        """(G, T, H, W) gt objects, (T, H, W) void or None and frame names of one video."""
        if self.gt_root is not None:
            return read_davis_gt(osp.join(self.gt_root, video_id))
        shape, names = items[0]['shape'], items[0]['frame_names']
        objects, void = {}, None
        for item in items:
            for obj_id, rles in item['objects'].items():
                objects.setdefault(obj_id, rles)
            if void is None and item['void'] is not None:
                void = decode_frames(item['void'], shape)
        masks = {i: decode_frames(r, shape) for i, r in objects.items()}
        first = [i for i, m in masks.items() if len(m) and m[0].any()]
        num_objects = max(first, default=0)
        missing = [i for i in range(1, num_objects + 1) if i not in masks]
        if missing:
            MMLogger.get_current_instance().warning(
                f'video {video_id}: gt objects {missing} have no expression; they are scored as empty '
                'masks (set gt_root to read the official gt)')
        empty = np.zeros((len(names), ) + tuple(shape), dtype=bool)
        gt = np.stack([masks.get(i, empty) for i in range(1, num_objects + 1)]) if num_objects else \
            np.zeros((0, len(names)) + tuple(shape), dtype=bool)
        return gt, void, names

    def _annotator_scores(self, video_items: Dict[str, List[dict]],
                          gts: Dict[str, tuple]) -> Dict[str, float]:
        j_values, f_values = [], []
        for video_id in sorted(gts):
            gt, void, names = gts[video_id]
            items = sorted(video_items.get(video_id, []), key=lambda r: _exp_order(r['exp_id']))
            if len(items) == 0:
                MMLogger.get_current_instance().warning(
                    f'video {video_id}: no prediction for this annotator, scored as empty')
                preds = np.zeros((0, ) + gt.shape[1:], dtype=bool)
            else:
                preds = []
                for item in items:
                    if item['frame_names'] != list(names):
                        raise ValueError(f'video {video_id}, expression {item["exp_id"]}: predicted frames '
                                         f'{item["frame_names"]} differ from the gt frames {list(names)}')
                    preds.append(decode_frames(item['pred'], item['shape']))
                preds = split_label_map(label_map_from_masks(np.stack(preds)))
            j_all, f_all = unsupervised_jf(gt, preds, void, self.bound_th, self.max_proposals)
            j_values.extend(j_all)
            f_values.extend(f_all)
        return summarize_davis_objects(j_values, f_values)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Per-annotator DAVIS numbers, their mean over annotators and ``num_expressions`` scored."""
        by_video: Dict[str, List[dict]] = defaultdict(list)
        by_annotator: Dict[int, Dict[str, List[dict]]] = defaultdict(lambda: defaultdict(list))
        for item in results:
            by_video[item['video_id']].append(item)
            by_annotator[item['annotator']][item['video_id']].append(item)
        gts = {v: self._video_gt(v, items) for v, items in by_video.items()}
        per_annotator = {a: self._annotator_scores(by_annotator[a], gts) for a in sorted(by_annotator)}
        metrics = {k: float(np.mean([s[k] for s in per_annotator.values()])) for k in DAVIS_KEYS}
        for a, scores in per_annotator.items():
            metrics[f'J&F_annotator{a}'] = scores['J&F']
        metrics['num_expressions'] = len(results)
        return metrics
