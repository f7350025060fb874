# ReferFormer with a Video Swin-S backbone (Kinetics-400 swin_small_patch244_window877_kinetics400_1k.pth).
_base_ = './referformer_video-swin-t.py'

model = dict(
    backbone=dict(
        arch='small', pretrained='checkpoints/video_swin/swin_small_patch244_window877_kinetics400_1k.pth'))
