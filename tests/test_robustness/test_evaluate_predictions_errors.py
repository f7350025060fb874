# Copyright (c) mmrvos contributors. All rights reserved.
"""Issue 19, case 7: tools/evaluate_predictions.py answered bad input with exit 0 and misleading numbers.

Rules now: a prediction folder that does not exist is an error; every expression without a readable
prediction (missing video, missing or corrupt PNG) is scored 0, as the official evaluation, and listed;
a malformed ground-truth JSON is an error naming the file; a corrupt PNG is reported as a decode error
naming the file; ``--help`` states the ``--split`` default and the output names the split scored.
"""
import json
import shutil
import sys

import numpy as np
import pytest
from PIL import Image
from robust_eval_utils import copy_fixture

from mmrvos.evaluation.functional import write_binary_png
from mmrvos.testing import load_script

EXPRESSIONS = ('ytvid_a_0', 'ytvid_a_1', 'ytvid_a_2', 'ytvid_b_0')


@pytest.fixture(scope='module')
def tool():
    return load_script('tools/evaluate_predictions.py')


@pytest.fixture
def perfect(tmp_path):
    """The Ref-YouTube-VOS fixture (train split) and a prediction folder equal to its ground truth."""
    root = copy_fixture(tmp_path, 'ref_youtube_vos')
    meta = json.loads((root / 'meta_expressions/train/meta_expressions.json').read_text())['videos']
    pred = tmp_path / 'pred'
    for video, info in meta.items():
        for exp_id, exp in info['expressions'].items():
            (pred / video / exp_id).mkdir(parents=True)
            for name in info['frames']:
                labels = np.array(Image.open(root / 'train/Annotations' / video / f'{name}.png'))
                write_binary_png(labels == int(exp['obj_id']), str(pred / video / exp_id / f'{name}.png'))
    return root, pred


def run(tool, monkeypatch, tmp_path, *argv):
    """Run the tool; returns (exit status, the --json result)."""
    out = tmp_path / 'out.json'
    monkeypatch.setattr(sys, 'argv', ['evaluate_predictions.py', *map(str, argv), '--json', str(out)])
    status = tool.main()
    return status, json.loads(out.read_text())


def run_ytvos(tool, monkeypatch, tmp_path, pred, root):
    return run(tool, monkeypatch, tmp_path, 'ref-ytvos', pred, '--gt-root', root, '--split', 'train')


def test_perfect_predictions_score_one(tool, monkeypatch, tmp_path, perfect, capsys):
    root, pred = perfect
    status, result = run_ytvos(tool, monkeypatch, tmp_path, pred, root)
    assert status == 0 and result['metrics']['J&F'] == pytest.approx(1.0)
    assert result['metrics']['num_expressions'] == 4 and result['metrics']['num_missing_predictions'] == 0
    assert result['split'] == 'train' and "scoring split 'train'" in capsys.readouterr().err


def test_missing_prediction_folder_is_an_error(tool, monkeypatch, tmp_path, perfect):
    root, _ = perfect
    with pytest.raises(SystemExit, match=r'prediction folder .*no_such_folder does not exist'):
        run(tool, monkeypatch, tmp_path, 'ref-ytvos', tmp_path / 'no_such_folder', '--gt-root', root)


def test_unreadable_and_missing_predictions_count_zero_and_are_listed(tool, monkeypatch, tmp_path, perfect,
                                                                      capsys):
    root, pred = perfect
    (pred / 'ytvid_a/1/00020.png').write_bytes(b'\x89PNG broken')  # one corrupt PNG
    (pred / 'ytvid_a/2/00045.png').unlink()  # one missing PNG
    shutil.rmtree(pred / 'ytvid_b')  # a missing video
    status, result = run_ytvos(tool, monkeypatch, tmp_path, pred, root)
    metrics = result['metrics']
    # all four expressions are in the mean: 1 + 0 + 0 + 0
    assert metrics['num_expressions'] == 4 and metrics['J&F'] == pytest.approx(0.25)
    assert metrics['num_missing_predictions'] == 3
    assert sorted(result['details']) == list(EXPRESSIONS)
    assert [result['details'][e] for e in EXPRESSIONS[1:]] == [[0.0, 0.0]] * 3
    missing = result['missing_predictions']
    assert sorted(missing) == ['ytvid_a/1', 'ytvid_a/2', 'ytvid_b/0']
    assert 'cannot decode mask file' in missing['ytvid_a/1'] and 'ytvid_a/1/00020.png' in missing['ytvid_a/1']
    assert 'FileNotFoundError' in missing['ytvid_a/2'] and '00045.png' in missing['ytvid_a/2']
    assert 'no prediction folder' in missing['ytvid_b/0']
    assert result['errors'] == {} and status == 0
    assert '3 without a readable prediction (scored 0)' in capsys.readouterr().out


def test_corrupt_png_is_a_decode_error_naming_the_file(tmp_path):
    from mmrvos.evaluation.functional import read_binary_png, read_index_png
    path = tmp_path / 'broken.png'
    path.write_bytes(b'\x89PNG broken')
    for read in (read_binary_png, read_index_png):
        with pytest.raises(OSError, match=r'cannot decode mask file .*broken\.png') as info:
            read(str(path))
        assert not isinstance(info.value, FileNotFoundError)


def test_malformed_ground_truth_json_names_the_file(tool, monkeypatch, tmp_path, perfect):
    root, pred = perfect
    exp_file = root / 'meta_expressions/train/meta_expressions.json'
    exp_file.write_text(exp_file.read_text()[:-10])
    with pytest.raises(SystemExit,
                       match=r'malformed JSON in ground-truth file .*train/meta_expressions\.json'):
        run_ytvos(tool, monkeypatch, tmp_path, pred, root)


def test_broken_ground_truth_of_one_video_is_said_in_the_metrics(tool, monkeypatch, tmp_path, perfect):
    root, pred = perfect
    (root / 'train/Annotations/ytvid_b/00005.png').write_bytes(b'\x89PNG broken')
    status, result = run_ytvos(tool, monkeypatch, tmp_path, pred, root)
    assert status == 1 and list(result['errors']) == ['ytvid_b']
    assert 'ytvid_b/00005.png' in result['errors']['ytvid_b']
    assert result['metrics']['num_videos_not_scored'] == 1 and result['metrics']['num_expressions'] == 3


def test_help_states_the_split_default(tool, monkeypatch, capsys):
    monkeypatch.setattr(sys, 'argv', ['evaluate_predictions.py', '--help'])
    with pytest.raises(SystemExit):
        tool.main()
    assert 'default: train' in ' '.join(capsys.readouterr().out.split())
