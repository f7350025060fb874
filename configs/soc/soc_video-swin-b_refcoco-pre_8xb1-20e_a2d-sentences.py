# SOC, Video Swin-B, fine-tuned on A2D-Sentences from RefCOCO pre-training.
# Model as in ../_base_/models/soc_video-swin-b.py.
_base_ = './soc_video-swin-t_refcoco-pre_8xb1-20e_a2d-sentences.py'

model = dict(
    backbone=dict(
        arch='base', pretrained='checkpoints/video_swin/swin_base_patch244_window877_kinetics400_22k.pth'),
    neck=dict(in_channels=[256, 512, 1024]),
    head=dict(mask_head=dict(pixel_decoder=dict(fpn_dims=(256, 256, 128)))))
load_from = 'checkpoints/soc_video-swin-b_8xb8-30e_refcoco-pre.pth'
