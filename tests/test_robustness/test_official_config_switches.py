# Copyright (c) mmrvos contributors. All rights reserved.
"""Issue 19, cases 3, 6 and 8 in the official configs (configs/):

- every test run uses RVOSTestLoop with ``on_broken_video`` 'stop' (never a silent skip);
- the default runtime draws with RVOSVisualizationHook and RVOSLocalVisualizer (``--show-dir``);
- a metric's ``outfile_prefix`` lies under the run's work_dir (``{work_dir}``), so it follows ``--work-dir``;
- ``--cfg-options train_cfg.max_iters=N`` moves the end of an iteration schedule to N.
"""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from mmrvos.testing import get_config_root

CONFIGS = {osp.basename(p): Config.fromfile(p)
           for p in sorted(glob.glob(osp.join(get_config_root(), '**', '*.py'), recursive=True))
           if '_base_' not in p}
TESTED = [name for name, cfg in CONFIGS.items() if cfg.get('test_cfg') is not None]
ITER_BASED = [name for name, cfg in CONFIGS.items()
              if cfg.get('train_cfg', {}).get('type') == 'IterBasedTrainLoop']


def load(name):
    return CONFIGS[name].copy()


@pytest.mark.parametrize('path', TESTED)
def test_test_runs_stop_at_a_broken_video(path):
    cfg = load(path)
    assert cfg.test_cfg.type == 'RVOSTestLoop' and cfg.test_cfg.get('on_broken_video', 'stop') == 'stop'


@pytest.mark.parametrize('path', sorted(CONFIGS))
def test_outfile_prefix_is_under_the_work_dir(path):
    cfg = load(path)
    for key in ('val_evaluator', 'test_evaluator'):
        evaluators = cfg.get(key) or []
        for evaluator in evaluators if isinstance(evaluators, list) else [evaluators]:
            prefix = evaluator.get('outfile_prefix')
            assert prefix is None or prefix.startswith('{work_dir}'), (key, prefix)


def test_default_runtime_draws_rvos_overlays():
    cfg = Config.fromfile(osp.join(get_config_root(), '_base_', 'default_runtime.py'))
    assert cfg.default_hooks.visualization.type == 'RVOSVisualizationHook'
    assert cfg.visualizer.type == 'RVOSLocalVisualizer'


@pytest.mark.parametrize('path', ITER_BASED)
def test_iteration_schedule_follows_max_iters(path):
    cfg = load(path)
    old = cfg.train_cfg.max_iters
    cfg.merge_from_dict({'train_cfg.max_iters': 2 * old + 7})
    ends = [s.get('end', cfg.train_cfg.max_iters) for s in cfg.param_scheduler]  # mmengine's default end
    assert ends[-1] == 2 * old + 7, cfg.param_scheduler
