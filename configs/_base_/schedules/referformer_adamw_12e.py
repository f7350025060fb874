# ReferFormer's 12-epoch schedule (scripts/dist_joint_train_ytvos.sh, dist_pretrain.sh, the A2D-Sentences
# from-scratch command of docs/A2D-Sentences.md: --epochs 12 --lr_drop 8 10); otherwise
# ./referformer_adamw_6e.py.
_base_ = './referformer_adamw_6e.py'

max_epochs = 12
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[8, 10], gamma=0.1)
]
