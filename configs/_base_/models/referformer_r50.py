# ReferFormer with a ResNet-50 frame backbone (official hyper-parameters, wjn922/ReferFormer opts.py and
# models/referformer.py). Every frame goes through the ResNet on its own (`frame_backbone=True`); stem and
# layer1 are frozen and BatchNorm is frozen everywhere, as the official FrozenBatchNorm2d backbone.
# Local weights (nothing is downloaded): the torchvision ImageNet ResNet-50 checkpoint and a
# save_pretrained() copy of roberta-base.
d_model = 256
num_queries = 5

msda_cfg = dict(embed_dims=d_model, num_heads=8, num_levels=4, num_points=4, dropout=0.1, batch_first=True)
mha_cfg = dict(embed_dims=d_model, num_heads=8, attn_drop=0.1, proj_drop=0.0,
               dropout_layer=dict(type='Dropout', drop_prob=0.1), batch_first=True)
ffn_cfg = dict(embed_dims=d_model, feedforward_channels=2048, num_fcs=2, ffn_drop=0.1,
               act_cfg=dict(type='ReLU', inplace=True))

model = dict(
    type='ReferFormer',
    data_preprocessor=dict(
        type='RVOSDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        # the official training collate pads every batch to a multiple of 32; its Ref-YouTube-VOS and
        # Ref-DAVIS17 inference runs the un-padded video (A2D/JHMDB configs: 32 in both phases)
        pad_size_divisor=32,
        test_pad_size_divisor=1,
        pad_mask=True),
    frame_backbone=True,
    backbone=dict(
        type='mmdet.ResNet',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet/resnet50-0676ba61.pth')),
    text_encoder=dict(
        type='RoBERTaTextEncoder',
        model_path='checkpoints/roberta-base',
        embed_dims=d_model,
        proj_dropout=0.1,
        freeze=True),
    # input projections of strides 8/16/32 (+ a stride-64 level from C5) and the visual <- text fusion
    neck=dict(
        type='VisionLanguageFusionNeck', in_channels=[512, 1024, 2048], embed_dims=d_model, num_heads=8,
        num_levels=4),
    head=dict(
        type='ReferFormerHead',
        num_queries=num_queries,
        num_classes=1,
        embed_dims=d_model,
        num_levels=4,
        encoder=dict(num_layers=4, layer_cfg=dict(self_attn_cfg=msda_cfg, ffn_cfg=ffn_cfg)),
        decoder=dict(
            num_layers=4,
            return_intermediate=True,
            post_norm_cfg=None,
            layer_cfg=dict(self_attn_cfg=mha_cfg, cross_attn_cfg=msda_cfg, ffn_cfg=ffn_cfg)),
        mask_head=dict(
            type='DynamicMaskHead',
            in_channels=256,  # mask_dim: the pixel decoder's output channels
            dynamic_channels=8,
            num_layers=3,
            rel_coords=True,
            pixel_decoder=dict(
                type='CrossModalFPNDecoder',
                in_channels=(256, d_model, d_model, d_model),  # stride 4 (ResNet layer1), then 8, 16, 32
                feat_channels=d_model,
                out_channels=256,
                num_heads=8,
                feedforward_channels=2048,
                dropout=0.1)),
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=2.0),
        loss_mask=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=2.0),
        loss_dice=dict(type='DiceLoss', use_sigmoid=True, activate=True, naive_dice=True, eps=1.0,
                       loss_weight=5.0),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='SmoothedGIoULoss', eps=1e-6, loss_weight=2.0)),
    # One Hungarian assignment per clip (models/matcher.py): class cost over the frames where the object is
    # visible, box costs averaged over all frames, mask costs over the whole clip volume at stride 4.
    train_cfg=dict(
        assigner=dict(
            type='HungarianAssigner',
            match_costs=[
                dict(type='FrameAveragedCost', valid_only=True,
                     cost=dict(type='FocalLossCost', alpha=0.25, gamma=2.0, eps=1e-8, weight=2.0)),
                dict(type='FrameAveragedCost', cost=dict(type='BBoxL1Cost', box_format='xywh', weight=5.0)),
                dict(type='FrameAveragedCost', cost=dict(type='IoUCost', iou_mode='giou', weight=2.0)),
                dict(type='FocalLossCost', binary_input=True, alpha=0.25, gamma=2.0, eps=1e-8, weight=2.0),
                dict(type='DiceCost', pred_act=True, naive_dice=True, eps=1.0, weight=5.0),
            ])),
    # inference_ytvos.py: the scores of each query averaged over all frames of the video, the best query
    # segments every frame, masks bilinear to the frame size and thresholded at 0.5.
    test_cfg=dict(
        query_selection='video',  # 'all' for A2D/JHMDB (every query is a scored prediction)
        clip_length=None,  # frames per selection window (36 for Ref-DAVIS17); None = whole video
        key_frames='all',  # 'annotated': predict only frames with has_gt (A2D/JHMDB)
        mask_upsample='direct',
        mask_thr=0.5))
