# SOC with a Video Swin-T backbone (official hyper-parameters, RobertLuo1/NeurIPS2023_SOC).
# Local weights (nothing is downloaded): the Kinetics-400 Video Swin-T checkpoint
# swin_tiny_patch244_window877_kinetics400_1k.pth and a save_pretrained() copy of roberta-base.
d_model = 256
num_queries = 20

msda_cfg = dict(embed_dims=d_model, num_heads=8, num_levels=4, num_points=4, dropout=0.1, batch_first=True)
mha_cfg = dict(embed_dims=d_model, num_heads=8, attn_drop=0.1, proj_drop=0.0,
               dropout_layer=dict(type='Dropout', drop_prob=0.1), batch_first=True)
ffn_cfg = dict(embed_dims=d_model, feedforward_channels=2048, num_fcs=2, ffn_drop=0.1,
               act_cfg=dict(type='ReLU', inplace=True))

model = dict(
    type='SOC',
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=1,  # the official collate pads to the largest frame of the batch only
        pad_mask=True),
    backbone=dict(
        type='VideoSwinTransformerRVOS',
        arch='tiny',
        pretrained='checkpoints/video_swin/swin_tiny_patch244_window877_kinetics400_1k.pth',
        patch_size=(1, 4, 4),
        window_size=(8, 7, 7),
        drop_path_rate=0.2,
        out_indices=(0, 1, 2, 3),
        with_cp=False),
    text_encoder=dict(
        type='RoBERTaTextEncoder',
        model_path='checkpoints/roberta-base',
        embed_dims=d_model,
        proj_dropout=0.1,
        freeze=True),
    neck=dict(type='MMFNeck', in_channels=[192, 384, 768], embed_dims=d_model, num_heads=8, num_levels=4),
    head=dict(
        type='SOCHead',
        num_queries=num_queries,
        num_classes=1,
        embed_dims=d_model,
        num_levels=4,
        encoder=dict(num_layers=3, layer_cfg=dict(self_attn_cfg=msda_cfg, ffn_cfg=ffn_cfg)),
        decoder=dict(
            num_layers=3,
            return_intermediate=True,
            post_norm_cfg=None,
            layer_cfg=dict(self_attn_cfg=mha_cfg, cross_attn_cfg=msda_cfg, ffn_cfg=ffn_cfg)),
        voc=dict(
            num_queries=num_queries,
            num_heads=8,
            feedforward_channels=2048,
            num_encoder_layers=3,
            num_decoder_layers=3,
            dropout=0.1),
        mask_head=dict(
            type='DynamicMaskHead',
            pixel_decoder=dict(
                type='FPNSpatialDecoder',
                context_dims=d_model,
                fpn_dims=(d_model, d_model, 96),  # strides 16, 8 (encoder memory) and 4 (Swin stage 1)
                mask_dims=8),
            in_channels=8,
            dynamic_channels=8,
            num_layers=3,
            rel_coords=True),
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=2.0),
        loss_mask=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=2.0),
        loss_dice=dict(type='DiceLoss', use_sigmoid=True, activate=True, naive_dice=True, eps=1.0,
                       loss_weight=5.0),
        loss_bbox=dict(type='L1Loss', loss_weight=2.0),
        loss_iou=dict(type='SmoothedGIoULoss', eps=1e-6, loss_weight=2.0),
        loss_contrastive=dict(type='VisualLinguisticContrastiveLoss', temperature=None, loss_weight=1.0)),
    # One Hungarian assignment per clip; costs averaged over frames (class cost over visible frames).
    train_cfg=dict(
        assigner=dict(
            type='HungarianAssigner',
            match_costs=[
                dict(type='FrameAveragedCost', valid_only=True,
                     cost=dict(type='FocalLossCost', alpha=0.25, gamma=2.0, eps=1e-8, weight=2.0)),
                dict(type='FrameAveragedCost',
                     cost=dict(type='DiceCost', pred_act=True, naive_dice=True, eps=1.0, weight=5.0)),
                dict(type='FrameAveragedCost', cost=dict(type='BBoxL1Cost', box_format='xywh', weight=2.0)),
                dict(type='FrameAveragedCost', cost=dict(type='IoUCost', iou_mode='giou', weight=2.0)),
            ])),
    test_cfg=dict(
        query_selection='video',  # one query per expression (Ref-YouTube-VOS); 'all' for A2D/JHMDB
        clip_length=None,  # frames per selection window (36 for Ref-DAVIS17); None = whole video
        key_frames='all',  # 'annotated': predict only frames with has_gt (A2D/JHMDB)
        mask_upsample='direct',
        mask_thr=0.5,
        official_layer0_quirk=False))  # True only for converted official checkpoints (see SOCHead)
