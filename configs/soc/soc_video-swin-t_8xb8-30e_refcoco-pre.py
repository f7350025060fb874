# SOC, Video Swin-T, image pre-training on RefCOCO/+/g (images as 1-frame clips; scripts/pretrain.sh +
# configs/coco.yaml: 8 GPUs x 8 images, 30 epochs, lr drops at 15 and 20, text encoder trained with lr 5e-6).
# No evaluation during pre-training (the official box/mask mAP on RefCOCO val is not ported).
_base_ = [
    '../_base_/models/soc_video-swin-t.py',
    '../_base_/datasets/refcoco.py',
    '../_base_/default_runtime.py',
]

model = dict(text_encoder=dict(freeze=False))

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
optim_wrapper.update(paramwise_cfg=dict(custom_keys={
    'backbone': dict(lr_mult=0.1),
    'text_encoder': dict(lr_mult=0.05),
}))

max_epochs = 30
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs + 1)
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[15, 20], gamma=0.1)
]

default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=5))
auto_scale_lr = dict(enable=False, base_batch_size=64)
