# Copyright (c) mmrvos contributors. All rights reserved.
"""Issue 19, case 3: one unreadable frame in the last video of a test run.

tools/test.py used to end with a traceback and no metric; now the broken video is reported by name in
one log line and, by ``test_cfg.on_broken_video``, the run stops (or skips it): the finished expressions
are scored and saved (``--out``, the prediction PNGs), and the metric output says over how many of the
expressions it was computed and which were left out.
"""
import pickle

import pytest
from robust_eval_utils import ALL_ITEMS, copy_fixture, read_log, run_test_tool, tiny_soc_model, write_test_run

from mmrvos.evaluation import BrokenVideoError
from mmrvos.evaluation.loops import BrokenVideoGuard


@pytest.fixture(scope='module')
def model(tmp_path_factory):
    return tiny_soc_model(tmp_path_factory.mktemp('model'))


def broken_copy(tmp_path):
    root = copy_fixture(tmp_path, 'ref_youtube_vos')
    (root / 'train/JPEGImages/ytvid_b/00005.jpg').write_bytes(b'not a jpeg at all')
    return root


@pytest.mark.parametrize('mode,num_workers', [('stop', 0), ('skip', 1)])
def test_broken_last_video_scores_and_saves_what_was_done(tmp_path, model, mode, num_workers):
    cfg_file, ckpt = write_test_run(tmp_path, model, broken_copy(tmp_path), mode, num_workers)
    work_dir, out = tmp_path / 'work', tmp_path / 'preds.pkl'
    metrics = run_test_tool(cfg_file, ckpt, '--work-dir', work_dir, '--out', out)

    # scored over the three expressions of ytvid_a, and the output says so
    assert metrics['ref_ytvos/num_expressions'] == 3
    assert 0 <= metrics['ref_ytvos/J&F'] <= 1
    assert metrics['coverage/expressions'] == 4 and metrics['coverage/loaded'] == 3
    assert metrics['coverage/num_skipped'] == 1 and metrics['coverage/skipped'] == ['ytvid_b/0']
    assert ('coverage/stopped_at' in metrics) == (mode == 'stop')
    # --out holds the finished expressions
    with open(out, 'rb') as f:
        dumped = pickle.load(f)
    assert sorted((d['video_id'], d['exp_id']) for d in dumped) == ALL_ITEMS[:3]
    # the prediction PNGs of the finished expressions are on disk, under --work-dir
    for exp_id in ('0', '1', '2'):
        assert len(list((work_dir / 'predictions/Annotations/ytvid_a' / exp_id).glob('*.png'))) == 10
    # one line names the broken video and the file
    lines = [line for line in read_log(work_dir).splitlines() if 'broken video ytvid_b/0' in line]
    assert len(lines) == 1, lines
    assert 'ytvid_b/00005.jpg' in lines[0] and f'on_broken_video="{mode}"' in lines[0]


def test_error_mode_raises_one_line_naming_the_video(tmp_path, model):
    cfg_file, ckpt = write_test_run(tmp_path, model, broken_copy(tmp_path), 'error')
    with pytest.raises(BrokenVideoError, match=r'broken video ytvid_b/0: OSError: cannot decode frame '
                       r'.*ytvid_b/00005\.jpg') as info:
        run_test_tool(cfg_file, ckpt, '--work-dir', tmp_path / 'work')
    assert '\n' not in str(info.value)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="on_broken_video must be one of .*got 'ignore'"):
        BrokenVideoGuard([], 'ignore')


def test_validation_loop_skips_a_broken_video_too(tmp_path, model):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg_file, ckpt = write_test_run(tmp_path, model, broken_copy(tmp_path))
    cfg = Config.fromfile(cfg_file)
    cfg.val_dataloader, cfg.val_evaluator = cfg.test_dataloader, cfg.test_evaluator
    cfg.val_cfg = dict(type='RVOSValLoop', on_broken_video='skip')
    cfg.work_dir, cfg.load_from = str(tmp_path / 'work'), ckpt
    metrics = Runner.from_cfg(cfg).val()
    assert metrics['ref_ytvos/num_expressions'] == 3 and metrics['coverage/skipped'] == ['ytvid_b/0']
    assert len(list((tmp_path / 'work/predictions/Annotations/ytvid_a').rglob('*.png'))) == 30
