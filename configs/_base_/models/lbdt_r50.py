# LBDT with two ResNet-50 streams (official hyper-parameters, dzh19990407/LBDT models/LBDT_4.py).
# Local files (nothing is downloaded): torchvision's ImageNet ResNet-50 (resnet50-0676ba61.pth) for both
# streams, and a GloVe 840B 300-d word table (glove.840B.300d.txt; read once into glove.840B.300d.txt.pt).
# LBDT-4: four layers per Language-Bridged Duplex Transfer stack (LBDT-1: num_layers=1).
resnet_weights = 'checkpoints/resnet/resnet50-0676ba61.pth'

model = dict(
    type='LBDT',
    # ImageNet normalisation of the RGB frames (the official ToTensor + Normalize)
    data_preprocessor=dict(
        type='TrackDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='TwoStreamResNet',
        # BN trainable and in train mode, nothing frozen: the whole backbone trains at the base lr
        resnet=dict(
            type='mmdet.ResNet',
            depth=50,
            num_stages=4,
            out_indices=(0, 1, 2, 3),
            style='pytorch',
            frozen_stages=-1,
            norm_cfg=dict(type='BN', requires_grad=True),
            norm_eval=False,
            zero_init_residual=False,  # torchvision's default (only matters without ImageNet weights)
            init_cfg=dict(type='Pretrained', checkpoint=resnet_weights))),
    text_encoder=dict(
        type='GloVeTextEncoder',
        glove_path='data/glove/glove.840B.300d.txt',
        embed_dims=512,
        word_dims=300,
        max_len=25),
    transfer=dict(
        type='LanguageBridgedDuplexTransfer',
        embed_dims=512,
        num_layers=4,
        num_heads=8,
        feedforward_channels=512,
        dropout=0.1),
    transfer_stages=(2, 3),
    decode_head=dict(type='LBDTHead', channels=128, num_convs=4, upsample_factor=4),
    test_cfg=dict(key_frames='all', mask_thr=0.5, max_batch_frames=8))
# RVOSInferencer / demo/video_demo.py feed windows of consecutive video frames: each frame's reference is the
# frame 5 before it in the video (the official Ref-YouTube-VOS and JHMDB spacing), the window's first frame
# where that is before the window.
inference_cfg = dict(model_test_cfg=dict(key_frames='all', ref_offset=5))
