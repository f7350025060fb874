# Copyright (c) mmrvos contributors. All rights reserved.
"""Read masks out of RVOS data samples (see ``docs/data_samples.md``) for the metrics.

The evaluator hands each metric ``TrackDataSample.to_dict()``: a dict with the video-level metainfo
and ``video_data_samples``, a list of per-frame ``DetDataSample``. The helpers also accept the
``TrackDataSample`` itself.
"""
from typing import Any, List, Optional, Tuple

import numpy as np
import torch
from pycocotools import mask as mask_utils

from mmrvos.utils import masks_to_numpy

__all__ = [
    'get_frames', 'get_meta', 'frame_shape', 'frame_has_gt', 'frame_gt_masks',
    'frame_gt_union', 'frame_void', 'frame_pred', 'frame_pred_union', 'encode_frames', 'decode_frames',
    'output_prefix'
]


def output_prefix(prefix: str) -> str:
    """A metric's ``outfile_prefix``, refused while its ``{work_dir}`` field is not filled in.

    :class:`mmrvos.evaluation.RVOSTestLoop` fills ``{work_dir}`` with the run's work_dir.
    """
    if '{work_dir}' in prefix:
        raise ValueError(f'outfile_prefix {prefix!r} has a {{work_dir}} field, which only '
                         "test_cfg=dict(type='RVOSTestLoop') fills in: use that loop or give a path")
    return prefix


def get_frames(sample: Any) -> List[Any]:
    """The per-frame data samples of a video sample (dict or ``TrackDataSample``)."""
    frames = sample['video_data_samples'] if isinstance(sample, dict) else sample.video_data_samples
    if len(frames) == 0:
        raise ValueError(f'data sample of video {get_meta(sample, "video_id", "?")} has no frames')
    return list(frames)


def get_meta(sample: Any, key: str, default: Any = None) -> Any:
    """A metainfo value of a video sample (dict or ``TrackDataSample``) or of a frame sample."""
    if isinstance(sample, dict):
        return sample.get(key, default)
    return sample.metainfo.get(key, default)


def frame_shape(frame: Any) -> Tuple[int, int]:
    """The original (H, W) of a frame, from its ``ori_shape`` metainfo."""
    shape = get_meta(frame, 'ori_shape')
    if shape is None:
        raise KeyError(f'frame {get_meta(frame, "frame_name", "?")} has no ori_shape metainfo')
    return int(shape[0]), int(shape[1])


def frame_has_gt(frame: Any) -> bool:
    """Whether the frame is annotated (``has_gt`` metainfo, True when absent)."""
    return bool(get_meta(frame, 'has_gt', True)) and 'gt_instances' in frame


def _checked(masks: np.ndarray, shape: Tuple[int, int], what: str, frame: Any) -> np.ndarray:
    if masks.ndim != 3 or masks.shape[1:] != shape:
        raise ValueError(f'{what} of frame {get_meta(frame, "frame_name", "?")} have shape {masks.shape}, '
                         f'expected (n, {shape[0]}, {shape[1]}) at ori_shape')
    return masks


def frame_gt_masks(frame: Any) -> np.ndarray:
    """(n, H, W) bool gt masks of the referred objects of a frame (n may be 0)."""
    shape = frame_shape(frame)
    gt = frame.get('gt_instances')
    if gt is None or len(gt) == 0 or 'masks' not in gt:
        return np.zeros((0, ) + shape, dtype=bool)
    return _checked(masks_to_numpy(gt.masks), shape, 'gt masks', frame)


def frame_gt_union(frame: Any) -> np.ndarray:
    """(H, W) bool union of the referred objects' gt masks of a frame."""
    return frame_gt_masks(frame).any(axis=0)


def frame_void(frame: Any) -> Optional[np.ndarray]:
    """(H, W) bool void pixels from ``ignored_instances.masks``, or None."""
    ignored = frame.get('ignored_instances')
    if ignored is None or len(ignored) == 0 or 'masks' not in ignored:
        return None
    return _checked(masks_to_numpy(ignored.masks), frame_shape(frame), 'void masks', frame).any(axis=0)


def frame_pred(frame: Any) -> Tuple[np.ndarray, np.ndarray]:
    """(k, H, W) bool predicted masks and their (k,) scores from ``pred_track_instances``."""
    shape = frame_shape(frame)
    pred = frame.get('pred_track_instances')
    if pred is None or len(pred) == 0:
        return np.zeros((0, ) + shape, dtype=bool), np.zeros(0, dtype=np.float64)
    masks = _checked(masks_to_numpy(pred.masks), shape, 'predicted masks', frame)
    if 'scores' in pred:
        scores = pred.scores
        scores = scores.detach().cpu().numpy() if isinstance(scores, torch.Tensor) else np.asarray(scores)
    else:
        scores = np.ones(len(masks))
    return masks, scores.astype(np.float64).reshape(-1)


def frame_pred_union(frame: Any) -> np.ndarray:
    """(H, W) bool union of the predicted masks of a frame (empty when there is none)."""
    return frame_pred(frame)[0].any(axis=0)


def encode_frames(masks: np.ndarray) -> List[dict]:
    """Compress (T, H, W) masks into T COCO RLEs (to keep metric results small)."""
    masks = np.asarray(masks, dtype=np.uint8)
    if masks.shape[0] == 0:
        return []
    return mask_utils.encode(np.asfortranarray(masks.transpose(1, 2, 0)))


def decode_frames(rles: List[dict], shape: Tuple[int, int]) -> np.ndarray:
    """Inverse of :func:`encode_frames`: (T, H, W) bool."""
    if len(rles) == 0:
        return np.zeros((0, ) + tuple(shape), dtype=bool)
    return mask_utils.decode(rles).transpose(2, 0, 1).astype(bool)
