# Copyright (c) mmrvos contributors. All rights reserved.
"""configs/lbdt/ run by mmengine's Runner with the tiny LBDT: data pipeline, model and metrics together."""
import glob
import os.path as osp
import re
from pathlib import Path

from mmengine.config import Config
from mmengine.runner import Runner

from mmrvos.models.text_encoders import glove as glove_module
from mmrvos.testing import get_config, tiny_lbdt_cfg, write_tiny_glove

A2D_FIXTURE = Path(__file__).resolve().parents[2] / 'data' / 'a2d_sentences'


def _shrink_resize(pipeline, scale):
    for transform in pipeline:
        if transform['type'] == 'Resize':
            transform['scale'] = scale
        _shrink_resize(transform.get('transforms', []), scale)


def _tiny_runner_cfg(config, glove, work_dir, data_root, scale):
    cfg = get_config(config)
    cfg.model = Config(dict(model=tiny_lbdt_cfg(glove))).model
    cfg.work_dir = work_dir
    for name in ('train_dataloader', 'val_dataloader'):
        cfg[name].update(num_workers=0, persistent_workers=False, batch_size=2)
        cfg[name].dataset.data_root = data_root
        _shrink_resize(cfg[name].dataset.pipeline, scale)
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=2)
    cfg.param_scheduler = []
    cfg.log_processor = dict(type='LogProcessor', window_size=1, by_epoch=False)
    return cfg


def test_lbdt_trains_and_writes_ref_ytvos_submission(tmp_path):
    """Ref-YouTube-VOS recipe on synthetic videos: train with reference-frame pairs, predict every frame."""
    from mmrvos.datasets.synthetic import SyntheticRVOSConfig, generate_dataset
    root = str(tmp_path / 'synthetic')
    generate_dataset(root, num_train=1, num_valid=1, seed=0,
                     cfg=SyntheticRVOSConfig(height=48, width=64, num_frames=(8, 8), num_objects=(3, 3)))
    with open(osp.join(root, 'sentences.txt')) as f:
        words = sorted({w for line in f for w in re.split(r'\W+', line.lower()) if w})
    glove_module._TABLES.clear()
    glove = write_tiny_glove(str(tmp_path / 'glove.txt'), words=words)
    cfg = _tiny_runner_cfg('lbdt/lbdt4_r50_2xb8-15e_ref-ytvos.py', glove, str(tmp_path / 'work'), root,
                           (64, 64))
    cfg.train_dataloader.dataset.clip_length = 2
    cfg.val_dataloader.update(batch_size=1)
    cfg.val_dataloader.dataset.expected_num_videos = None
    cfg.val_evaluator.outfile_prefix = str(tmp_path / 'submission')
    cfg.test_evaluator = cfg.val_evaluator
    Runner.from_cfg(cfg).train()
    assert osp.isfile(str(tmp_path / 'submission' / 'submission.zip'))
    assert glob.glob(osp.join(cfg.work_dir, '*.pth'))
    glove_module._TABLES.clear()


def test_lbdt_a2d_sentences_train_and_test(tmp_path):
    """A2D-Sentences recipe on the fixture: annotated frame + reference, scored by A2DSentencesMetric."""
    glove_module._TABLES.clear()
    words = ['man', 'on', 'the', 'left', 'running', 'a', 'dog']
    glove = write_tiny_glove(str(tmp_path / 'glove.txt'), words=words)
    cfg = _tiny_runner_cfg('lbdt/lbdt4_r50_2xb8-15e_a2d-sentences.py', glove, str(tmp_path / 'work'),
                           str(A2D_FIXTURE), (64, 64))
    for name in ('train_dataloader', 'val_dataloader'):
        cfg[name].dataset.check_counts = False
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=2)
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert {'a2d/mAP', 'a2d/overall_iou', 'a2d/mean_iou'} <= set(metrics)
    assert 0 <= metrics['a2d/mean_iou'] <= 1
    glove_module._TABLES.clear()
