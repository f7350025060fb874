# Copyright (c) mmrvos contributors. All rights reserved.
import glob
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.dist import get_rank
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmengine.utils import mkdir_or_exist

from mmrvos.registry import METRICS

from ..functional import (
    FEW_SHOT_BOUND_TH,
    FEW_SHOT_SHORT_SIDE,
    episode_key,
    episode_record,
    expression_jf,
    few_shot_frame_measures,
    seed_statistics,
    short_side_size,
    summarize_expressions,
    summarize_few_shot,
)
from .sample_utils import frame_gt_union, frame_has_gt, frame_pred_union, get_frames, get_meta, output_prefix

SUMMARY_NAMES = ('J', 'F', 'J&F')
NO_FOLD = 'all_classes'  # key of the episodes of a dataset without folds (fold None, Mini-Ref-SAIL-VOS)


def _resized_pred(frame: Any) -> Optional[np.ndarray]:
    """(h, w) union of ``pred_track_instances.resized_masks`` (masks at the evaluation size), or None."""
    pred = frame.get('pred_track_instances')
    if pred is None or 'resized_masks' not in pred:
        return None
    masks = pred.resized_masks
    masks = masks.detach().cpu().numpy() if hasattr(masks, 'detach') else np.asarray(masks)
    if masks.ndim != 3:
        raise ValueError(f'resized_masks of frame {get_meta(frame, "frame_name", "?")} have shape '
                         f'{masks.shape}, expected (k, h, w)')
    return masks.astype(bool).any(axis=0)


def _drop_partial_line(path: str) -> None:
    """Cut a last line that a stopped run left without its newline, so new lines start clean."""
    with open(path, 'rb+') as f:
        data = f.read()
        if data and not data.endswith(b'\n'):
            f.truncate(data.rfind(b'\n') + 1)


