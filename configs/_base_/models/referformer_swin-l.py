# ReferFormer with an image Swin-L backbone (official swin_l_p4w7: width 192, depths 2-2-18-2, window 7,
# drop path 0.3), initialised from the ImageNet-22k checkpoint swin_large_patch4_window7_224_22k.pth.
_base_ = './referformer_swin-t.py'

model = dict(
    backbone=dict(
        embed_dims=192,
        depths=[2, 2, 18, 2],
        num_heads=[6, 12, 24, 48],
        drop_path_rate=0.3,
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/swin/swin_large_patch4_window7_224_22k.pth')),
    neck=dict(in_channels=[384, 768, 1536]),
    head=dict(mask_head=dict(pixel_decoder=dict(in_channels=(192, 256, 256, 256)))))
