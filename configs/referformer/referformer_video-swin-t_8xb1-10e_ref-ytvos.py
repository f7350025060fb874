# ReferFormer, Video Swin-T, trained on Ref-YouTube-VOS from the Kinetics-400 backbone without RefCOCO
# pre-training (scripts/dist_train_test_ytvos_scratch.sh: the opts.py defaults, 10 epochs, lr drops after
# epochs 6 and 8, 8 GPUs x 1 clip of 5 frames, frozen roberta-base).
_base_ = [
    '../_base_/models/referformer_video-swin-t.py',
    '../_base_/datasets/referformer_ref_youtube_vos.py',
    '../_base_/schedules/referformer_adamw_10e.py',
    '../_base_/default_runtime.py',
]

default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=5))
