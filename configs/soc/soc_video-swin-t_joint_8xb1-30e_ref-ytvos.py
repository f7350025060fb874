# SOC, Video Swin-T, joint training on RefCOCO/+/g (as 8-frame pseudo videos) and Ref-YouTube-VOS
# (scripts/train_joint.sh + configs/joint.yaml: 8 x 1, 30 epochs, lr drop at 20, text encoder trained
# with lr 5e-6).
_base_ = [
    '../_base_/models/soc_video-swin-t.py',
    '../_base_/datasets/ref_youtube_vos_joint.py',
    '../_base_/schedules/soc_adamw_30e.py',
    '../_base_/default_runtime.py',
]

model = dict(text_encoder=dict(freeze=False))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'text_encoder': dict(lr_mult=0.05)}))

val_evaluator = dict(type='RefYouTubeVOSMetric', outfile_prefix='{work_dir}/ref-ytvos-submission')
test_evaluator = val_evaluator

default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=5))
