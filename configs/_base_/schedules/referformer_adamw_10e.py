# ReferFormer's default schedule of opts.py (--epochs 10 --lr_drop 6 8), used by
# scripts/dist_train_test_ytvos_scratch.sh; otherwise ./referformer_adamw_6e.py.
_base_ = './referformer_adamw_6e.py'

max_epochs = 10
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[6, 8], gamma=0.1)
]
