# Copyright (c) mmrvos contributors. All rights reserved.
"""tools/analysis_tools: benchmark.py (model, data and metric modes), analyze_logs.py, get_flops.py."""
import json
import os.path as osp
import time

import numpy as np
import pytest
import torch
from PIL import Image
from tiny_soc_tool_config import write_tiny_soc_config

from mmrvos.testing import get_config_root, get_repo_root, load_script


def _load(name):
    return load_script(f'tools/analysis_tools/{name}.py')


@pytest.fixture(scope='module')
def tiny_soc_config(tmp_path_factory):
    from mmrvos.testing import build_tiny_text_encoder_cfg, tiny_soc_cfg
    tmp = tmp_path_factory.mktemp('tiny_soc')
    model = tiny_soc_cfg(build_tiny_text_encoder_cfg(str(tmp / 'roberta'), embed_dims=128))
    return write_tiny_soc_config(str(tmp), model)


def _benchmark_json(argv, tmp_path, name='result.json'):
    """Run benchmark.py with ``--out`` and return what it wrote."""
    out = tmp_path / name
    assert _load('benchmark').main(argv + ['--out', str(out)]) == 0
    with open(out) as f:
        return json.load(f)


def test_benchmark_model_mode(tiny_soc_config, tmp_path, capsys):
    result = _benchmark_json(['model', tiny_soc_config, '--num-frames', '2', '--height', '32', '--width',
                              '48', '--warmup', '1', '--repeat', '2'], tmp_path)
    assert 'latency per clip' in capsys.readouterr().out
    assert result['mode'] == 'model' and result['checkpoint'] is None
    assert result['precision'] == 'fp32' and result['compile'] is None and result['step'] == 'test_step'
    # the Resize of the test pipeline (scale (96, 64)) decides the model input, as in testing
    assert result['input_shape'] == [2, 3, 64, 96] and result['frame_shape'] == [32, 48]
    assert result['num_frames'] == 2 and result['batch'] == 1 and result['repeat'] == 2
    seconds = result['seconds']
    assert len(seconds) == 2 and len(result['load_avg']) == 2 and all(s > 0 for s in seconds)
    assert result['latency_s'] == pytest.approx(dict(mean=np.mean(seconds), median=np.median(seconds),
                                                     std=np.std(seconds), min=min(seconds)))
    assert result['fps'] == pytest.approx(2 / np.mean(seconds))
    env = result['environment']
    assert env['device'] == 'cpu' and env['device_name'] and env['torch'] == torch.__version__
    import mmcv
    assert env['mmcv'] == mmcv.__version__ and env['mmrvos']
    from mmrvos.apis import RVOSInferencer
    model = RVOSInferencer(tiny_soc_config, device='cpu', show_progress=False).model
    assert result['params'] == sum(p.numel() for p in model.parameters())
    assert result['peak_cuda_mib'] is None
    if result['peak_rss_mib'] is not None:  # Linux
        assert result['peak_memory_mib'] == result['peak_rss_mib'] > 0


def test_benchmark_model_bf16_autocast_and_predict(tiny_soc_config, tmp_path):
    """--precision bf16 runs the forward under autocast (a Linear of the head returns bfloat16), --step
    predict times the eval forward on the normalised clip; the default frame count is the config's
    window (inference_cfg.window_size)."""
    benchmark = _load('benchmark')
    args = benchmark.parse_args(['model', tiny_soc_config, '--height', '32', '--width', '48', '--warmup', '0',
                                 '--repeat', '1', '--precision', 'bf16', '--step', 'predict'])
    inferencer, notes = benchmark.build_inferencer(args, str(tmp_path))
    assert notes == []  # the tiny config names a local tokenizer and a random RoBERTa: nothing replaced
    dtypes = set()
    linear = next(m for m in inferencer.model.head.modules() if isinstance(m, torch.nn.Linear))
    linear.register_forward_hook(lambda module, inputs, output: dtypes.add(output.dtype))
    result = benchmark.benchmark_clip(inferencer, args)
    assert dtypes == {torch.bfloat16}
    assert result['precision'] == 'bf16' and result['step'] == 'predict' and len(result['seconds']) == 1
    assert result['num_frames'] == inferencer.inference_cfg['window_size'] == 16
    with pytest.raises(SystemExit):  # the warm-up compiles: --compile without warm-up is refused
        benchmark.parse_args(['model', tiny_soc_config, '--compile', '--warmup', '0'])
    with pytest.raises(SystemExit):  # long-video mode runs the inferencer as it is
        benchmark.parse_args(['model', tiny_soc_config, '--long-video', '3', '--precision', 'bf16'])


