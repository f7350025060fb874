# SOC, Video Swin-B, joint training on RefCOCO/+/g pseudo videos and Ref-YouTube-VOS.
# Model as in ../_base_/models/soc_video-swin-b.py.
_base_ = './soc_video-swin-t_joint_8xb1-30e_ref-ytvos.py'

model = dict(
    backbone=dict(
        arch='base', pretrained='checkpoints/video_swin/swin_base_patch244_window877_kinetics400_22k.pth'),
    neck=dict(in_channels=[256, 512, 1024]),
    head=dict(mask_head=dict(pixel_decoder=dict(fpn_dims=(256, 256, 128)))))
