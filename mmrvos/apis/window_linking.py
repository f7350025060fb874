# Copyright (c) mmrvos contributors. All rights reserved.
"""Pick the referred object of a window so that it stays the same object across windows."""
from typing import Optional

import numpy as np


def mask_iou(masks: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """IoU of each candidate's masks with a reference, over a stack of frames.

    Args:
        masks (np.ndarray): ``(k, T, H, W)`` bool masks of ``k`` candidates on ``T`` frames.
        reference (np.ndarray): ``(T, H, W)`` bool masks on the same frames.

    Returns:
        np.ndarray: ``(k,)`` IoU computed over all ``T`` frames together (0 where both are empty).
    """
    k = masks.shape[0]
    flat = masks.reshape(k, -1)
    ref = reference.reshape(1, -1)
    inter = np.logical_and(flat, ref).sum(axis=1)
    union = np.logical_or(flat, ref).sum(axis=1)
    return np.where(union > 0, inter / np.maximum(union, 1), 0.)


def select_candidate(scores: np.ndarray,
                     overlap_masks: Optional[np.ndarray] = None,
                     previous_masks: Optional[np.ndarray] = None,
                     iou_weight: float = 1.) -> int:
    """Choose one candidate (query) of a window as the referred object.

    The first window (no previous masks) takes the candidate with the highest mean score over the
    window's frames, which is SOC's own rule, so a video that fits one window is segmented exactly as
    whole-clip inference does. A later window adds ``iou_weight`` times the IoU between each
    candidate's masks and the masks already emitted on the overlap frames: the new window keeps
    following the object that the previous window selected, unless another candidate matches the
    sentence better by more than that margin.

    Args:
        scores (np.ndarray): ``(T, k)`` per-frame scores of ``k`` candidates.
        overlap_masks (np.ndarray, optional): ``(k, O, H, W)`` candidate masks on the ``O`` overlap
            frames.
        previous_masks (np.ndarray, optional): ``(O, H, W)`` masks emitted for those frames by the
            previous window.
        iou_weight (float): weight of the overlap IoU against the mean score. Defaults to 1.

    Returns:
        int: index of the chosen candidate.
    """
    objective = np.asarray(scores, dtype=np.float64).mean(axis=0)
    if overlap_masks is not None and previous_masks is not None and len(previous_masks) and iou_weight:
        objective = objective + iou_weight * mask_iou(overlap_masks, previous_masks)
    return int(np.argmax(objective))
