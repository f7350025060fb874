# SOC, Video Swin-T, trained from scratch (Kinetics-400 backbone, frozen roberta-base) on
# Ref-YouTube-VOS: 8 GPUs x 1 window of 8 frames, 30 epochs (scripts/train_ytb.sh of the official code).
_base_ = [
    '../_base_/models/soc_video-swin-t.py',
    '../_base_/datasets/ref_youtube_vos.py',
    '../_base_/default_runtime.py',
]

# Official optimiser: AdamW, lr 1e-4 (backbone x0.1 = 1e-5, text encoder x0.5 = 5e-5, unused while frozen),
# weight decay 1e-4 on every parameter, gradient clipping 0.1.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(custom_keys={
        'backbone': dict(lr_mult=0.1),
        'text_encoder': dict(lr_mult=0.5),
    }))

max_epochs = 30
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[20], gamma=0.1)
]

# Ref-YouTube-VOS has no public validation masks: the metric writes the submission zip.
val_evaluator = dict(type='RefYouTubeVOSMetric', outfile_prefix='work_dirs/ref-ytvos-submission')
test_evaluator = val_evaluator

default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=5))

# 8 GPUs x 1 clip; `--auto-scale-lr` rescales the learning rates for another total batch size.
auto_scale_lr = dict(enable=False, base_batch_size=8)
