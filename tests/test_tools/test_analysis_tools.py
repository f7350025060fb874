# Copyright (c) mmrvos contributors. All rights reserved.
"""tools/analysis_tools: benchmark.py (clip and long-video modes), analyze_logs.py, get_flops.py."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image
from tiny_soc_tool_config import write_tiny_soc_config

from mmrvos.testing import load_script


def _load(name):
    return load_script(f'tools/analysis_tools/{name}.py')


@pytest.fixture(scope='module')
def tiny_soc_config(tmp_path_factory):
    from mmrvos.testing import build_tiny_text_encoder_cfg, tiny_soc_cfg
    tmp = tmp_path_factory.mktemp('tiny_soc')
    model = tiny_soc_cfg(build_tiny_text_encoder_cfg(str(tmp / 'roberta'), embed_dims=128))
    return write_tiny_soc_config(str(tmp), model)


def test_benchmark_clip_mode(tiny_soc_config, capsys):
    benchmark = _load('benchmark')
    assert benchmark.main([tiny_soc_config, '--num-frames', '2', '--shape', '32', '48', '--warmup', '1',
                           '--repeat', '2']) == 0
    out = capsys.readouterr().out
    assert 'latency per clip' in out and 'FPS' in out and 'peak memory: RSS ' in out
    # the Resize of the test pipeline (scale (96, 64)) decides the model input, as in testing
    assert '(2, 3, 64, 96)' in out


def test_benchmark_long_video_mode(tiny_soc_config, capsys):
    benchmark = _load('benchmark')
    assert benchmark.main([tiny_soc_config, '--long-video', '3', '9', '--shape', '32', '48',
                           '--window-size', '3', '--window-overlap', '1', '--no-overlay']) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in lines if line.strip() and line.split()[0] in ('3', '9')]
    assert [(r[0], r[1]) for r in rows] == [('3', '1'), ('9', '4')]  # frames, windows
    assert any(line.startswith('peak_rss_mib: 9 frames / 3 frames = ') for line in lines)
    assert any(line.startswith('peak_traced_mib: 9 frames / 3 frames = ') for line in lines)


def test_peak_memory_probe_sees_an_allocation():
    benchmark = _load('benchmark')
    with benchmark.PeakMemory('cpu') as small:
        np.ones(10, np.uint8)
    with benchmark.PeakMemory('cpu') as big:
        block = np.ones(64 * 2**20, np.uint8)  # 64 MiB, touched
        del block
    assert big.traced_mib >= 63 > small.traced_mib
    if big.rss_mib is not None:  # Linux
        assert big.rss_mib >= 50


def _write_run(work_dir, run, lines, folder='vis_data'):
    vis = work_dir / run / folder
    vis.mkdir(parents=True, exist_ok=True)
    with open(vis / f'{run}.json', 'w') as f:
        f.writelines(json.dumps(line) + '\n' for line in lines)


def test_analyze_logs_plots_a_resumed_run(tmp_path, capsys):
    work = tmp_path / 'work'
    _write_run(work, '20260101_000000', [dict(lr=1e-4, loss=2.0 - 0.1 * i, time=0.5, iter=i, step=i)
                                          for i in range(1, 5)] + [{'ref_davis/J&F': 30.0, 'step': 4}])
    _write_run(work, '20260101_010000', [dict(lr=1e-4, loss=1.5 - 0.1 * i, time=0.7, iter=i, step=i)
                                          for i in range(5, 9)] + [{'ref_davis/J&F': 40.0, 'step': 8}])
    _write_run(work, '20260101_020000', [{'ref_davis/J&F': 41.0, 'time': 0.3}], folder='')  # a test run
    (work / '20260101_000000' / 'vis_data' / 'scalars.json').write_text('{"loss": 99, "lr": 1, "step": 1}\n')
    analyze = _load('analyze_logs')
    assert [osp.basename(p) for p in analyze.find_json_logs(str(work))] == \
        ['20260101_000000.json', '20260101_010000.json', '20260101_020000.json']
    curves = analyze.load_log(str(work))
    assert [s for s, _ in curves['train']['loss']] == list(range(1, 9))  # both runs, in time order
    assert curves['val']['ref_davis/J&F'] == [(4, 30.0), (8, 40.0)]
    out = tmp_path / 'curves.png'
    assert analyze.main(['plot_curve', str(work), '--keys', 'loss', 'ref_davis/J&F', '--out', str(out)]) == 0
    with Image.open(out) as img:
        assert img.size[0] > 100 and img.size[1] > 100
    assert analyze.main(['cal_train_time', str(work)]) == 0
    assert 'average iter time: 0.6000 s/iter' in capsys.readouterr().out
    assert analyze.main(['plot_curve', str(work), '--keys', 'acc', '--out', str(out)]) == 2
    assert "key 'acc' is in none of the logs" in capsys.readouterr().err


def test_get_flops_counts_params_and_flops(tiny_soc_config, capsys):
    get_flops = _load('get_flops')
    args = get_flops.parse_args([tiny_soc_config, '--num-frames', '2', '--shape', '32', '48'])
    result = get_flops.count(args)
    from mmrvos.apis import RVOSInferencer
    model = RVOSInferencer(tiny_soc_config, device='cpu', show_progress=False).model
    assert result['params'] == sum(p.numel() for p in model.parameters())
    assert sum(result['params_per_module'].values()) == result['params']
    assert result['params_per_module']['backbone'] == sum(p.numel() for p in model.backbone.parameters())
    assert 'backbone' in result['params_table'] and 'text_encoder' in result['params_table']
    assert result['flops'] > 0 and result['input_shape'] == (1, 2, 3, 64, 96)
    assert 'backbone' in result['flops_table']
