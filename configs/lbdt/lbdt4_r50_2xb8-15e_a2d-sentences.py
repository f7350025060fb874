# LBDT-4 (four layers per Language-Bridged Duplex Transfer stack), two ImageNet ResNet-50 streams, trained on
# A2D-Sentences with the official recipe (scripts/train_a2d.sh: 2 GPUs x 8, 15 epochs). Evaluated per
# annotated frame (with its reference frame) by the standard A2D-Sentences metric (COCO mAP, P@K, IoUs).
_base_ = [
    '../_base_/models/lbdt_r50.py',
    '../_base_/datasets/lbdt_a2d_sentences.py',
    '../_base_/schedules/lbdt_adamw_15e.py',
    '../_base_/default_runtime.py',
]

model = dict(test_cfg=dict(key_frames='annotated'))

default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=5, save_best='a2d/mAP', rule='greater'))
# demo/video_demo.py: the A2D-Sentences spacing of 6 frames
inference_cfg = dict(model_test_cfg=dict(key_frames='all', ref_offset=6))