def test_benchmark_model_offline_text_encoder(tmp_path):
    """A RoBERTa model_path that is not a local folder becomes a random roberta-base-size RoBERTa with an
    offline tokenizer; a missing backbone checkpoint is dropped."""
    from mmengine.config import Config
    benchmark = _load('benchmark')
    model = Config.fromfile(osp.join(get_config_root(), '_base_/models/soc_video-swin-t.py')).model
    notes = benchmark.make_offline(model, str(tmp_path))
    assert len(notes) == 3 and 'checkpoints/roberta-base' in notes[0]
    assert 'model_path' not in model.text_encoder
    assert model.text_encoder.model_config == benchmark.ROBERTA_BASE
    assert osp.isfile(osp.join(model.text_encoder.tokenizer_path, 'tokenizer.json'))
    assert model.backbone.pretrained is None
    from transformers import RobertaConfig
    config = RobertaConfig(**model.text_encoder.model_config)  # roberta-base's size
    assert (config.hidden_size, config.num_hidden_layers, config.vocab_size) == (768, 12, 50265)


def test_benchmark_model_long_video_mode(tiny_soc_config, tmp_path):
    result = _benchmark_json(['model', tiny_soc_config, '--long-video', '3', '9', '--height', '32', '--width',
                              '48', '--window-size', '3', '--window-overlap', '1', '--no-overlay'], tmp_path)
    rows = result['long_video']
    assert [(r['num_frames'], r['windows']) for r in rows] == [(3, 1), (9, 4)]
    assert all(r['seconds'] > 0 and r['peak_traced_mib'] > 0 for r in rows)
    ratio = rows[1]['peak_traced_mib'] / rows[0]['peak_traced_mib']
    assert result['peak_traced_mib_ratio'] == pytest.approx(ratio)


def test_benchmark_model_profile_tables(tiny_soc_config, tmp_path):
    """--profile: one call under torch.profiler, a row per module (to --profile-depth) and per op."""
    out = tmp_path / 'profile.txt'
    result = _benchmark_json(['model', tiny_soc_config, '--num-frames', '2', '--height', '32', '--width',
                              '48', '--warmup', '0', '--step', 'predict', '--profile', str(out)], tmp_path)
    modules = {r['name']: r for r in result['modules']}
    assert {'backbone', 'head', 'text_encoder', 'backbone.layers.0'} <= set(modules)
    assert not any(name.count('.') >= 3 for name in modules)  # depth 3: 'a', 'a.b' and 'a.b.c' only
    assert 0 < modules['backbone.layers.0']['total_ms'] <= modules['backbone']['total_ms']
    assert modules['backbone']['total_ms'] < 1000 * result['seconds'][0]
    assert any(r['name'] == 'aten::addmm' and r['calls'] > 0 for r in result['ops'])
    text = out.read_text()
    assert '| backbone | 1 |' in text and '| op | calls | self ms | % of call |' in text


def test_benchmark_model_against_a_reference(tiny_soc_config, tmp_path, capsys):
    """--reference-cfg-options: the reference path (mmaction's window attention) with the same weights,
    timed alternately; the raw outputs equal. --reference-precision: bf16 masks against fp32 masks."""
    common = ['model', tiny_soc_config, '--num-frames', '2', '--height', '32', '--width', '48', '--warmup',
              '0', '--repeat', '2']
    result = _benchmark_json(common + ['--step', 'forward', '--reference-cfg-options',
                                       'model.backbone.sdpa_attention=False'], tmp_path)
    assert len(result['seconds']) == len(result['reference_seconds']) == 2
    latency, reference = result['latency_s'], result['reference_latency_s']
    assert result['speed_up'] == pytest.approx(reference['mean'] / latency['mean'])
    assert 0 < result['outputs']['max_abs_diff'] < 1e-5 < result['outputs']['max_abs_reference']
    assert 'speed-up (reference / model)' in capsys.readouterr().out
    result = _benchmark_json(common + ['--precision', 'bf16', '--reference-precision', 'fp32'], tmp_path)
    outputs = result['outputs']
    assert result['reference_precision'] == 'fp32' and result['precision'] == 'bf16'
    assert 0.5 < outputs['mask_iou'] <= 1 and 0.9 < outputs['masks_equal'] <= 1
    assert 0 < outputs['max_abs_diff_scores'] < 0.1  # bf16 changes the scores a little, not a lot
    with pytest.raises(SystemExit):
        _load('benchmark').parse_args(common + ['--reference-precision', 'fp32', '--profile', 'p.txt'])


def test_benchmark_time_calls_and_summary():
    benchmark = _load('benchmark')
    calls = []
    timing = benchmark.time_calls(lambda: calls.append(time.sleep(0.01)) or len(calls), 3)
    assert len(timing['seconds']) == 3 and all(s >= 0.01 for s in timing['seconds'])
    assert timing['output'] == 3 and len(timing['load_avg']) == 3
    assert benchmark.summarize([1.0, 2.0, 3.0, 10.0]) == pytest.approx(
        dict(mean=4.0, median=2.5, std=np.std([1, 2, 3, 10]), min=1.0))


