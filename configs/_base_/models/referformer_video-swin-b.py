# ReferFormer with a Video Swin-B backbone (Kinetics-400, ImageNet-22k:
# swin_base_patch244_window877_kinetics400_22k.pth; drop path 0.2 as the official configs).
_base_ = './referformer_video-swin-t.py'

model = dict(
    backbone=dict(
        arch='base', pretrained='checkpoints/video_swin/swin_base_patch244_window877_kinetics400_22k.pth'),
    neck=dict(in_channels=[256, 512, 1024]),
    head=dict(mask_head=dict(pixel_decoder=dict(in_channels=(128, 256, 256, 256)))))
