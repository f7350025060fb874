# SOC with a Video Swin-B backbone
# (Kinetics-400, ImageNet-22k: swin_base_patch244_window877_kinetics400_22k.pth).
_base_ = './soc_video-swin-t.py'

model = dict(
    backbone=dict(
        arch='base', pretrained='checkpoints/video_swin/swin_base_patch244_window877_kinetics400_22k.pth'),
    neck=dict(in_channels=[256, 512, 1024]),
    head=dict(mask_head=dict(pixel_decoder=dict(fpn_dims=(256, 256, 128)))))
