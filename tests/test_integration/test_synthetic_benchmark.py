# Copyright (c) mmrvos contributors. All rights reserved.
"""The README's main command in miniature: generate a few synthetic videos, train the tiny SOC (and the tiny
LBDT, on the same data) for a few iterations, test it with J&F per expression kind and render a valid video
with the demo."""
import glob
import json
import os.path as osp
import sys

import cv2
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))

import run_synthetic_benchmark  # noqa: E402

pytestmark = pytest.mark.slow  # end to end (processes, training): `make test-fast` skips it

MAX_ITERS = 24
LBDT_CONFIG = 'configs/synthetic/lbdt_tiny_1xb16-800it_synthetic-rvos.py'
# the generator's arguments of both runs (the LBDT run reuses the SOC run's data)
GENERATOR_ARGS = ['--num-train', '4', '--num-valid', '2', '--objects', '3', '3']
# a run shorter than the config's 30-iteration warm-up moves it (the cosine ends at max_iters)
SHORT_RUN_OPTIONS = [
    'param_scheduler.0.end=8', 'param_scheduler.1.begin=8', 'default_hooks.logger.interval=1',
    'log_processor.window_size=1', 'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False', 'test_dataloader.num_workers=0',
    'test_dataloader.persistent_workers=False'
]


def _losses(work_dir: str):
    """The training losses of every iteration (mmengine's scalars.json of the run)."""
    files = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    assert len(files) == 1, files
    with open(files[0]) as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [r['loss'] for r in records if 'loss' in r]


@pytest.fixture(scope='module')
def benchmark_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('synthetic')
    data_root, work_dir = str(tmp / 'data'), str(tmp / 'work')
    return _run_command(data_root, work_dir)


def _run_command(data_root: str, work_dir: str, config_args=(), options=()):
    """run_synthetic_benchmark.main on the miniature data for MAX_ITERS iterations; (data root, work dir,
    summary)."""
    code = run_synthetic_benchmark.main([
        '--data-root', data_root, '--work-dir', work_dir, *config_args, *GENERATOR_ARGS, '--max-iters',
        str(MAX_ITERS), '--cfg-options', *SHORT_RUN_OPTIONS, *options
    ])
    assert code == 0
    with open(osp.join(work_dir, 'summary.json')) as f:
        return data_root, work_dir, json.load(f)


@pytest.fixture(scope='module')
def lbdt_run(benchmark_run, tmp_path_factory):
    """The same command with the tiny LBDT config, on the SOC run's data (4 samples per iteration)."""
    return _run_command(benchmark_run[0], str(tmp_path_factory.mktemp('synthetic_lbdt')),
                        ['--config', LBDT_CONFIG], ['train_dataloader.batch_size=4'])


@pytest.fixture(params=['soc', 'lbdt'])
def any_run(request):
    """Each model's run of the command: the tests that hold for every config."""
    return request.getfixturevalue('benchmark_run' if request.param == 'soc' else 'lbdt_run')


def test_data_and_tokenizer(benchmark_run):
    data_root, _, _ = benchmark_run
    with open(osp.join(data_root, 'synthetic_info.json')) as f:
        info = json.load(f)
    assert info['counts']['train']['videos'] == 4 and info['counts']['valid']['videos'] == 2
    from transformers import RobertaTokenizerFast
    tokenizer = RobertaTokenizerFast.from_pretrained(osp.join(data_root, 'tiny_roberta'))
    # one token per word of the generator's vocabulary
    with open(osp.join(data_root, 'vocab.txt')) as f:
        words = f.read().split()
    assert all(len(tokenizer.tokenize(' ' + w)) == 1 for w in words)
    # a second run with the same data keeps the tokenizer (stamp of the sentences)
    stamp = osp.join(data_root, 'tiny_roberta', 'sentences.sha256')
    before = osp.getmtime(stamp)
    run_synthetic_benchmark.build_tokenizer(data_root)
    assert osp.getmtime(stamp) == before


def test_tokenizer_deterministic(benchmark_run, tmp_path):
    data_root, _, _ = benchmark_run
    from mmrvos.testing.tiny_roberta import build_tiny_roberta_tokenizer
    with open(osp.join(data_root, 'sentences.txt')) as f:
        sentences = f.read().splitlines()
    build_tiny_roberta_tokenizer(str(tmp_path), sentences, run_synthetic_benchmark.TOKENIZER_VOCAB)
    with open(osp.join(data_root, 'tiny_roberta', 'tokenizer.json'), 'rb') as f1, \
            open(tmp_path / 'tokenizer.json', 'rb') as f2:
        assert f1.read() == f2.read()


def test_word_table(lbdt_run):
    """The LBDT run wrote a 16-d GloVe-format table of the generator's words, once."""
    data_root, _, summary = lbdt_run
    assert summary['results'][0]['config'] == LBDT_CONFIG and 'word table' in summary['times']
    assert 'tokenizer' not in summary['times']  # LBDT needs no tokenizer
    path = osp.join(data_root, run_synthetic_benchmark.GLOVE_FILE)
    with open(osp.join(data_root, 'vocab.txt')) as f:
        words = f.read().split()
    with open(path) as f:
        rows = [line.split() for line in f]
    assert [r[0] for r in rows] == words
    assert all(len(r) == 1 + run_synthetic_benchmark.GLOVE_DIMS for r in rows)
    before = osp.getmtime(path)
    run_synthetic_benchmark.build_word_table(data_root)
    assert osp.getmtime(path) == before


