# Copyright (c) mmrvos contributors. All rights reserved.
import glob
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

from mmrvos.testing import build_tiny_text_encoder_cfg, get_config, tiny_soc_cfg


def _shrink_resize(pipeline, scale):
    for transform in pipeline:
        if transform['type'] == 'Resize':
            transform['scale'] = scale
        _shrink_resize(transform.get('transforms', []), scale)


def test_soc_trains_and_writes_ref_ytvos_submission(tmp_path):
    """The Ref-YouTube-VOS config (tiny model, synthetic data) trains and validates with mmengine's Runner."""
    from mmrvos.datasets.synthetic import SyntheticRVOSConfig, generate_dataset
    root = str(tmp_path / 'synthetic')
    generate_dataset(root, num_train=1, num_valid=1, seed=0,
                     cfg=SyntheticRVOSConfig(height=48, width=64, num_frames=(8, 8), num_objects=(3, 3)))
    with open(osp.join(root, 'sentences.txt')) as f:
        sentences = f.read().split('\n')
    text_encoder = build_tiny_text_encoder_cfg(str(tmp_path / 'tokenizer'), sentences, embed_dims=128)

    cfg = get_config('soc/soc_video-swin-t_8xb1-30e_ref-ytvos.py')
    cfg.model = Config(dict(model=tiny_soc_cfg(text_encoder))).model
    cfg.work_dir = str(tmp_path / 'work')
    for name in ('train_dataloader', 'val_dataloader'):
        cfg[name].update(num_workers=0, persistent_workers=False)
        cfg[name].dataset.data_root = root
        _shrink_resize(cfg[name].dataset.pipeline, (64, 48))
    cfg.train_dataloader.dataset.clip_length = 2
    cfg.val_dataloader.dataset.expected_num_videos = None
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=2)
    cfg.param_scheduler = []
    cfg.log_processor = dict(type='LogProcessor', window_size=1, by_epoch=False)
    cfg.val_evaluator.outfile_prefix = str(tmp_path / 'submission')
    cfg.test_evaluator = cfg.val_evaluator
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert osp.isfile(str(tmp_path / 'submission' / 'submission.zip'))
    assert glob.glob(osp.join(cfg.work_dir, '*.pth'))
