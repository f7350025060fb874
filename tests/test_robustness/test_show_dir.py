# Copyright (c) mmrvos contributors. All rights reserved.
"""Issue 19, case 6: ``tools/test.py --show-dir`` crashed with mmdet's TrackLocalVisualizer
(``'InstanceData' object has no attribute 'instances_id'``) and wrote one image for the whole run with
RVOSLocalVisualizer (mmdet's TrackVisualizationHook names the folder after ``JPEGImages`` and draws
every 30th frame). With RVOSVisualizationHook and RVOSLocalVisualizer it writes one overlay per frame
per expression, ``<show_dir>/<video_id>/<exp_id>/<frame_name>.jpg``."""
import uuid
from types import SimpleNamespace

import mmcv
import numpy as np
import pytest
from robust_eval_utils import copy_fixture, run_test_tool, tiny_soc_model, write_test_run

RVOS_VISUALIZATION = ['default_hooks.visualization.type=RVOSVisualizationHook',
                      'visualizer.type=RVOSLocalVisualizer']


@pytest.fixture(scope='module')
def model(tmp_path_factory):
    return tiny_soc_model(tmp_path_factory.mktemp('model'))


def test_show_dir_writes_one_overlay_per_frame_per_expression(tmp_path, model):
    root = copy_fixture(tmp_path, 'ref_youtube_vos')
    cfg_file, ckpt = write_test_run(tmp_path, model, root)
    work_dir = tmp_path / 'work'
    # a fresh visualizer instance (mmengine keeps one per name in the process)
    run_test_tool(cfg_file, ckpt, '--work-dir', work_dir, '--show-dir', 'vis', '--cfg-options',
                  *RVOS_VISUALIZATION, f'visualizer.name=vis_{uuid.uuid4().hex}')
    vis_dirs = list(work_dir.glob('*/vis'))
    assert len(vis_dirs) == 1
    counts = {f'{p.parent.name}/{p.name}': len(list(p.glob('*.jpg'))) for p in vis_dirs[0].glob('*/*')}
    assert counts == {'ytvid_a/0': 10, 'ytvid_a/1': 10, 'ytvid_a/2': 10, 'ytvid_b/0': 3}
    assert len(list(vis_dirs[0].rglob('*.jpg'))) == 33
    # an overlay is the frame with something drawn on it (at least the sentence), at the frame's size
    overlay = mmcv.imread(str(vis_dirs[0] / 'ytvid_b/0/00005.jpg'))
    frame = mmcv.imread(str(root / 'train/JPEGImages/ytvid_b/00005.jpg'))
    assert overlay.shape == frame.shape
    assert np.abs(overlay.astype(int) - frame.astype(int)).max() > 50


def test_show_dir_with_another_visualizer_says_what_to_set():
    from mmdet.visualization import TrackLocalVisualizer

    from mmrvos.visualization import RVOSVisualizationHook
    runner = SimpleNamespace(visualizer=TrackLocalVisualizer(name=f'vis_{uuid.uuid4().hex}'))
    with pytest.raises(TypeError, match=r"RVOSVisualizationHook draws with RVOSLocalVisualizer, the config "
                       r"has TrackLocalVisualizer: set visualizer=dict\(type='RVOSLocalVisualizer'"):
        RVOSVisualizationHook(draw=True, test_out_dir='vis').before_test(runner)