def test_loss_falls(any_run):
    _, _, summary = any_run
    losses = _losses(summary['results'][0]['work_dir'])
    assert len(losses) == MAX_ITERS
    first, last = sum(losses[:4]) / 4, sum(losses[-4:]) / 4
    assert last < 0.9 * first, losses


def test_metrics_per_kind(any_run):
    data_root, _, summary = any_run
    result = summary['results'][0]
    with open(osp.join(data_root, 'meta_expressions', 'valid', 'expression_kinds.json')) as f:
        kinds = json.load(f)['videos']
    counts = {}
    for exps in kinds.values():
        for kind in exps.values():
            counts[kind] = counts.get(kind, 0) + 1
    metrics = result['metrics']
    for kind, num in counts.items():
        assert metrics[kind]['num_expressions'] == num
        assert 0 <= metrics[kind]['J&F'] <= 1
        assert metrics[kind]['J&F'] == pytest.approx((metrics[kind]['J'] + metrics[kind]['F']) / 2)
    assert metrics['all']['num_expressions'] == sum(counts.values())
    # the per-kind re-scoring of the PNGs agrees with tools/test.py's RefYouTubeVOSMetric
    test_json = glob.glob(osp.join(result['work_dir'], 'test', '*', '*.json'))
    assert len(test_json) == 1, test_json
    with open(test_json[0]) as f:
        assert json.load(f)['ref_ytvos/J&F'] == pytest.approx(metrics['all']['J&F'], abs=1e-6)
    # one PNG per frame of every valid expression
    pngs = glob.glob(osp.join(result['predictions'], 'Annotations', '*', '*', '*.png'))
    num_frames = sum(len(glob.glob(osp.join(data_root, 'valid', 'JPEGImages', v, '*.jpg'))) * len(e)
                     for v, e in kinds.items())
    assert len(pngs) == num_frames


def test_overlay_rendered(any_run):
    data_root, _, summary = any_run
    demo = summary['results'][0]['demo']
    num_frames = len(glob.glob(osp.join(data_root, 'valid', 'JPEGImages', demo['video'], '*.jpg')))
    cap = cv2.VideoCapture(demo['overlay'])
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == num_frames
    cap.release()
    frame = cv2.imread(demo['frame_png'])
    first = sorted(glob.glob(osp.join(data_root, 'valid', 'JPEGImages', demo['video'], '*.jpg')))[0]
    width = cv2.imread(first).shape[1]
    assert frame.shape[1] >= 640 and frame.shape[1] % width == 0  # enlarged by a whole factor
    assert len(glob.glob(osp.join(demo['masks'], '*.png'))) == num_frames
    assert 1 <= len(demo['texts']) <= 2


def _run_analysis_tool(script: str, benchmark_run, tmp_path):
    """Run the script (path from the repository root) on the trained checkpoint and data; (module, table,
    json path)."""
    from mmrvos.testing import load_script
    data_root, _, summary = benchmark_run
    result = summary['results'][0]
    tool = load_script(script)
    out = tmp_path / (osp.splitext(osp.basename(script))[0] + '.json')
    table = tool.main([
        osp.join(ROOT, result['config']), result['checkpoint'], '--json', str(out), '--cfg-options',
        f'test_dataloader.dataset.data_root={data_root}/',
        f'model.text_encoder.tokenizer_path={data_root}/tiny_roberta'
    ])
    return tool, table, out


def test_query_oracle(benchmark_run, tmp_path):
    """tools/analysis_tools/query_oracle.py on the trained checkpoint: selected J <= oracle J, per kind."""
    result = benchmark_run[2]['results'][0]
    _, table, out = _run_analysis_tool('tools/analysis_tools/query_oracle.py', benchmark_run, tmp_path)
    assert table['all']['n'] == result['metrics']['all']['num_expressions']
    for kind, row in table.items():
        assert 0 <= row['selected'] <= row['oracle'] <= 1 and 0 <= row['picked best'] <= 1
    with open(out) as f:
        written = json.load(f)
    assert written.keys() == table.keys()
    assert all(written[k] == pytest.approx(table[k]) for k in table)
    # the selected query's J is the J that tools/test.py scored (same masks, same frames)
    assert table['all']['selected'] == pytest.approx(result['metrics']['all']['J'], abs=1e-6)


def test_probe_object_features(benchmark_run, tmp_path):
    """projects/synthetic_rvos/probe_object_features.py: one probe per (stage, attribute) on every object."""
    probe, table, out = _run_analysis_tool('projects/synthetic_rvos/probe_object_features.py', benchmark_run,
                                           tmp_path)
    assert list(table) == list(probe.STAGES)  # SOC has a VOC: every stage
    for row in table.values():
        assert set(row) == set(probe.ATTRIBUTES)
        assert all(0 <= v['accuracy'] <= 1 and 0 < v['majority'] <= 1 for v in row.values())
    with open(out) as f:
        assert json.load(f) == table
    # the input frames averaged over an object's pixels give its colour on the valid split's objects
    # (2 videos x 3 objects) better than always answering the most frequent colour
    assert table['input']['colour']['accuracy'] > table['input']['colour']['majority']
