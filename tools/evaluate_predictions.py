# Copyright (c) mmrvos contributors. All rights reserved.
"""Score a folder of predicted masks (from any method) with the official RVOS metrics.

Examples::

    # Ref-DAVIS17: <pred>/anno_{0..3}/<seq>/<frame>.png index PNGs (or <pred>/<seq>/... for one run)
    python tools/evaluate_predictions.py ref-davis work_dirs/soc/valid --gt-root data/ref-davis/DAVIS
    # MeViS valid_u: <pred>/<video>/<exp_id>/<frame>.png
    python tools/evaluate_predictions.py mevis work_dirs/mevis --gt-root data/mevis/valid_u --json out.json
    # Ref-YouTube-VOS split with gt: <pred>[/Annotations]/<video>/<exp_id>/<frame>.png
    python tools/evaluate_predictions.py ref-ytvos work_dirs/ytvos --gt-root data/ref-youtube-vos \
        --split train
    # A2D-Sentences / JHMDB-Sentences: COCO results json against the COCO gt json
    python tools/evaluate_predictions.py a2d preds.segm.json \
        --gt-json data/a2d_sentences/a2d_sentences_test_annotations_in_coco_format.json

Every expression (Ref-DAVIS17: every sequence of every annotator run) without a readable prediction
(missing or undecodable PNG, wrong size) is scored 0, as the official evaluations do, and listed
(``missing_predictions`` in the ``--json`` output). An error in the ground truth of one video is printed
with the video name and the other videos are still scored; such videos are listed, the metrics say how
many were not scored (``num_videos_not_scored``) and the tool exits with status 1. A prediction folder
that does not exist and a malformed ground-truth file are errors that name the path.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
from mmengine.utils import ProgressBar

from mmrvos.datasets.base_rvos_dataset import BaseRVOSDataset
from mmrvos.evaluation.functional import (
    DEFAULT_IOU_THRESHOLDS,
    coco_mask_ap,
    decode_rle_union,
    expression_jf,
    precision_at_k_and_iou,
    read_binary_png,
    read_binary_sequence,
    read_davis_gt,
    read_index_png,
    read_index_sequence,
    split_label_map,
    summarize_davis_objects,
    summarize_expressions,
    unsupervised_jf,
)

DATASETS = ('ref-davis', 'mevis', 'ref-ytvos', 'a2d', 'jhmdb')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Score predicted masks with the official RVOS metrics')
    parser.add_argument('dataset', choices=DATASETS)
    parser.add_argument('pred', help='prediction folder (COCO results json for a2d/jhmdb)')
    parser.add_argument('--gt-root', help='ref-davis: DAVIS folder; mevis: split folder with '
                        'meta_expressions.json and mask_dict.json; ref-ytvos: dataset root')
    parser.add_argument('--split', default='train',
                        help='ref-ytvos: the split scored, <gt-root>/<split>/Annotations and '
                        '<gt-root>/meta_expressions/<split> (default: %(default)s; the synthetic '
                        'benchmark scores valid)')
    parser.add_argument('--gt-json', help='a2d/jhmdb: COCO-format gt json')
    parser.add_argument('--protocol', choices=('all_queries', 'top1'), default='all_queries',
                        help='a2d/jhmdb: predictions given to COCOeval (default: all, as the official code)')
    parser.add_argument('--bound-th', type=float, default=0.008, help='boundary tolerance of F')
    parser.add_argument('--json', help='write the results to this json file')
    return parser.parse_args()


def run_guarded(names: List[str], score: Callable[[str], object],
                errors: Dict[str, str]) -> Dict[str, object]:
    """Score every name with a progress bar; an exception is recorded under the name and skipped."""
    results = {}
    progress = ProgressBar(len(names), file=sys.stderr)
    for name in names:
        try:
            results[name] = score(name)
        except Exception as err:  # keep going: one bad video never loses the others
            errors[name] = f'{type(err).__name__}: {err}'
            print(f'\nerror in {name}: {errors[name]}', file=sys.stderr)
        progress.update()
    print(file=sys.stderr)
    return results


def read_prediction(read: Callable[..., np.ndarray], folder: str, frame_names: List[str],
                    shape: Optional[Tuple[int, ...]], name: str,
                    missing: Dict[str, str]) -> Optional[np.ndarray]:
    """``read(folder, frame_names)``, or None (the reason kept in ``missing[name]``) when the prediction
    is absent, undecodable or not of the gt's (H, W) ``shape``."""
    if not osp.isdir(folder):
        missing[name] = f'no prediction folder {folder}'
        return None
    try:
        pred = read(folder, frame_names)
    except (OSError, ValueError) as err:
        missing[name] = f'{type(err).__name__}: {err}'
        return None
    if shape is not None and pred.shape[1:] != tuple(shape):
        missing[name] = f'prediction size {pred.shape[1:]} in {folder} != gt size {tuple(shape)}'
        return None
    return pred


