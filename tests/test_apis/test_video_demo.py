# Copyright (c) mmrvos contributors. All rights reserved.
"""demo/video_demo.py: outputs on an .mp4 and on a frame folder, and clear errors for bad input."""
import json
import os
import os.path as osp
import subprocess
import sys

import av
import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_util
from rvos_model_double import read_png_ids

from mmrvos.testing import load_script

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'demo', 'video_demo.py')


def _demo():
    return load_script('demo/video_demo.py')


def _check_outputs(out_dir, overlay, json_path, num_frames, texts):
    names, ids = read_png_ids(out_dir)
    assert len(names) == num_frames
    for index_map in ids:
        assert set(np.unique(index_map)) <= set(range(len(texts) + 1))
    assert {1, 2} <= set(np.unique(np.stack(ids)))  # both sentences found their object
    with av.open(overlay) as container:
        drawn = [f.to_ndarray(format='rgb24') for f in container.decode(video=0)]
    assert len(drawn) == num_frames
    with open(json_path) as f:
        saved = json.load(f)
    assert [s['text'] for s in saved['sentences']] == texts and len(saved['frames']) == num_frames
    for frame, index_map in zip(saved['frames'], ids):
        assert [o['obj_id'] for o in frame['objects']] == [1, 2]
        for obj in frame['objects']:
            np.testing.assert_array_equal(mask_util.decode(obj['segmentation']).astype(bool),
                                          index_map == obj['obj_id'])
    return drawn


def test_demo_on_mp4_with_two_sentences(video_file, double_cfg, tmp_path, capsys):
    out = tmp_path / 'out'
    texts = ['the red square', 'the green square']
    rc = _demo().main([video_file, double_cfg, '--texts', *texts, '--out-dir', str(out), '--json',
                       str(out / 'masks.json'), '--device', 'cpu', '--window-size', '3',
                       '--window-overlap', '1'])
    assert rc == 0
    drawn = _check_outputs(str(out), str(out / 'overlay.mp4'), str(out / 'masks.json'), 8, texts)
    assert drawn[0].shape == (48, 64, 3)
    assert 'object 2: "the green square"' in capsys.readouterr().out


def test_demo_on_frame_folder_with_gif(frame_folder, double_cfg, tmp_path):
    out = tmp_path / 'out'
    texts = ['a red thing', 'a green thing']
    rc = _demo().main([frame_folder, double_cfg, '--texts', *texts, '--out-dir', str(out), '--overlay',
                       str(out / 'vis.gif'), '--json', str(out / 'masks.json'), '--no-progress'])
    assert rc == 0
    _check_outputs(str(out), str(out / 'vis.gif'), str(out / 'masks.json'), 8, texts)


@pytest.fixture
def bad_video(tmp_path):
    path = tmp_path / 'broken.mp4'
    path.write_bytes(os.urandom(4096))
    return str(path)


@pytest.fixture
def mixed_folder(tmp_path):
    folder = tmp_path / 'mixed'
    folder.mkdir()
    Image.new('RGB', (64, 48)).save(folder / '00000.jpg')
    Image.new('RGB', (32, 48)).save(folder / '00001.jpg')
    return str(folder)


@pytest.mark.parametrize('case', ['unreadable video', 'empty sentence list', 'blank sentence',
                                  'mixed frame sizes', 'missing input'])
def test_demo_bad_input_clear_message(case, bad_video, mixed_folder, frame_folder, double_cfg, tmp_path,
                                      capsys):
    inputs, texts, expected = {
        'unreadable video': (bad_video, ['a dog'], f'cannot read video {bad_video!r}'),
        'empty sentence list': (frame_folder, [], 'no sentence given'),
        'blank sentence': (frame_folder, ['a dog', ' '], "sentence 2 (' ') is empty"),
        'mixed frame sizes': (mixed_folder, ['a dog'], 'have different sizes: 64x48'),
        'missing input': (str(tmp_path / 'nope.mp4'), ['a dog'], 'does not exist'),
    }[case]
    rc = _demo().main([inputs, double_cfg, '--texts', *texts, '--out-dir', str(tmp_path / 'out')])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.strip().startswith('error:') and expected in err
    assert not osp.exists(tmp_path / 'out' / 'overlay.mp4')


def test_demo_bad_input_exits_without_traceback(bad_video, double_cfg, tmp_path):
    proc = subprocess.run([sys.executable, DEMO, bad_video, double_cfg, '--texts', 'a dog'],
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert 'Traceback' not in proc.stderr
    assert 'cannot read video' in proc.stderr and 'broken.mp4' in proc.stderr
