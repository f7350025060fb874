# ReferFormer, Swin-L, image pre-training on RefCOCO/+/g (scripts/dist_pretrain.sh: main_pretrain.py
# --num_frames 1 --batch_size 2 --epochs 12 --lr_drop 8 10 on 8 GPUs, text encoder trained with lr 1e-5).
# No evaluation during pre-training (the official RefCOCO box/mask evaluation is not ported).
_base_ = [
    '../_base_/models/referformer_swin-l.py',
    '../_base_/datasets/referformer_refcoco.py',
    '../_base_/schedules/referformer_adamw_12e.py',
    '../_base_/default_runtime.py',
]

model = dict(text_encoder=dict(freeze=False))

train_cfg = dict(val_interval=_base_.max_epochs + 1)
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
auto_scale_lr = dict(base_batch_size=16)

default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=5))