def evaluate_ref_davis(args: argparse.Namespace, errors: Dict[str, str],
                       missing: Dict[str, str]) -> Tuple[dict, dict]:
    gt_dir = osp.join(args.gt_root, 'Annotations_unsupervised', '480p')
    sequences = read_lines(osp.join(args.gt_root, 'ImageSets', '2017', 'val.txt'))
    runs = sorted(d for d in os.listdir(args.pred)
                  if d.startswith('anno_') and osp.isdir(osp.join(args.pred, d)))
    run_dirs = {run: osp.join(args.pred, run) for run in runs} or {'results': args.pred}

    def score(seq: str) -> Dict[str, list]:
        gt, void, names = read_davis_gt(osp.join(gt_dir, seq))
        per_run = {}
        for run, run_dir in run_dirs.items():
            labels = read_prediction(
                read_index_sequence, osp.join(run_dir, seq), names, gt.shape[2:], f'{run}/{seq}', missing)
            if labels is None:  # every object of the sequence scores 0
                zeros = np.zeros(gt.shape[:2]).tolist()
                per_run[run] = [zeros, zeros]
                continue
            j_values, f_values = unsupervised_jf(gt, split_label_map(labels), void, args.bound_th)
            per_run[run] = [[j.tolist() for j in j_values], [f.tolist() for f in f_values]]
        return per_run

    per_seq = run_guarded(sequences, score, errors)
    per_run = {}
    for run in run_dirs:
        j_all = [np.array(j) for seq in sequences if seq in per_seq for j in per_seq[seq][run][0]]
        f_all = [np.array(f) for seq in sequences if seq in per_seq for f in per_seq[seq][run][1]]
        per_run[run] = summarize_davis_objects(j_all, f_all)
    metrics = {k: float(np.mean([r[k] for r in per_run.values()])) for k in next(iter(per_run.values()))}
    for run, values in per_run.items():
        metrics[f'J&F_{run}'] = values['J&F']
    details = {}  # per sequence and run: J-Mean and F-Mean of each matched object
    for seq, seq_runs in per_seq.items():
        details[seq] = {run: {'J-Mean': [float(np.mean(v)) for v in jf[0]],
                              'F-Mean': [float(np.mean(v)) for v in jf[1]]} for run, jf in seq_runs.items()}
    return metrics, details


def _score_expressions(videos: dict, pred_root: str, gt_of: Callable, bound_th: float,
                       errors: Dict[str, str], missing: Dict[str, str]) -> Tuple[dict, dict]:
    """Per-expression J and F; an expression without a readable prediction scores 0 (as MeViS's
    evaluator) and is listed in ``missing``."""

    def score(video: str) -> Dict[str, list]:
        info = videos[video]
        out = {}
        for exp_id, exp in info['expressions'].items():
            gt = gt_of(video, exp)
            pred = read_prediction(read_binary_sequence, osp.join(pred_root, video, exp_id), info['frames'],
                                   gt.shape[1:], f'{video}/{exp_id}', missing)
            out[exp_id] = [0.0, 0.0] if pred is None else list(expression_jf(gt, pred, None, bound_th))
        return out

    per_video = run_guarded(sorted(videos), score, errors)
    per_exp = {f'{v}_{e}': jf for v, exps in per_video.items() for e, jf in exps.items()}
    metrics = summarize_expressions([jf[0] for jf in per_exp.values()], [jf[1] for jf in per_exp.values()])
    metrics['num_expressions'] = len(per_exp)
    return metrics, per_exp


def evaluate_mevis(args: argparse.Namespace, errors: Dict[str, str],
                   missing: Dict[str, str]) -> Tuple[dict, dict]:
    videos = BaseRVOSDataset.get_key(load_json(osp.join(args.gt_root, 'meta_expressions.json')), 'videos',
                                     osp.join(args.gt_root, 'meta_expressions.json'))
    mask_dict = load_json(osp.join(args.gt_root, 'mask_dict.json'))

    def gt_of(video: str, exp: dict) -> np.ndarray:
        frames = range(len(videos[video]['frames']))
        rles = [[mask_dict[str(a)][t] for a in exp['anno_id']] for t in frames]
        shape = next((tuple(r['size']) for frame in rles for r in frame if r), None)
        if shape is None:  # no object in any frame: the size comes from the first prediction PNG
            shape = frame_size(osp.join(args.pred, video), videos[video])
        return np.stack([decode_rle_union(frame, shape) for frame in rles])

    return _score_expressions(videos, args.pred, gt_of, args.bound_th, errors, missing)


def frame_size(video_dir: str, info: dict) -> Tuple[int, int]:
    """(H, W) of the first readable prediction PNG of a video (for a gt that is empty everywhere)."""
    for exp_id in info['expressions']:
        path = osp.join(video_dir, exp_id, f'{info["frames"][0]}.png')
        if osp.isfile(path):
            return read_binary_png(path).shape
    raise ValueError(f'the gt of {video_dir} is empty in every frame and no prediction gives the frame size')


