# Copyright (c) mmrvos contributors. All rights reserved.
"""Few-shot RVOS over several support seeds (and folds): J and F per fold, over folds, mean and spread.

``python tools/analysis_tools/few_shot_seeds.py --run CONFIG CHECKPOINT [--run CONFIG2 CHECKPOINT2 ...]
--seeds 1 2 3 4 5 --work-dir work_dirs/cma_seeds [--cfg-options ...]``

Each (config, checkpoint) pair is usually one fold (the configs of the 4 folds with their checkpoints).
For every pair and seed the test is run with ``tools/test.py`` (in this process) with
``--cfg-options test_dataloader.dataset.support_seed=SEED`` and its own work_dir
``<work-dir>/<config name>/seed<SEED>`` (``<config name>_<checkpoint name>`` when pairs share a
config), whose ``FewShotJFMetric`` writes ``few_shot/episodes.jsonl`` as episodes finish; the returned
metrics are saved to ``few_shot_results.json`` there. Then:

* per fold (from the ``few_shot/fold<g>/J`` and ``.../F`` of each run; a dataset without folds, such as
  Mini-Ref-SAIL-VOS tested with each fold's checkpoint, is labelled by the run's name): the mean and
  spread over seeds;
* per seed the mean over folds, and the mean and spread of that over seeds (the paper's figure, done
  for real instead of dividing one run by 5 as the official ``test.py`` prints).

The spread is the sample standard deviation over seeds (``ddof=1``, see
:func:`mmrvos.evaluation.functional.seed_statistics`). The summary is printed and written to
``<work-dir>/few_shot_seeds.json``.

Restarting the command reuses every run whose ``few_shot_results.json`` says it is complete and resumes the
others (``test_evaluator.resume=True``: episodes already in ``episodes.jsonl`` are not scored again).
``--collect-only`` only summarises the existing result files. A run that stopped early or skipped broken
videos (``coverage/...`` keys) is not complete and is refused in the summary.
"""
import argparse
import json
import os
import os.path as osp
import re
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence

RESULTS_FILE = 'few_shot_results.json'
SUMMARY_FILE = 'few_shot_seeds.json'
INCOMPLETE_KEYS = ('coverage/num_skipped', 'coverage/stopped_at')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Few-shot RVOS test over several support seeds and folds')
    parser.add_argument('--run', nargs=2, action='append', required=True, metavar=('CONFIG', 'CHECKPOINT'),
                        help='a config and its checkpoint (one per fold); repeat for several folds')
    parser.add_argument('--seeds', type=int, nargs='+', required=True, help='the support seeds')
    parser.add_argument('--work-dir', required=True, help='folder of the runs and of the summary')
    parser.add_argument('--prefix', default='few_shot', help='prefix of the FewShotJFMetric keys')
    parser.add_argument('--seed-key', default='test_dataloader.dataset.support_seed',
                        help='config key of the support seed')
    parser.add_argument('--collect-only', action='store_true', help='only summarise existing result files')
    parser.add_argument('--cfg-options', nargs='+', default=[], help='key=value passed on to tools/test.py')
    return parser.parse_args(argv)


def _stem(path: str) -> str:
    return osp.splitext(osp.basename(path))[0]


def run_names(pairs: Sequence[Sequence[str]]) -> List[str]:
    """A folder name per (config, checkpoint): the config's file name, with the checkpoint's when several
    pairs share a config (Mini-Ref-SAIL-VOS: one config, the checkpoints of the 4 folds)."""
    configs = [_stem(config) for config, _ in pairs]
    names = [c if configs.count(c) == 1 else f'{c}_{_stem(ckpt)}' for c, (_, ckpt) in zip(configs, pairs)]
    if len(set(names)) < len(names):
        raise ValueError(f'two runs would share a folder: {names} (give configs or checkpoints other names)')
    return names


def build_test_argv(config: str, checkpoint: str, seed: int, out_dir: str, seed_key: str, resume: bool,
              cfg_options: Sequence[str]) -> List[str]:
    """The ``tools/test.py`` arguments of one run."""
    options = [f'{seed_key}={seed}'] + (['test_evaluator.resume=True'] if resume else []) + list(cfg_options)
    return [config, checkpoint, '--work-dir', out_dir, '--cfg-options'] + options


def default_run_test(argv: List[str]) -> Dict[str, Any]:
    """``tools/test.py``'s ``main`` (returns the metrics)."""
    from mmrvos.testing import load_script
    return load_script('tools/test.py').main(argv)


def is_complete(metrics: Dict[str, Any]) -> bool:
    """Whether a run went over its whole test set (no ``coverage/...`` entry says otherwise)."""
    return not any(key in metrics for key in INCOMPLETE_KEYS)


