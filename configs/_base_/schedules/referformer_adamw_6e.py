# ReferFormer's official optimiser and schedule (wjn922/ReferFormer opts.py, main.py,
# scripts/dist_train_test_ytvos.sh): AdamW, lr 1e-4, backbone 5e-5 (x0.5), text encoder 1e-5 (x0.1; frozen
# by --freeze_text_encoder except in RefCOCO pre-training), weight decay 5e-4 on every parameter, gradient
# clipping 0.1 (the official linear_proj group of reference_points/sampling_offsets has multiplier 1.0, i.e.
# no group); 6 epochs, lr x0.1 after epochs 3 and 5, on 8 GPUs x 1 clip. Configs override the epochs,
# milestones and batch where their script differs.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=5e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(custom_keys={
        'backbone': dict(lr_mult=0.5),
        'text_encoder': dict(lr_mult=0.1),
    }))

max_epochs = 6
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='RVOSValLoop', on_broken_video='stop')  # score what finished, then stop
test_cfg = dict(type='RVOSTestLoop', on_broken_video='stop')  # score what finished, then stop
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[3, 5], gamma=0.1)
]

# The total batch of the recipe (GPUs x clips per GPU); `tools/train.py --auto-scale-lr` rescales the
# learning rates by (actual total batch) / base_batch_size.
auto_scale_lr = dict(enable=False, base_batch_size=8)
