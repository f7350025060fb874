# SOC, Video Swin-T, fine-tuned on A2D-Sentences from RefCOCO pre-training (scripts/finetune_a2d.sh:
# 8 x 1 window, 20 epochs, no lr drop). Load the pre-trained model without its class heads.
_base_ = './soc_video-swin-t_2xb2-40e_a2d-sentences.py'

load_from = 'checkpoints/soc_video-swin-t_8xb8-30e_refcoco-pre.pth'
train_dataloader = dict(batch_size=1)

max_epochs = 20
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[20], gamma=0.2)
]
auto_scale_lr = dict(base_batch_size=8)
