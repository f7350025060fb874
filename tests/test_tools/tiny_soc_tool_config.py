# Copyright (c) mmrvos contributors. All rights reserved.
"""A complete config of the tiny SOC (mmrvos.testing) training on the Ref-YouTube-VOS fixture and
testing on the Ref-DAVIS17 fixture with the real metric, for the tools/ tests."""
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATA = osp.join(ROOT, 'tests', 'data')


def write_tiny_soc_config(tmp_dir: str, model: dict, max_iters: int = 4, checkpoint_interval: int = 2,
                          clip_length: int = 2, extra: str = '') -> str:
    """Write the config to ``<tmp_dir>/tiny_soc.py`` and return its path.

    Args:
        tmp_dir (str): where to write.
        model (dict): the tiny SOC model config (``mmrvos.testing.tiny_soc_cfg``).
        max_iters (int): training iterations.
        checkpoint_interval (int): iterations between checkpoints.
        clip_length (int): frames per training window.
        extra (str): config lines appended at the end.
    """
    path = osp.join(tmp_dir, 'tiny_soc.py')
    base = [osp.join(ROOT, 'configs/_base_/default_runtime.py'),
            osp.join(ROOT, 'configs/_base_/datasets/ref_youtube_vos.py')]
    with open(path, 'w') as f:
        f.write(f"""
_base_ = {base!r}
model = {model!r}
scale = (96, 64)
train_pipeline = [
    dict(type='RVOSClipSample'),
    dict(type='TransformBroadcaster', share_random_params=True, transforms=[
        dict(type='LoadRVOSFrame'), dict(type='LoadRVOSAnnotations'),
        dict(type='Resize', scale=scale, keep_ratio=True)]),
    dict(type='PackRVOSInputs'),
]
test_pipeline = [
    dict(type='RVOSClipSample'),
    dict(type='TransformBroadcaster', transforms=[
        dict(type='LoadRVOSFrame'), dict(type='Resize', scale=scale, keep_ratio=True),
        dict(type='LoadRVOSAnnotations')]),
    dict(type='PackRVOSInputs'),
]
train_dataloader = dict(
    num_workers=0, persistent_workers=False, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(data_root={osp.join(DATA, 'ref_youtube_vos')!r}, clip_length={clip_length},
                 pipeline=train_pipeline))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = dict(
    _delete_=True, batch_size=1, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='RefDAVIS17Dataset', data_root={osp.join(DATA, 'ref_davis')!r},
                 ann_file='meta_expressions/valid/meta_expressions.json', meta_file='valid/meta.json',
                 data_prefix=dict(img='valid/JPEGImages', ann='valid/Annotations'), test_mode=True,
                 pipeline=test_pipeline))
test_evaluator = dict(type='RefDAVISMetric')
train_cfg = dict(type='IterBasedTrainLoop', max_iters={max_iters}, val_interval=100000)
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4),
                     clip_grad=dict(max_norm=0.1, norm_type=2))
default_hooks = dict(checkpoint=dict(interval={checkpoint_interval}, by_epoch=False), logger=dict(interval=1))
log_processor = dict(by_epoch=False, window_size=1)
auto_scale_lr = dict(enable=False, base_batch_size=1)  # one process x 1 window
randomness = dict(seed=0)
env_cfg = dict(mp_cfg=dict(mp_start_method='fork', opencv_num_threads=1))
{extra}
""")
    return path
