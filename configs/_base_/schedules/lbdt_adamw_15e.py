# LBDT's official optimiser and schedule (dzh19990407/LBDT main.py, scripts/train_a2d.sh): AdamW, lr 1e-4 for
# every parameter (backbones and LSTM included), weight decay 5e-4, no gradient clipping, no warm-up;
# 15 epochs, lr x0.5 after epochs 10, 12 and 14; 2 GPUs x 8 samples; evaluated after every epoch.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-4, weight_decay=5e-4))

max_epochs = 15
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='RVOSValLoop', on_broken_video='stop')  # score what finished, then stop
test_cfg = dict(type='RVOSTestLoop', on_broken_video='stop')  # score what finished, then stop
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[10, 12, 14], gamma=0.5)
]

auto_scale_lr = dict(enable=False, base_batch_size=16)