def test_benchmark_data_mode(tmp_path):
    root = get_repo_root()
    config = osp.join(root, 'configs/_base_/datasets/ref_youtube_vos.py')
    result = _benchmark_json(['data', config, '--data-root', osp.join(root, 'tests/data/ref_youtube_vos'),
                              '--items', '4', '--warmup', '1', '--per-transform-items', '2'], tmp_path)
    assert result['dataset'] == 'RefYouTubeVOSDataset' and result['num_items'] > 0 and result['build_s'] > 0
    assert result['items'] == 4
    assert result['items_per_s'] == pytest.approx(1 / result['item_latency_s']['mean'])
    assert list(result['per_transform_ms']) == \
        ['0.RVOSClipSample', '1.TransformBroadcaster', '2.PackRVOSInputs']
    assert all(ms > 0 for ms in result['per_transform_ms'].values())
    with pytest.raises(KeyError, match="ref_youtube_vos.py has no 'nope_dataloader'"):
        _load('benchmark').main(['data', config, '--loader', 'nope_dataloader'])


def test_benchmark_metric_mode_against_a_stand_in_official_code(tmp_path):
    """J and F of mmrvos on the generated masks; the comparison runs a davis2017-evaluation layout in a
    subprocess (here a stand-in whose J is the plain IoU and whose F is 0.5 everywhere)."""
    from mmrvos.evaluation.functional import boundary_measure, region_similarity
    official = tmp_path / 'official'
    (official / 'davis2017').mkdir(parents=True)
    (official / 'davis2017' / '__init__.py').write_text('')
    (official / 'davis2017' / 'metrics.py').write_text(
        'import numpy as np\n'
        'def db_eval_iou(gt, pred):\n'
        '    return (gt & pred).sum((1, 2)) / (gt | pred).sum((1, 2))\n'
        'def db_eval_boundary(gt, pred):\n'
        '    return np.full(len(gt), 0.5)\n')
    result = _benchmark_json(['metric', '--frames', '3', '--height', '40', '--width', '60', '--repeat', '2',
                              '--official', str(official)], tmp_path)
    benchmark = _load('benchmark')
    gt, pred = benchmark.make_masks(3, 40, 60)
    assert result['shape'] == [3, 40, 60] and result['repeat'] == 2
    assert result['J'] == pytest.approx(region_similarity(gt, pred).mean())
    assert result['F'] == pytest.approx(boundary_measure(gt, pred).mean())
    assert 0 < result['F'] < 1 and result['seconds']['min'] > 0
    off = result['official']
    assert off['J'] == pytest.approx(result['J']) and off['max_abs_diff_J'] < 1e-12
    assert off['F'] == 0.5 and off['max_abs_diff_F'] > 0 and off['speed_up'] > 0


def test_peak_memory_probe_sees_an_allocation():
    benchmark = _load('benchmark')
    with benchmark.PeakMemory('cpu') as small:
        np.ones(10, np.uint8)
    with benchmark.PeakMemory('cpu') as big:
        block = np.ones(64 * 2**20, np.uint8)  # 64 MiB, touched
        del block
    assert big.traced_mib >= 63 > small.traced_mib
    # the RSS figure is the growth of the process's high-water mark (ru_maxrss): after earlier tests have
    # raised that mark, a 64 MiB block may fit under it and add nothing, so only its sign is checked here
    if big.rss_mib is not None:  # Linux
        assert big.rss_mib >= 0


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


def test_benchmark_model_lbdt_per_frame(tmp_path, capsys):
    """An LBDT config (here the tiny model on A2D-Sentences' pipeline): a missing GloVe file becomes a tiny
    table of the same width, a missing ResNet checkpoint is dropped, and every frame is segmented with the
    frame ``inference_cfg.model_test_cfg.ref_offset`` earlier (the config tests only annotated frames)."""
    root = get_repo_root()
    config = tmp_path / 'tiny_lbdt_a2d.py'
    config.write_text(f"""
_base_ = [{osp.join(root, 'configs/_base_/models/lbdt_tiny.py')!r},
          {osp.join(root, 'configs/_base_/datasets/lbdt_a2d_sentences.py')!r},
          {osp.join(root, 'configs/_base_/default_runtime.py')!r}]
model = dict(text_encoder=dict(glove_path='missing/glove.txt'), test_cfg=dict(key_frames='annotated'),
             backbone=dict(resnet=dict(init_cfg=dict(
                 _delete_=True, type='Pretrained', checkpoint='missing/resnet.pth'))))
inference_cfg = dict(model_test_cfg=dict(key_frames='all', ref_offset=2))
""")
    result = _benchmark_json(['model', str(config), '--num-frames', '3', '--height', '24', '--width', '40',
                              '--warmup', '0', '--repeat', '1'], tmp_path)
    assert len(result['offline']) == 2
    assert 'missing/glove.txt' in result['offline'][0] and 'missing/resnet.pth' in result['offline'][1]
    assert result['input_shape'] == [3, 3, 320, 320]  # LBDT's 320x320 resize
    assert result['latency_per_frame_s'] == pytest.approx(result['latency_s']['mean'] / 3)
    assert 'ms per frame' in capsys.readouterr().out
