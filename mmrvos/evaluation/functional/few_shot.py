# Copyright (c) mmrvos contributors. All rights reserved.
"""The few-shot RVOS protocol (CMA, hengliusky/Few_shot_RVOS ``test.py`` + ``util/Logger.py``).

Per query frame, J and F are computed at the **resized** resolution of the official test (torchvision
``Resize(360)``: shorter side 360): the gt mask is bilinearly resized (``align_corners=False``) and
thresholded ``> 0.5``, the prediction is thresholded ``> 0.5`` at that size, J is the DAVIS region
similarity (1 when both masks are empty) and F the DAVIS boundary measure with ``bound_th=0.010``
(the DAVIS-2016 value). A fold's J and F are the plain means over **all frames of all episodes** of the
fold (frame-weighted), the reported figure the mean over the folds, and the spread over support seeds
the sample standard deviation (:func:`seed_statistics`).

An episode's record (:func:`episode_record`) holds the per-frame values, so every aggregate can be
recomputed from the saved records.
"""
import math
from collections import defaultdict
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from .video_measures import boundary_measure, region_similarity

__all__ = [
    'FEW_SHOT_BOUND_TH', 'FEW_SHOT_SHORT_SIDE', 'short_side_size', 'resize_masks_bilinear',
    'few_shot_frame_measures', 'episode_key', 'episode_record', 'pool_frames', 'summarize_few_shot',
    'seed_statistics', 'summarize_seeds'
]

FEW_SHOT_BOUND_TH = 0.010
FEW_SHOT_SHORT_SIDE = 360
EPISODE_KEYS = ('fold', 'class_id', 'support_video', 'support_obj_id', 'support_exp_id', 'support_frames',
                'support_seed', 'query_video', 'query_exp_id')


