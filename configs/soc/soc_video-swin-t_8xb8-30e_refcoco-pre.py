# SOC, Video Swin-T, image pre-training on RefCOCO/+/g (images as 1-frame clips; scripts/pretrain.sh +
# configs/coco.yaml: 8 GPUs x 8 images, 30 epochs, lr drops at 15 and 20, text encoder trained with lr 5e-6).
# No evaluation during pre-training (the official box/mask mAP on RefCOCO val is not ported).
_base_ = [
    '../_base_/models/soc_video-swin-t.py',
    '../_base_/datasets/refcoco.py',
    '../_base_/schedules/soc_adamw_30e.py',
    '../_base_/default_runtime.py',
]

model = dict(text_encoder=dict(freeze=False))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'text_encoder': dict(lr_mult=0.05)}))

train_cfg = dict(val_interval=_base_.max_epochs + 1)
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=_base_.max_epochs, by_epoch=True, milestones=[15, 20], gamma=0.1)
]

default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=5))
auto_scale_lr = dict(base_batch_size=64)