@METRICS.register_module()
class FewShotJFMetric(BaseMetric):
    """J and F of the few-shot RVOS benchmark (CMA), with the standard per-expression J&F side by side.

    One data sample is one episode (support frames, then query frames; ``frame_role`` and ``episode``
    metainfo on every frame, see docs/evaluation.md). For the query frames with gt:

    * the official protocol (:func:`few_shot_frame_measures`): per frame J and F at the shorter-side-360
      size (gt bilinearly resized, ``> 0.5``; the prediction ``pred_track_instances.masks`` resized the same
      way, or ``pred_track_instances.resized_masks`` used as they are when the model gives masks at that
      size; masks at another size, e.g. of a resize that rounds the long side, fall back to ``masks``),
      F with ``bound_th=0.010``; per fold the frame-weighted means over all its episodes, then the
      mean over folds (``J``, ``F``, ``J&F``; per fold ``fold<g>/J`` ..., ``all_classes/J`` ... for the
      episodes of a dataset without folds);
    * the standard protocol of mmrvos (as :class:`MeViSMetric`, the offline Ref-YouTube-VOS J&F): per
      episode the frame means of J and F at the original size with ``expression_bound_th``,
      expression-weighted per fold, then the mean over folds (``expression_J&F``, ``expression_J``,
      ``expression_F``).

    Every finished episode is appended at once to ``<outfile_prefix>/episodes.jsonl`` (one JSON line:
    ``key``, ``episode`` metainfo incl. the support choice and ``support_seed``, per-frame ``J``/``F``,
    their sums ``J_sum``/``F_sum``, ``num_frames``, ``expression_J``/``expression_F``), so a run that
    stops loses no finished episode. With ``resume=True`` the episodes already in the file are not scored
    again, and the file's episodes of this run's (fold, seed) pairs count in the result even when this run
    did not see them (a run restarted on the remaining episodes). Without it an existing file of an
    earlier run is moved aside (``episodes.jsonl.bak<n>``). Only the first evaluation of the metric does
    either: a later one (validation every epoch) rewrites the file. Records of several seeds give
    per-seed numbers, the mean over seeds as the headline and their sample standard deviation as
    ``seed_std/...``.

    Args:
        outfile_prefix (str): Folder of ``episodes.jsonl``; ``{work_dir}`` is the run's work_dir (filled
            by :class:`mmrvos.evaluation.RVOSTestLoop`). Defaults to '{work_dir}/few_shot'.
        short_side (int, optional): Shorter side of the evaluation size; None scores at the original
            size. Defaults to 360.
        bound_th (float): Boundary tolerance of the official F. Defaults to 0.010.
        expression_bound_th (float): Boundary tolerance of the standard protocol. Defaults to 0.008.
        resume (bool): Reuse the episodes of an existing ``episodes.jsonl``. Defaults to False.
        collect_device (str): Device to collect results across ranks. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to 'few_shot'.
    """
    default_prefix: Optional[str] = 'few_shot'

    def __init__(self,
                 outfile_prefix: str = '{work_dir}/few_shot',
                 short_side: Optional[int] = FEW_SHOT_SHORT_SIDE,
                 bound_th: float = FEW_SHOT_BOUND_TH,
                 expression_bound_th: float = 0.008,
                 resume: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.outfile_prefix = outfile_prefix
        self.short_side = short_side
        self.bound_th = bound_th
        self.expression_bound_th = expression_bound_th
        self.resume = resume
        self._finished: Optional[Dict[str, dict]] = None
        self._num_evaluations = 0  # only the first evaluation resumes (validation evaluates every epoch)
        self._warned_size = False

    @property
    def episodes_file(self) -> str:
        """This rank's JSONL file of finished episodes."""
        rank = get_rank()
        name = 'episodes.jsonl' if rank == 0 else f'episodes.rank{rank}.jsonl'
        return osp.join(output_prefix(self.outfile_prefix), name)

    def episode_files(self) -> List[str]:
        """The JSONL files of all ranks."""
        return sorted(glob.glob(osp.join(output_prefix(self.outfile_prefix), 'episodes*.jsonl')))

    def load_finished(self) -> Dict[str, dict]:
        """The records of the episode files by key (a line cut by a crash is skipped with a warning)."""
        finished: Dict[str, dict] = {}
        for path in self.episode_files():
            with open(path, encoding='utf-8') as f:
                for line_no, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError:
                        MMLogger.get_current_instance().warning(
                            f'{path}:{line_no} is not a complete JSON line (a stopped write?); ignored')
                        continue
                    finished[record['key']] = record
        return finished

    def _prepare_file(self) -> None:
        """On the first episode of an evaluation: load the finished ones (resume), or move an earlier run's
        file aside; a later evaluation of this metric (validation each epoch) starts its own file anew."""
        if self._finished is not None:
            return
        mkdir_or_exist(output_prefix(self.outfile_prefix))
        path = self.episodes_file
        resuming = self.resume and self._num_evaluations == 0
        self._finished = self.load_finished() if resuming else {}
        if self._num_evaluations > 0:
            open(path, 'w').close()
        elif resuming and osp.isfile(path):
            _drop_partial_line(path)
        elif osp.isfile(path) and osp.getsize(path) > 0:
            n = 0
            while osp.exists(f'{path}.bak{n}'):
                n += 1
            os.replace(path, f'{path}.bak{n}')
            MMLogger.get_current_instance().warning(
                f'{path} held episodes of an earlier run: moved to {path}.bak{n} (resume=True reuses them)')

    def score_episode(self, sample: Any) -> dict:
        """The record of one episode (:func:`episode_record`) from its query frames with gt."""
        frames = get_frames(sample)
        roles = [get_meta(f, 'frame_role') for f in frames]
        if 'query' not in roles:
            raise KeyError(f'no frame has frame_role="query" (roles: {sorted(set(map(str, roles)))}); '
                           'FewShotJFMetric scores few-shot episodes')
        query = [f for f, role in zip(frames, roles) if role == 'query']
        episode = get_meta(query[0], 'episode', get_meta(sample, 'episode'))
        if episode is None:
            raise KeyError('the query frames have no "episode" metainfo')
        scored = [f for f in query if frame_has_gt(f)]
        names = [get_meta(f, 'frame_name', get_meta(f, 'frame_id')) for f in scored]
        if not scored:
            return episode_record(episode, [], [], names, expression_J=None, expression_F=None,
                                  num_unannotated=len(query))
        gt = np.stack([frame_gt_union(f) for f in scored])
        pred = np.stack([frame_pred_union(f) for f in scored])
        size = gt.shape[1:] if self.short_side is None else short_side_size(gt.shape[1:], self.short_side)
        resized = [_resized_pred(f) for f in scored]
        at_eval_size = all(r is not None and r.shape == size for r in resized)
        if not at_eval_size and any(r is not None for r in resized) and not self._warned_size:
            shapes = sorted({r.shape for r in resized if r is not None})
            MMLogger.get_current_instance().warning(
                f'episode {episode_key(episode)!r}: resized_masks of shape {shapes} are not all at the '
                f'evaluation size {size} (torchvision Resize({self.short_side}) of {gt.shape[1:]}; a resize '
                'that rounds the long side differs by a pixel): scoring the masks at ori_shape resized to '
                'it instead (warned once)')
            self._warned_size = True
        j_values, f_values = few_shot_frame_measures(
            gt, np.stack(resized) if at_eval_size else pred, self.short_side, self.bound_th,
            pred_at_eval_size=at_eval_size)
        expression_j, expression_f = expression_jf(gt, pred, bound_th=self.expression_bound_th)
        return episode_record(episode, j_values, f_values, names, expression_J=expression_j,
                              expression_F=expression_f, num_unannotated=len(query) - len(scored))

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Score each episode (or take it from the file when resuming) and append it to the JSONL file."""
        self._prepare_file()
        for sample in data_samples:
            frames = get_frames(sample)
            query = [f for f in frames if get_meta(f, 'frame_role') == 'query']
            episode = get_meta(query[0], 'episode') if query else None
            key = episode_key(episode) if episode is not None else None
            if key is not None and key in self._finished:
                self.results.append(self._finished[key])
                continue
            try:
                record = self.score_episode(sample)
            except Exception as err:
                raise RuntimeError(f'episode {key or get_meta(sample, "video_id")!r}: {err}') from err
            with open(self.episodes_file, 'a', encoding='utf-8') as f:
                f.write(json.dumps(record) + '\n')
                f.flush()
                os.fsync(f.fileno())
            self.results.append(record)

    def evaluate(self, size: int) -> dict:
        """mmengine's ``evaluate`` (all ranks); then a next evaluation starts a new file."""
        try:
            return super().evaluate(size)
        finally:
            self._finished = None
            self._num_evaluations += 1

    def compute_metrics(self, results: List[dict]) -> Dict[str, Any]:
        """Per fold and over folds the official J, F, J&F and the standard per-expression J&F.

        Returns:
            dict: ``J``, ``F``, ``J&F`` (the mean over folds, for several seeds the mean over seeds),
            ``expression_J&F``, ``expression_J``, ``expression_F``, ``fold<g>/...`` of each fold,
            ``num_episodes``, ``num_frames``, ``support_seed``; with several seeds ``seed<s>/...`` and
            ``seed_std/J`` ... (sample std over seeds).
        """
        records = {r['key']: r for r in results}
        if self.resume and self._num_evaluations == 0:  # episodes finished by an earlier, stopped run
            pairs = {(r['episode']['fold'], r['episode'].get('support_seed')) for r in results}
            for key, record in self.load_finished().items():
                episode = record['episode']
                if key not in records and (episode['fold'], episode.get('support_seed')) in pairs:
                    records[key] = record
        records_list = list(records.values())
        summary = summarize_few_shot(records_list)
        metrics: Dict[str, Any] = {}
        per_seed = {}
        for seed, folds in summary.items():
            seed_metrics: Dict[str, Any] = {}
            fold_ids = [fold for fold in folds if fold != 'mean']
            expression = {}
            for fold in fold_ids:
                group = NO_FOLD if fold is None else f'fold{fold}'
                for name in ('J', 'F', 'J&F', 'num_frames', 'num_episodes'):
                    seed_metrics[f'{group}/{name}'] = folds[fold][name]
                scored = [r for r in records_list if r['episode']['fold'] == fold
                          and r['episode'].get('support_seed') == seed and r.get('expression_J') is not None]
                expression[fold] = summarize_expressions([r['expression_J'] for r in scored],
                                                         [r['expression_F'] for r in scored])
                seed_metrics[f'{group}/expression_J&F'] = expression[fold]['J&F']
            for name in SUMMARY_NAMES:
                seed_metrics[name] = folds['mean'][name]
                seed_metrics[f'expression_{name}'] = float(np.mean([expression[f][name] for f in fold_ids]))
            per_seed[seed] = seed_metrics
        if len(per_seed) == 1:
            (seed, metrics), = per_seed.items()
            metrics['support_seed'] = seed
        elif per_seed:
            for seed, seed_metrics in per_seed.items():
                metrics.update({f'seed{seed}/{name}': value for name, value in seed_metrics.items()})
            for name in SUMMARY_NAMES + tuple(f'expression_{n}' for n in SUMMARY_NAMES):
                values = [m[name] for m in per_seed.values()]
                metrics[name], metrics[f'seed_std/{name}'] = seed_statistics(values)
            metrics['support_seed'] = list(per_seed)
        metrics['num_episodes'] = len(records_list)
        metrics['num_frames'] = sum(int(r['num_frames']) for r in records_list)
        unannotated = sum(int(r.get('num_unannotated', 0)) for r in records_list)
        if unannotated:
            MMLogger.get_current_instance().warning(
                f'{unannotated} query frames have no gt and are not scored')
        return metrics