def run_all(args: argparse.Namespace, run_test: Callable[[List[str]], Dict[str, Any]]) -> List[str]:
    """Run (or reuse) every (config, checkpoint, seed); returns the result files."""
    files = []
    for name, (config, checkpoint) in zip(run_names(args.run), args.run):
        for seed in args.seeds:
            out_dir = osp.join(args.work_dir, name, f'seed{seed}')
            path = osp.join(out_dir, RESULTS_FILE)
            files.append(path)
            if args.collect_only:
                continue
            if osp.isfile(path):
                with open(path, encoding='utf-8') as f:
                    if json.load(f).get('complete'):
                        print(f'{config} seed {seed}: complete results in {path}, not run again')
                        continue
            resume = osp.isfile(osp.join(out_dir, 'few_shot', 'episodes.jsonl'))
            print(f'{config} seed {seed}: testing{" (resuming)" if resume else ""} in {out_dir}')
            metrics = run_test(build_test_argv(config, checkpoint, seed, out_dir, args.seed_key, resume,
                                         args.cfg_options))
            os.makedirs(out_dir, exist_ok=True)
            record = dict(name=name, config=config, checkpoint=checkpoint, seed=seed,
                          complete=is_complete(metrics), metrics=metrics)
            with open(path, 'w', encoding='utf-8') as f:
                json.dump(record, f, indent=1)
    return files


def fold_results(path: str, prefix: str) -> List[Dict[str, Any]]:
    """(fold, seed, J, F) of each fold in one run's result file; a dataset without folds (``all_classes``
    keys) is labelled by the run's name.

    Raises:
        ValueError: when the file is missing, the run is incomplete, has no fold, or its support seed
            is not the requested one (the seed option did not reach the dataset).
    """
    if not osp.isfile(path):
        raise ValueError(f'{path} does not exist: run the test first (without --collect-only)')
    with open(path, encoding='utf-8') as f:
        record = json.load(f)
    metrics, seed = record['metrics'], record['seed']
    if not record.get('complete'):
        raise ValueError(f'{path}: the run did not cover its whole test set '
                         f'({ {k: metrics[k] for k in INCOMPLETE_KEYS if k in metrics} }); run it again')
    reported = metrics.get(f'{prefix}/support_seed')
    if reported != seed:
        raise ValueError(f'{path}: the episodes used support seed {reported!r}, not {seed}: the seed option '
                         'did not reach the dataset (see --seed-key)')
    pattern = re.compile(rf'^{re.escape(prefix)}/(fold(.+)|all_classes)/J$')
    groups = [(m.group(1), m.group(2)) for m in map(pattern.match, metrics) if m]
    if not groups:
        raise ValueError(f'{path}: no {prefix}/fold<g>/J entry (is FewShotJFMetric the test evaluator?)')
    return [dict(fold=record['name'] if g is None else int(g) if g.isdigit() else g, seed=seed,
                 J=metrics[f'{prefix}/{group}/J'], F=metrics[f'{prefix}/{group}/F']) for group, g in groups]


def format_summary(summary: Dict[str, Any]) -> str:
    """A table: per fold and over folds the mean +- sample std over seeds, then each seed's means."""

    def cell(stat):
        mean, std = stat
        return f'{100 * mean:6.2f} +- {100 * std:5.2f}' if std == std else f'{100 * mean:6.2f}'

    lines = [f'seeds: {summary["seeds"]} (mean +- sample std over seeds, in %)',
             f'{"fold":<16}{"J":>18}{"F":>18}{"J&F":>18}']
    names = ('J', 'F', 'J&F')
    for fold, stats in summary['folds'].items():
        lines.append(f'{"fold " + str(fold):<16}' + ''.join(f'{cell(stats[n]):>18}' for n in names))
    lines.append(f'{"mean over folds":<16}' + ''.join(f'{cell(summary["mean"][n]):>18}' for n in names))
    for seed, values in summary['per_seed'].items():
        lines.append(f'{"seed " + str(seed):<16}' + ''.join(f'{100 * values[n]:>18.2f}' for n in names))
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None,
         run_test: Optional[Callable[[List[str]], Dict[str, Any]]] = None) -> Dict[str, Any]:
    """Run the seeds, summarise them, print and write ``few_shot_seeds.json``; returns the summary."""
    args = parse_args(argv)
    from mmrvos.evaluation.functional import summarize_seeds
    files = run_all(args, run_test or default_run_test)
    runs = [entry for path in files for entry in fold_results(path, args.prefix)]
    summary = summarize_seeds(runs)
    print(format_summary(summary))
    out = dict(summary, runs=runs, result_files=files)
    with open(osp.join(args.work_dir, SUMMARY_FILE), 'w', encoding='utf-8') as f:
        json.dump(out, f, indent=1, default=str)
    return out


if __name__ == '__main__':
    try:
        main()
    except ValueError as err:
        sys.exit(f'error: {err}')
