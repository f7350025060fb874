# ReferFormer, ResNet-50, fine-tuned on Ref-YouTube-VOS from the RefCOCO/+/g pre-training
# (scripts/dist_train_test_ytvos.sh: 8 GPUs x 1 clip of 5 frames, 6 epochs, lr drops after epochs 3 and 5,
# frozen roberta-base). The official code does not load the pre-trained class heads: give the
# pre-trained checkpoint without `head.class_embed.*` as `load_from`.
_base_ = [
    '../_base_/models/referformer_r50.py',
    '../_base_/datasets/referformer_ref_youtube_vos.py',
    '../_base_/schedules/referformer_adamw_6e.py',
    '../_base_/default_runtime.py',
]

load_from = 'checkpoints/referformer_r50_8xb2-12e_refcoco-pre.pth'

default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=5))
