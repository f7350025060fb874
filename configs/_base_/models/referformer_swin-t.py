# ReferFormer with an image Swin-T backbone applied to every frame on its own (`frame_backbone=True`;
# official models/swin_transformer.py, swin_t_p4w7: patch 4, window 7, drop path 0.2, all four stages out,
# each with its LayerNorm): mmdet's SwinTransformer, initialised from the official ImageNet-1k checkpoint
# swin_tiny_patch4_window7_224.pth (converted on load by mmdet); the rest as ./referformer_r50.py.
_base_ = './referformer_r50.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmdet.SwinTransformer',
        pretrain_img_size=224,
        embed_dims=96,
        patch_size=4,
        window_size=7,
        mlp_ratio=4,
        depths=[2, 2, 6, 2],
        num_heads=[3, 6, 12, 24],
        qkv_bias=True,
        qk_scale=None,
        drop_rate=0.0,
        attn_drop_rate=0.0,
        drop_path_rate=0.2,
        patch_norm=True,
        out_indices=(0, 1, 2, 3),
        with_cp=False,
        convert_weights=True,
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/swin/swin_tiny_patch4_window7_224.pth')),
    neck=dict(in_channels=[192, 384, 768]),
    head=dict(mask_head=dict(pixel_decoder=dict(in_channels=(96, 256, 256, 256)))))