def evaluate_ref_ytvos(args: argparse.Namespace, errors: Dict[str, str],
                       missing: Dict[str, str]) -> Tuple[dict, dict]:
    exp_file = osp.join(args.gt_root, 'meta_expressions', args.split, 'meta_expressions.json')
    videos = BaseRVOSDataset.get_key(load_json(exp_file), 'videos', exp_file)
    print(f'ref-ytvos: scoring split {args.split!r} ({exp_file})', file=sys.stderr)
    ann_dir = osp.join(args.gt_root, args.split, 'Annotations')
    pred_root = args.pred
    if osp.isdir(osp.join(args.pred, 'Annotations')):  # a submission folder
        pred_root = osp.join(args.pred, 'Annotations')

    cache: Dict[str, np.ndarray] = {}

    def gt_of(video: str, exp: dict) -> np.ndarray:
        if 'obj_id' not in exp:
            raise KeyError(f'expression "{exp.get("exp")}" has no obj_id: this split has no gt')
        if video not in cache:  # read each video's object-id maps once
            cache.clear()
            cache[video] = np.stack(
                [read_index_png(osp.join(ann_dir, video, f'{name}.png')) for name in videos[video]['frames']])
        return cache[video] == int(exp['obj_id'])

    return _score_expressions(videos, pred_root, gt_of, args.bound_th, errors, missing)


def evaluate_coco(args: argparse.Namespace, errors: Dict[str, str],
                  missing: Dict[str, str]) -> Tuple[dict, dict]:
    from pycocotools.coco import COCO
    coco_gt = COCO()
    coco_gt.dataset = load_json(args.gt_json)
    coco_gt.createIndex()
    predictions = load_json(args.pred, 'prediction file')
    if args.protocol == 'top1':
        best = {}
        for pred in predictions:  # stable: the last among equal scores wins, as the official top-1
            if pred['image_id'] not in best or pred['score'] >= best[pred['image_id']]['score']:
                best[pred['image_id']] = pred
        predictions = list(best.values())
    coco_pred = coco_gt.loadRes(predictions)
    metrics = coco_mask_ap(coco_gt, coco_pred)
    metrics.update(precision_at_k_and_iou(coco_gt, coco_pred, DEFAULT_IOU_THRESHOLDS))
    return metrics, {}


def read_lines(path: str) -> List[str]:
    """The non-empty lines of a text file (a sequence list), naming the file when it is missing."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'ground-truth file not found: {path}')
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def load_json(path: str, what: str = 'ground-truth file') -> object:
    """A JSON file; a missing or malformed one raises an error naming it."""
    return BaseRVOSDataset.load_json(path, what)


def print_table(dataset: str, metrics: dict, errors: Dict[str, str], missing: Dict[str, str]) -> None:
    keys = [k for k in metrics if not isinstance(metrics[k], (dict, list))]
    width = max(len(k) for k in keys)
    print(f'\n{dataset} results')
    print('-' * (width + 13))
    for key in keys:
        value = metrics[key]
        text = f'{value:>10.4f}' if isinstance(value, float) else f'{value:>10}'
        print(f'{key:<{width}}  {text}')
    print('-' * (width + 13))
    if missing:
        print(f'{len(missing)} without a readable prediction (scored 0): ' + ', '.join(sorted(missing)))
    if errors:
        print(f'{len(errors)} videos failed (not scored, the metrics are over the others): ' +
              ', '.join(sorted(errors)))


def main() -> int:
    """Score, print the table, write ``--json``; returns 1 when some video could not be scored."""
    args = parse_args()
    if args.dataset in ('a2d', 'jhmdb'):
        if not args.gt_json:
            raise SystemExit('--gt-json is required for a2d/jhmdb')
        if not osp.isfile(args.pred):
            raise SystemExit(f'error: prediction file {args.pred} does not exist')
    else:
        if not args.gt_root:
            raise SystemExit(f'--gt-root is required for {args.dataset}')
        if not osp.isdir(args.pred):
            raise SystemExit(f'error: prediction folder {args.pred} does not exist')
    evaluate = {'ref-davis': evaluate_ref_davis, 'mevis': evaluate_mevis, 'ref-ytvos': evaluate_ref_ytvos,
                'a2d': evaluate_coco, 'jhmdb': evaluate_coco}[args.dataset]
    errors: Dict[str, str] = {}
    missing: Dict[str, str] = {}
    try:
        metrics, details = evaluate(args, errors, missing)
    except (OSError, ValueError) as err:  # the ground truth itself: missing or malformed files
        raise SystemExit(f'error: {err}') from None
    metrics['num_missing_predictions'] = len(missing)
    if errors:
        metrics['num_videos_not_scored'] = len(errors)
    print_table(args.dataset, metrics, errors, missing)
    if args.json:
        with open(args.json, 'w') as f:
            result = dict(dataset=args.dataset, metrics=metrics, details=details, errors=errors,
                          missing_predictions=missing)
            if args.dataset == 'ref-ytvos':
                result['split'] = args.split
            json.dump(result, f, indent=1)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