def _order(value: Any) -> Tuple[int, Any]:
    """Sort key of fold and seed ids: numbers in numeric order, then the others as text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))


def short_side_size(shape: Tuple[int, int], short_side: int = FEW_SHOT_SHORT_SIDE) -> Tuple[int, int]:
    """The (h, w) of torchvision's ``Resize(short_side)`` (no max size) of an (H, W) frame.

    The shorter side becomes ``short_side`` and the longer ``int(short_side * long / short)``
    (truncated), as ``torchvision.transforms.functional._compute_resized_output_size``.

    Args:
        shape (tuple[int, int]): The original (H, W).
        short_side (int): The shorter side after resizing. Defaults to 360.

    Returns:
        tuple[int, int]: The resized (h, w); 720x1280 gives 360x640.
    """
    height, width = int(shape[0]), int(shape[1])
    if height <= 0 or width <= 0:
        raise ValueError(f'frame size must be positive, got {shape}')
    if height <= width:
        return short_side, int(short_side * width / height)
    return int(short_side * height / width), short_side


def resize_masks_bilinear(masks: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """Bilinear resize (``align_corners=False``, no antialiasing) of binary masks, then ``> 0.5``.

    The official test's ``F.interpolate(mask.float(), size, mode='bilinear', align_corners=False)``
    (float32), used for the gt masks.

    Args:
        masks (np.ndarray): (T, H, W) masks; nonzero is foreground.
        size (tuple[int, int]): Target (h, w).

    Returns:
        np.ndarray: (T, h, w) bool masks.
    """
    masks = np.asarray(masks)
    if masks.ndim != 3:
        raise ValueError(f'masks must be (T, H, W), got shape {masks.shape}')
    if masks.shape[0] == 0 or tuple(masks.shape[1:]) == tuple(size):
        return masks.astype(bool)
    values = torch.from_numpy(masks.astype(np.float32))[None]
    resized = F.interpolate(values, size=tuple(int(s) for s in size), mode='bilinear', align_corners=False)
    return (resized[0] > 0.5).numpy()


def few_shot_frame_measures(gt: np.ndarray,
                            pred: np.ndarray,
                            short_side: Optional[int] = FEW_SHOT_SHORT_SIDE,
                            bound_th: float = FEW_SHOT_BOUND_TH,
                            pred_at_eval_size: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """Per-frame J and F of one query video at the official evaluation size.

    Args:
        gt (np.ndarray): (T, H, W) gt masks at the original size.
        pred (np.ndarray): (T, H, W) predicted masks at the original size, resized to the evaluation
            size like the gt (bilinear, ``> 0.5``); with ``pred_at_eval_size`` (T, h, w) masks already
            at the evaluation size (as the official test thresholds them), used as they are.
        short_side (int, optional): Shorter side of the evaluation size (:func:`short_side_size`);
            None scores at the original size. Defaults to 360.
        bound_th (float): Boundary tolerance of F. Defaults to 0.010.
        pred_at_eval_size (bool): See ``pred``. Defaults to False.

    Returns:
        tuple[np.ndarray, np.ndarray]: (T,) float64 J and (T,) float64 F.
    """
    gt = np.asarray(gt)
    pred = np.asarray(pred)
    if gt.ndim != 3:
        raise ValueError(f'gt masks must be (T, H, W), got shape {gt.shape}')
    size = tuple(gt.shape[1:]) if short_side is None else short_side_size(gt.shape[1:], short_side)
    gt = resize_masks_bilinear(gt, size)
    pred = pred.astype(bool) if pred_at_eval_size else resize_masks_bilinear(pred, size)
    if pred.shape != gt.shape:
        raise ValueError(f'predicted masks {pred.shape} do not match the gt {gt.shape} at the evaluation '
                         f'size {size}')
    if gt.shape[0] == 0:
        return np.zeros(0), np.zeros(0)
    return (np.atleast_1d(region_similarity(gt, pred)), np.atleast_1d(boundary_measure(gt, pred,
                                                                                        bound_th=bound_th)))


def episode_key(episode: Mapping[str, Any]) -> str:
    """A string naming an episode by its fold, support choice, seed and query (the resume key).

    Args:
        episode (Mapping): The ``episode`` metainfo (docs/evaluation.md, few-shot section).

    Returns:
        str: ``fold/class_id/support.../seed/query_video/query_exp_id`` joined by ``|``.
    """
    missing = [k for k in ('fold', 'query_video', 'query_exp_id') if k not in episode]
    if missing:
        raise KeyError(f'episode metainfo {dict(episode)} lacks {missing}')
    parts = []
    for name in EPISODE_KEYS:
        value = episode.get(name)
        parts.append(','.join(map(str, value)) if isinstance(value, (list, tuple)) else str(value))
    return '|'.join(parts)


def episode_record(episode: Mapping[str, Any], j_values: Sequence[float], f_values: Sequence[float],
                   frame_names: Optional[Sequence[str]] = None, **extra: Any) -> Dict[str, Any]:
    """The saved result of one episode: its metainfo and per-frame J and F (plus their sums and count).

    Args:
        episode (Mapping): The ``episode`` metainfo.
        j_values, f_values (Sequence[float]): Per-frame J and F of the scored query frames.
        frame_names (Sequence[str], optional): Names of those frames.
        **extra: Further entries (e.g. the standard protocol's ``expression_J``/``expression_F``).

    Returns:
        dict: ``key``, ``episode``, ``num_frames``, ``J_sum``, ``F_sum``, ``J``, ``F``, ``frames`` and
        ``extra``; JSON-serialisable.
    """
    j_values = [float(v) for v in j_values]
    f_values = [float(v) for v in f_values]
    if len(j_values) != len(f_values):
        raise ValueError(f'{len(j_values)} J values but {len(f_values)} F values')
    episode = {k: (list(v) if isinstance(v, tuple) else v) for k, v in episode.items()}
    return dict(key=episode_key(episode), episode=episode, num_frames=len(j_values),
                J_sum=math.fsum(j_values), F_sum=math.fsum(f_values), J=j_values, F=f_values,
                frames=None if frame_names is None else [str(n) for n in frame_names], **extra)


def pool_frames(records: Iterable[Mapping[str, Any]]) -> Dict[str, float]:
    """Frame-weighted J and F of a set of episodes (``TreeEvaluation`` with one class slot).

    ``J = sum of the frames' J / number of frames`` over all frames of all episodes, likewise F;
    ``J&F = (J + F) / 2``. NaN when there is no frame.

    Args:
        records (Iterable[Mapping]): Episode records (:func:`episode_record`).

    Returns:
        dict[str, float]: ``J``, ``F``, ``J&F``, ``num_frames``, ``num_episodes``.
    """
    records = list(records)
    num_frames = sum(int(r['num_frames']) for r in records)
    if num_frames == 0:
        j_mean = f_mean = float('nan')
    else:
        j_mean = math.fsum(v for r in records for v in r['J']) / num_frames
        f_mean = math.fsum(v for r in records for v in r['F']) / num_frames
    return {'J': j_mean, 'F': f_mean, 'J&F': (j_mean + f_mean) / 2, 'num_frames': num_frames,
            'num_episodes': len(records)}


def summarize_few_shot(records: Iterable[Mapping[str, Any]]) -> Dict[Any, Dict[Any, Dict[str, float]]]:
    """Per support seed: each fold's frame-pooled numbers (:func:`pool_frames`) and their mean over folds.

    Args:
        records (Iterable[Mapping]): Episode records; ``episode['fold']`` and ``episode['support_seed']``
            group them.

    Returns:
        dict: ``{seed: {fold: pool_frames(...), ..., 'mean': {'J', 'F', 'J&F'} over the folds}}``.
    """
    groups: Dict[Any, Dict[Any, List[Mapping[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        episode = record['episode']
        groups[episode.get('support_seed')][episode['fold']].append(record)
    summary: Dict[Any, Dict[Any, Dict[str, float]]] = {}
    for seed in sorted(groups, key=_order):
        folds = groups[seed]
        per_fold = {fold: pool_frames(folds[fold]) for fold in sorted(folds, key=_order)}
        per_fold['mean'] = {
            name: float(np.mean([per_fold[fold][name] for fold in folds])) for name in ('J', 'F', 'J&F')}
        summary[seed] = per_fold
    return summary


def seed_statistics(values: Sequence[float]) -> Tuple[float, float]:
    """Mean and spread of one number over the support seeds.

    The spread is the **sample** standard deviation (``ddof=1``): the seeds are a random sample of the
    possible support draws, and the number estimates how much a result moves with the draw (NaN for a
    single seed, where no spread can be estimated).

    Args:
        values (Sequence[float]): The number of each seed.

    Returns:
        tuple[float, float]: (mean, sample std).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f'expected a non-empty list of per-seed values, got {values!r}')
    std = float(np.std(values, ddof=1)) if values.size > 1 else float('nan')
    return float(np.mean(values)), std


