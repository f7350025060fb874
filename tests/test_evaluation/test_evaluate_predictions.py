# Copyright (c) mmrvos contributors. All rights reserved.
"""tools/evaluate_predictions.py on prediction folders written from the constructed cases."""
import json
import os.path as osp
import shutil
import sys

import numpy as np
import pytest
from constructed_cases import mevis_case
from evaluation_samples import assert_same
from official_values import A2D, A2D_KEYS, DAVIS_KEYS, DAVIS_MEAN, MEVIS, MEVIS_PER_EXPRESSION
from PIL import Image

from mmrvos.evaluation.functional import write_binary_png
from mmrvos.testing import load_script


@pytest.fixture(scope='module')
def tool():
    return load_script('tools/evaluate_predictions.py')


def run_tool(tool, monkeypatch, tmp_path, *argv):
    out = tmp_path / 'out.json'
    monkeypatch.setattr(sys, 'argv', ['evaluate_predictions.py', *argv, '--json', str(out)])
    tool.main()
    return json.loads(out.read_text())


def test_ref_davis(tool, monkeypatch, tmp_path, davis_tree, capsys):
    root, results = davis_tree
    result = run_tool(tool, monkeypatch, tmp_path, 'ref-davis', results, '--gt-root', root)
    assert_same([result['metrics'][k] for k in DAVIS_KEYS], DAVIS_MEAN)
    assert result['errors'] == {}
    assert 'J-Mean' in capsys.readouterr().out


def test_ref_davis_unreadable_prediction_scores_zero_and_is_listed(tool, monkeypatch, tmp_path, davis_tree,
                                                                   capsys):
    root, results = davis_tree
    # a prediction of the wrong size in seq-b for one annotator
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(osp.join(results, 'anno_1', 'seq-b', '00002.png'))
    result = run_tool(tool, monkeypatch, tmp_path, 'ref-davis', results, '--gt-root', root)
    assert result['errors'] == {} and list(result['missing_predictions']) == ['anno_1/seq-b']
    assert 'different sizes: [(5, 5), (24, 40)]' in result['missing_predictions']['anno_1/seq-b']
    assert sorted(result['details']) == ['seq-a', 'seq-b']
    assert set(result['details']['seq-b']['anno_1']['J-Mean']) == {0.0}
    assert result['metrics']['J&F_anno_1'] < result['metrics']['J&F_anno_0']
    assert result['metrics']['num_missing_predictions'] == 1
    assert 'anno_1/seq-b' in capsys.readouterr().out


def test_mevis(tool, monkeypatch, tmp_path, mevis_tree):
    split, pred = mevis_tree
    result = run_tool(tool, monkeypatch, tmp_path, 'mevis', pred, '--gt-root', split)
    assert_same([result['metrics'][k] for k in ('J&F', 'J', 'F')], MEVIS)
    for name, expected in MEVIS_PER_EXPRESSION.items():
        assert_same(result['details'][name], expected)
    # a missing expression folder scores 0 and is listed; the other expressions are unchanged
    shutil.rmtree(osp.join(pred, 'v1', '2'))
    result = run_tool(tool, monkeypatch, tmp_path, 'mevis', pred, '--gt-root', split)
    # v3 has no folder at all
    assert result['errors'] == {} and sorted(result['missing_predictions']) == ['v1/2', 'v3/0']
    assert result['details']['v1_2'] == [0.0, 0.0]
    assert sorted(result['details']) == sorted(MEVIS_PER_EXPRESSION)
    for name, expected in MEVIS_PER_EXPRESSION.items():
        if name != 'v1_2':
            assert_same(result['details'][name], expected)


def test_ref_ytvos(tool, monkeypatch, tmp_path):
    """A Ref-YouTube-VOS train-style split: index-PNG annotations, one object per expression."""
    videos, objects, preds, _ = mevis_case()
    video = videos['v1']
    root = tmp_path / 'ytvos'
    (root / 'meta_expressions' / 'train').mkdir(parents=True)
    (root / 'train' / 'Annotations' / 'v1').mkdir(parents=True)
    labels = (objects['10'] + 2 * (objects['11'] & ~objects['10'])).astype(np.uint8)
    for name, frame in zip(video['frames'], labels):
        Image.fromarray(frame).save(root / 'train' / 'Annotations' / 'v1' / f'{name}.png')
    expressions = {'0': {'exp': 'the left dog', 'obj_id': '1'}, '1': {'exp': 'the right dog', 'obj_id': '2'}}
    meta = {'videos': {'v1': {'expressions': expressions, 'frames': video['frames']}}}
    (root / 'meta_expressions' / 'train' / 'meta_expressions.json').write_text(json.dumps(meta))
    pred_dir = tmp_path / 'sub' / 'Annotations' / 'v1'
    for exp_id, mask in (('0', preds['v1']['0']), ('1', labels == 2)):
        (pred_dir / exp_id).mkdir(parents=True)
        for name, frame in zip(video['frames'], mask):
            write_binary_png(frame, str(pred_dir / exp_id / f'{name}.png'))
    result = run_tool(tool, monkeypatch, tmp_path, 'ref-ytvos', str(tmp_path / 'sub'), '--gt-root', str(root))
    assert_same(result['details']['v1_0'], MEVIS_PER_EXPRESSION['v1_0'])  # same gt and prediction as MeViS
    assert_same(result['details']['v1_1'], [1.0, 1.0])
    assert result['metrics']['num_expressions'] == 2


@pytest.mark.parametrize('dataset', ['a2d', 'jhmdb'])
def test_coco_datasets(tool, monkeypatch, tmp_path, a2d_jsons, dataset):
    gt, pred = a2d_jsons
    result = run_tool(tool, monkeypatch, tmp_path, dataset, pred, '--gt-json', gt)
    assert_same([result['metrics'][k] for k in A2D_KEYS], A2D)
    top1 = run_tool(tool, monkeypatch, tmp_path, dataset, pred, '--gt-json', gt, '--protocol', 'top1')
    assert_same([top1['metrics'][k] for k in A2D_KEYS[6:]], A2D[6:])
