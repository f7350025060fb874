# ReferFormer, Swin-L, joint training on Ref-YouTube-VOS and RefCOCO/+/g as 5-frame pseudo videos
# (scripts/dist_joint_train_ytvos.sh: main_joint.py, 12 epochs, lr drops after epochs 8 and 10, 8 GPUs x 1,
# frozen roberta-base).
_base_ = [
    '../_base_/models/referformer_swin-l.py',
    '../_base_/datasets/referformer_ref_youtube_vos_joint.py',
    '../_base_/schedules/referformer_adamw_12e.py',
    '../_base_/default_runtime.py',
]

default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=5))
