# Copyright (c) mmrvos contributors. All rights reserved.
"""Time J&F of one sequence: mmrvos against (optionally) the official davis2017-evaluation code.

Example::

    python tools/analysis_tools/benchmark_metrics.py --official /path/to/davis2017-evaluation \
        --official-python /path/to/venv/bin/python

The masks are synthetic moving ellipses with a wavy predicted contour, (T, H, W) = (100, 480, 854)
by default. With ``--official`` (a checkout of davisvideochallenge/davis2017-evaluation) the same
masks are scored by its ``db_eval_iou`` + ``db_eval_boundary`` in a subprocess run by
``--official-python`` (an interpreter with numpy, opencv and scikit-image, which mmrvos does not
need) and the numbers are compared.
"""
import argparse
import os.path as osp
import subprocess
import sys
import tempfile
import time
from typing import Tuple

import numpy as np

from mmrvos.evaluation.functional import boundary_measure, region_similarity


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark the J&F computation')
    parser.add_argument('--frames', type=int, default=100)
    parser.add_argument('--height', type=int, default=480)
    parser.add_argument('--width', type=int, default=854)
    parser.add_argument('--repeats', type=int, default=5, help='best of this many runs')
    parser.add_argument('--official', help='path of a davis2017-evaluation checkout to compare with')
    parser.add_argument('--official-python', default=sys.executable,
                        help='python that runs the official code (default: this one)')
    return parser.parse_args()


# run by --official-python: times the official J and F once on the saved masks and saves the values
OFFICIAL_SCRIPT = """
import sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
from davis2017.metrics import db_eval_boundary, db_eval_iou
data = np.load(sys.argv[2])
gt, pred = data['gt'], data['pred']
start = time.perf_counter()
j, f = db_eval_iou(gt, pred), db_eval_boundary(gt, pred)
np.savez(sys.argv[3], j=j, f=f, time=time.perf_counter() - start)
"""


def make_masks(num_frames: int, height: int, width: int) -> Tuple[np.ndarray, np.ndarray]:
    """Moving gt ellipses and shifted predictions with a wavy contour, (T, H, W) bool each."""
    yy, xx = np.mgrid[:height, :width].astype(np.float32)
    gt = np.zeros((num_frames, height, width), bool)
    pred = np.zeros_like(gt)
    for t in range(num_frames):
        cy = height / 2 + height / 8 * np.sin(t / 10)
        cx = width / 2 + width / 6 * np.cos(t / 13)
        ry, rx = height / 3.2, width / 4.3
        gt[t] = ((yy - cy) / ry)**2 + ((xx - cx) / rx)**2 <= 1
        pred[t] = ((yy - cy - 5) / (ry - 5))**2 + ((xx - cx + 4) / (rx + 5))**2 <= 1 + 0.05 * np.sin(xx / 7)
    return gt, pred


def time_ours(gt: np.ndarray, pred: np.ndarray) -> Tuple[float, tuple]:
    start = time.perf_counter()
    values = region_similarity(gt, pred), boundary_measure(gt, pred)
    return time.perf_counter() - start, values


def time_official(args: argparse.Namespace, masks: str, out: str) -> Tuple[float, tuple]:
    """One timed run of the official J and F in a subprocess (start-up not counted)."""
    subprocess.run([args.official_python, '-c', OFFICIAL_SCRIPT, args.official, masks, out], check=True)
    with np.load(out) as data:
        return float(data['time']), (data['j'], data['f'])


def main() -> None:
    args = parse_args()
    gt, pred = make_masks(args.frames, args.height, args.width)
    shape = f'({args.frames}, {args.height}, {args.width})'
    ours_times, official_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        masks, out = osp.join(tmp, 'masks.npz'), osp.join(tmp, 'values.npz')
        if args.official:
            np.savez(masks, gt=gt, pred=pred)
        for _ in range(args.repeats):  # interleaved, so both see the same machine load
            seconds, (j_ours, f_ours) = time_ours(gt, pred)
            ours_times.append(seconds)
            if args.official:
                seconds, (j_off, f_off) = time_official(args, masks, out)
                official_times.append(seconds)
    print(f'mmrvos   J&F on {shape}: {min(ours_times):.3f} s best of {args.repeats} '
          f'(J {j_ours.mean():.6f}, F {f_ours.mean():.6f})')
    if args.official:
        print(f'official J&F on {shape}: {min(official_times):.3f} s best of {args.repeats} '
              f'(J {j_off.mean():.6f}, F {f_off.mean():.6f})')
        speed_up = min(official_times) / min(ours_times)
        print(f'speed-up {speed_up:.1f}x; max |dJ| {np.abs(j_off - j_ours).max():.3g}, '
              f'max |dF| {np.abs(f_off - f_ours).max():.3g}')


if __name__ == '__main__':
    main()
