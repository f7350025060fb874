# Copyright (c) mmrvos contributors. All rights reserved.
"""Plot loss / metric curves from mmengine json logs, and compute the training time (as mmdet's tool).

::

    python tools/analysis_tools/analyze_logs.py plot_curve work_dirs/my_exp --keys loss lr --out curves.png
    python tools/analysis_tools/analyze_logs.py plot_curve a.json b.json --keys J\\&F --legend run-a run-b
    python tools/analysis_tools/analyze_logs.py cal_train_time work_dirs/my_exp

A log is a ``<timestamp>.json`` written by mmengine's ``LoggerHook``, or a work dir, whose runs (e.g. a
training and its resumptions) are read in time order and joined. Training lines (they have ``lr``) are
plotted against the global iteration, validation lines against their step (epoch or iteration); test
results (no step) are not plotted.
"""
import argparse
import glob
import json
import os.path as osp
import re
import sys
from typing import Dict, List

import numpy as np

TIMESTAMP = re.compile(r'\d{8}_\d{6}')


def find_json_logs(path: str) -> List[str]:
    """The json logs of a work dir, oldest run first, or ``[path]`` for a file.

    mmengine's ``LoggerHook`` writes ``<timestamp>.json`` into ``<work_dir>/<run>/vis_data/`` (training)
    or ``<work_dir>/<run>/`` (a test run); a run resumed in the same process writes into the first run's
    ``vis_data``. All ``<timestamp>.json`` files found there are read, in timestamp order.
    """
    if osp.isfile(path):
        return [path]
    if not osp.isdir(path):
        raise FileNotFoundError(f'log {path!r} is neither a json file nor a work dir')
    logs = {}
    for pattern in ('*/vis_data/*.json', '*/*.json'):
        for log in glob.glob(osp.join(path, pattern)):
            if TIMESTAMP.fullmatch(osp.splitext(osp.basename(log))[0]):
                logs.setdefault(osp.basename(log), log)
    if not logs:
        raise FileNotFoundError(f'no json log (<run>/vis_data/<timestamp>.json) under {path!r}')
    return [logs[name] for name in sorted(logs)]


def load_log(path: str) -> Dict[str, Dict[str, list]]:
    """Read one log (file or work dir) into ``{'train': {key: [(step, value)]}, 'val': {...}}``."""
    curves: Dict[str, Dict[str, list]] = dict(train={}, val={})
    for json_log in find_json_logs(path):
        with open(json_log) as f:
            for line_no, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ValueError(f'{json_log}:{line_no} is not a json line: {e}') from None
                if 'step' not in entry:
                    continue
                mode = 'train' if 'lr' in entry else 'val'
                for key, value in entry.items():
                    if key in ('step', 'epoch', 'iter') or not isinstance(value, (int, float)):
                        continue
                    curves[mode].setdefault(key, []).append((entry['step'], float(value)))
    return curves


def plot_curve(args: argparse.Namespace) -> str:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    logs = [load_log(p) for p in args.json_logs]
    legend = args.legend or [osp.basename(osp.normpath(p)) for p in args.json_logs]
    if len(legend) != len(logs):
        raise ValueError(f'{len(legend)} legend entries for {len(logs)} logs')
    fig, axes = plt.subplots(len(args.keys), 1, figsize=(8, 3 * len(args.keys)), squeeze=False)
    for ax, key in zip(axes[:, 0], args.keys):
        found = False
        for curves, name in zip(logs, legend):
            for mode in ('train', 'val'):
                if key in curves[mode]:
                    steps, values = np.asarray(curves[mode][key]).T
                    ax.plot(steps, values, marker='o' if mode == 'val' else None, label=f'{name} {key}')
                    ax.set_xlabel('iter' if mode == 'train' else 'step')
                    found = True
        if not found:
            available = sorted({k for c in logs for m in c.values() for k in m})
            raise KeyError(f'key {key!r} is in none of the logs; available keys: {available}')
        ax.set_ylabel(key)
        ax.legend()
        ax.grid(alpha=0.3)
    if args.title:
        fig.suptitle(args.title)
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    plt.close(fig)
    print(f'saved {args.out}')
    return args.out


def cal_train_time(args: argparse.Namespace) -> List[dict]:
    """Average iteration time per log (the ``time`` key of the training lines)."""
    stats = []
    for path in args.json_logs:
        times = np.asarray([v for _, v in load_log(path)['train'].get('time', [])])
        if not times.size:
            raise ValueError(f'{path!r} has no training iteration times')
        stats.append(dict(log=path, mean=float(times.mean()), std=float(times.std()),
                          slowest=float(times.max()), fastest=float(times.min())))
        print(f'{"-" * 5}Analyze train time of {path}{"-" * 5}\n'
              f'average iter time: {times.mean():.4f} s/iter (std {times.std():.4f}, '
              f'fastest {times.min():.4f}, slowest {times.max():.4f}; per logged interval)')
    return stats


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Analyze mmengine json logs')
    sub = parser.add_subparsers(dest='task', required=True)
    plot = sub.add_parser('plot_curve', help='plot curves of some keys to a PNG')
    plot.add_argument('json_logs', nargs='+', help='json logs or work dirs')
    plot.add_argument('--keys', nargs='+', default=['loss'], help='keys to plot (one panel each)')
    plot.add_argument('--title', default=None, help='figure title')
    plot.add_argument('--legend', nargs='+', default=None, help='one legend name per log')
    plot.add_argument('--out', default='curves.png', help='output image')
    timing = sub.add_parser('cal_train_time', help='average training iteration time')
    timing.add_argument('json_logs', nargs='+', help='json logs or work dirs')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        if args.task == 'plot_curve':
            plot_curve(args)
        else:
            cal_train_time(args)
    except (FileNotFoundError, KeyError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
