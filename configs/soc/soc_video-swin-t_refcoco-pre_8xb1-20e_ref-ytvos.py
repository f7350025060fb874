# SOC, Video Swin-T, fine-tuned on Ref-YouTube-VOS from the RefCOCO/+/g image pre-training
# (scripts/finetune_ytb.sh: 8 x 1, 20 epochs, lr drop at epoch 10). The official code does not load the
# pre-trained class heads: give the pre-trained checkpoint without `head.class_embed.*` as `load_from`.
_base_ = './soc_video-swin-t_8xb1-30e_ref-ytvos.py'

load_from = 'checkpoints/soc_video-swin-t_8xb8-30e_refcoco-pre.pth'

max_epochs = 20
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[10], gamma=0.1)
]
