# SOC's official optimiser and schedule (scripts/train_ytb.sh of RobertLuo1/NeurIPS2023_SOC): AdamW, lr 1e-4
# (backbone x0.1 = 1e-5, text encoder x0.5 = 5e-5, unused while frozen), weight decay 1e-4 on every parameter,
# gradient clipping 0.1; 30 epochs, lr x0.1 after epoch 20, on 8 GPUs x 1 window. Configs override the
# learning rate, multipliers, epochs and milestones where their recipe differs.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(custom_keys={
        'backbone': dict(lr_mult=0.1),
        'text_encoder': dict(lr_mult=0.5),
    }))

max_epochs = 30
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict(type='RVOSValLoop', on_broken_video='stop')  # score what finished, then stop
test_cfg = dict(type='RVOSTestLoop', on_broken_video='stop')  # score what finished, then stop
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[20], gamma=0.1)
]

# The total batch of the recipe (GPUs x windows per GPU); `tools/train.py --auto-scale-lr` rescales the
# learning rates by (actual total batch) / base_batch_size.
auto_scale_lr = dict(enable=False, base_batch_size=8)
