# ReferFormer, Video Swin-B, fine-tuned on A2D-Sentences from the RefCOCO/+/g pre-training
# (scripts/dist_train_a2d.sh: 8 GPUs x 2 clips of 5 frames whose annotated frame is supervised, 6 epochs,
# lr drops after epochs 3 and 5, frozen roberta-base; evaluated after every epoch). Every query of the
# annotated frame is a scored prediction (engine.py evaluate_a2d). Load the pre-trained checkpoint without
# `head.class_embed.*`.
_base_ = [
    '../_base_/models/referformer_video-swin-b.py',
    '../_base_/datasets/referformer_a2d_sentences.py',
    '../_base_/schedules/referformer_adamw_6e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    # the official A2D/JHMDB evaluation pads to a multiple of 32 as its training does
    data_preprocessor=dict(test_pad_size_divisor=None),
    test_cfg=dict(query_selection='all', key_frames='annotated', mask_upsample='via_input'))

load_from = 'checkpoints/referformer_video-swin-b_8xb2-12e_refcoco-pre.pth'
train_cfg = dict(val_interval=1)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=5, save_best='a2d/mAP', rule='greater'))
auto_scale_lr = dict(base_batch_size=16)
