# Copyright (c) mmrvos contributors. All rights reserved.
"""tools/dataset_converters/make_synthetic_rvos.py: generate, skip when up to date, refuse, --force."""
import json
import os
import os.path as osp

import pytest

from mmrvos.testing import load_script


@pytest.fixture(scope='module')
def tool():
    return load_script('tools/dataset_converters/make_synthetic_rvos.py')


def test_cli_generates_skips_refuses_and_forces(tool, tmp_path, capsys):
    out = str(tmp_path / 'syn')
    args = ['--out', out, '--num-train', '2', '--num-valid', '1', '--frames', '10', '12', '--seed', '4']
    assert tool.main(args) == 0
    info = json.load(open(osp.join(out, 'synthetic_info.json')))
    assert info['seed'] == 4 and info['config']['num_frames'] == [10, 12]
    assert sorted(os.listdir(osp.join(out, 'train', 'JPEGImages'))) == ['train_0000', 'train_0001']
    assert sorted(os.listdir(osp.join(out, 'valid', 'Annotations'))) == ['valid_0000']
    assert not osp.exists(out + '.partial')
    stamp = os.stat(osp.join(out, 'synthetic_info.json')).st_mtime_ns

    assert tool.main(args) == 0  # same arguments: nothing to do
    assert 'nothing to do' in capsys.readouterr().out
    assert os.stat(osp.join(out, 'synthetic_info.json')).st_mtime_ns == stamp

    info_path = osp.join(out, 'synthetic_info.json')
    with open(info_path, 'w') as f:  # written by an older generator: regenerated without --force
        json.dump(dict(info, version=0), f)
    assert tool.main(args) == 0 and 'regenerating' in capsys.readouterr().out
    assert json.load(open(info_path))['version'] == info['version']

    other = args[:-1] + ['5']
    assert tool.main(other) == 1 and '--force' in capsys.readouterr().err
    assert tool.main(other + ['--force']) == 0
    assert json.load(open(osp.join(out, 'synthetic_info.json')))['seed'] == 5

    foreign = tmp_path / 'foreign'
    foreign.mkdir()
    (foreign / 'keep.txt').write_text('not ours')
    assert tool.main(['--out', str(foreign), '--force']) == 1
    assert (foreign / 'keep.txt').read_text() == 'not ours'


def test_motion_phrase_set_names(tool, tmp_path, capsys):
    """--motion-phrases benchmark is BENCHMARK_MOTION_PHRASES, --motion-phrases all is every phrase."""
    from mmrvos.datasets.synthetic import BENCHMARK_MOTION_PHRASES
    out = str(tmp_path / 'syn')
    args = ['--out', out, '--num-train', '1', '--num-valid', '1', '--frames', '8', '8']
    assert tool.main(args + ['--motion-phrases', 'benchmark']) == 0
    with open(osp.join(out, 'synthetic_info.json')) as f:
        assert json.load(f)['config']['motion_phrases'] == list(BENCHMARK_MOTION_PHRASES)
    capsys.readouterr()
    # the same data as the explicit list: nothing to do
    assert tool.main(args + ['--motion-phrases', *BENCHMARK_MOTION_PHRASES]) == 0
    assert 'nothing to do' in capsys.readouterr().out
    # "all" is the default (no restriction), which is other data
    assert tool.main(args + ['--motion-phrases', 'all']) == 1 and '--force' in capsys.readouterr().err
    assert tool.main(args) == 1