def summarize_seeds(runs: Iterable[Mapping[str, Any]]) -> Dict[str, Any]:
    """Per fold and over folds, the mean and spread over seeds of J, F and J&F.

    Args:
        runs (Iterable[Mapping]): One entry per (fold, seed) run: ``fold``, ``seed``, ``J``, ``F``.

    Returns:
        dict: ``folds`` (``{fold: {'J': (mean, std), 'F': ..., 'J&F': ..., 'seeds': [...]}}``),
        ``per_seed`` (``{seed: {'J', 'F', 'J&F'}}``, the means over folds of each seed), ``mean``
        (``{'J': (mean, std), ...}`` over the seeds of the means over folds) and ``seeds``.

    Raises:
        ValueError: when a (fold, seed) run is missing or given twice: every seed must cover every fold.
    """
    table: Dict[Any, Dict[Any, Dict[str, float]]] = defaultdict(dict)
    for run in runs:
        fold, seed = run['fold'], run['seed']
        if seed in table[fold]:
            raise ValueError(f'fold {fold}, seed {seed} is given twice')
        table[fold][seed] = {'J': float(run['J']), 'F': float(run['F'])}
        table[fold][seed]['J&F'] = (table[fold][seed]['J'] + table[fold][seed]['F']) / 2
    if not table:
        raise ValueError('no runs to summarize')
    folds = sorted(table, key=_order)
    seeds = sorted({seed for fold in folds for seed in table[fold]}, key=_order)
    missing = [f'fold {fold} seed {seed}' for fold in folds for seed in seeds if seed not in table[fold]]
    if missing:
        raise ValueError(f'missing runs: {", ".join(missing)} (every seed must cover every fold)')
    names = ('J', 'F', 'J&F')
    per_seed = {seed: {n: float(np.mean([table[fold][seed][n] for fold in folds])) for n in names}
                for seed in seeds}
    return dict(
        seeds=seeds,
        folds={fold: dict({n: seed_statistics([table[fold][s][n] for s in seeds])
                           for n in names}, seeds=seeds) for fold in folds},
        per_seed=per_seed,
        mean={n: seed_statistics([per_seed[s][n] for s in seeds]) for n in names})
