# A short iteration schedule for models trained from random weights on a CPU (configs/synthetic/): AdamW,
# lr 2e-3, weight decay 1e-4, gradient clipping 1.0; linear warm-up over 30 iterations from lr x0.1, then
# cosine decay to 1e-5 at the last iteration (800). Tuned for a total batch of 8 windows (one process x 8).
max_iters = 800
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
test_cfg = dict(type='RVOSTestLoop', on_broken_video='stop')  # score what finished, then stop
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4),
    clip_grad=dict(max_norm=1.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    # no `end`: mmengine ends it at train_cfg.max_iters, so --cfg-options train_cfg.max_iters=N moves it
    dict(type='CosineAnnealingLR', by_epoch=False, begin=30, eta_min=1e-5),
]

# `tools/train.py --auto-scale-lr` rescales the learning rate by (actual total batch) / base_batch_size.
auto_scale_lr = dict(enable=False, base_batch_size=8)
