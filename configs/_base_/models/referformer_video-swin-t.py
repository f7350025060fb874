# ReferFormer with a Video Swin-T backbone (MTTR-style per-frame outputs: patch (1, 4, 4), window (8, 7, 7),
# no 4th downsampling), the Kinetics-400 checkpoint swin_tiny_patch244_window877_kinetics400_1k.pth; the rest
# as ./referformer_r50.py. The clip's frames meet in the backbone's temporal windows.
_base_ = './referformer_r50.py'

model = dict(
    frame_backbone=False,
    backbone=dict(
        _delete_=True,
        type='VideoSwinTransformerRVOS',
        arch='tiny',
        pretrained='checkpoints/video_swin/swin_tiny_patch244_window877_kinetics400_1k.pth',
        patch_size=(1, 4, 4),
        window_size=(8, 7, 7),
        drop_path_rate=0.2,
        out_indices=(0, 1, 2, 3),
        with_cp=False),
    neck=dict(in_channels=[192, 384, 768]),
    head=dict(mask_head=dict(pixel_decoder=dict(in_channels=(96, 256, 256, 256)))))
