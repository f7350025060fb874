# Tiny SOC trained from scratch on the synthetic referring-video benchmark (docs/synthetic_benchmark.md)
# in minutes on a 2-core CPU: the model classes of configs/_base_/models/soc_video-swin-t.py with small
# widths, a frozen random tiny RoBERTa on a tokenizer built from the generator's sentences, 96x160 frames,
# 20 queries, 8 windows of 2 frames per iteration.
# Run everything with `python tools/run_synthetic_benchmark.py`.
#
# Settings that differ from the official recipe because everything starts from random weights (each
# measured in configs/synthetic/README.md):
#   text_encoder.model_config.initializer_range=0.2  with HF's default 0.02 the pooled sentence feature of
#       a random RoBERTa is the same for every sentence (cosine 1.000);
#   head.voc.learnt_content       video queries start from sentence + a learnt per-query vector; from the
#       sentence alone they are identical and the contrastive loss cannot leave ln(num_queries);
#   head.mask_head.rel_coords_scale=1/32  relative coordinates in units of 32 px instead of pixels (raw
#       pixels give initial mask logits of about +-36);
#   one deformable encoder layer (the encoder is ~2/3 of an iteration on a CPU), lr 2e-3.
_base_ = [
    '../_base_/models/soc_video-swin-t.py',
    '../_base_/datasets/ref_youtube_vos.py',
    '../_base_/default_runtime.py',
]

data_root = 'data/synthetic_rvos/'
# Written by tools/run_synthetic_benchmark.py (mmrvos.testing.build_tiny_roberta_tokenizer on sentences.txt).
tokenizer_path = data_root + 'tiny_roberta'
d_model = 128
num_queries = 20  # as the official configs: 5 fixed reference points leave most objects far from any query
swin_dims = 16
ffn_dims = 256
num_layers = 2
clip_length = 2  # 8 clips of 2 frames per batch (16 frames): twice the sentences of 4 x 4 at the same cost
scale = (160, 96)  # (w, h): the generator's frame size

msda_cfg = dict(embed_dims=d_model, num_heads=4, num_levels=4, num_points=4, dropout=0.0)
mha_cfg = dict(embed_dims=d_model, num_heads=4, attn_drop=0.0,
               dropout_layer=dict(type='Dropout', drop_prob=0.0))
ffn_cfg = dict(embed_dims=d_model, feedforward_channels=ffn_dims, ffn_drop=0.0)

model = dict(
    backbone=dict(
        arch=dict(_delete_=True, embed_dims=swin_dims, depths=[1, 1, 1, 1], num_heads=[1, 1, 2, 2]),
        pretrained=None,
        drop_path_rate=0.0),
    text_encoder=dict(
        _delete_=True,
        type='RoBERTaTextEncoder',
        tokenizer_path=tokenizer_path,
        # a random RoBERTa (mmrvos.testing.tiny_roberta_config); the BPE has at most 512 tokens
        model_config=dict(
            vocab_size=512, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
            intermediate_size=128, max_position_embeddings=64, pad_token_id=1, bos_token_id=0,
            eos_token_id=2, type_vocab_size=1, layer_norm_eps=1e-5, initializer_range=0.2,
            hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0),
        embed_dims=d_model,
        proj_dropout=0.0,
        # frozen, as the official configs freeze roberta-base: a trainable random RoBERTa collapses (the
        # sentence features of different sentences reach cosine 0.996 within 400 iterations)
        freeze=True),
    neck=dict(in_channels=[swin_dims * 2, swin_dims * 4, swin_dims * 8], embed_dims=d_model, num_heads=4),
    head=dict(
        num_queries=num_queries,
        embed_dims=d_model,
        # one encoder layer: the deformable encoder is ~2/3 of an iteration's time on a CPU
        encoder=dict(num_layers=1, layer_cfg=dict(self_attn_cfg=msda_cfg, ffn_cfg=ffn_cfg)),
        decoder=dict(
            num_layers=num_layers,
            layer_cfg=dict(self_attn_cfg=mha_cfg, cross_attn_cfg=msda_cfg, ffn_cfg=ffn_cfg)),
        voc=dict(
            num_queries=num_queries, num_heads=4, feedforward_channels=ffn_dims,
            num_encoder_layers=num_layers, num_decoder_layers=num_layers, dropout=0.0, learnt_content=True),
        mask_head=dict(fpn_dims=(d_model, d_model, swin_dims), rel_coords_scale=1 / 32),
        # with distinct video queries the contrastive logits need a temperature below the official
        # d_model (128), which keeps them within +-1
        loss_contrastive=dict(temperature=8.0)))

train_pipeline = [
    dict(type='RVOSClipSample'),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadRVOSFrame'),
            dict(type='LoadRVOSAnnotations'),
            dict(type='TextAwareRandomFlip', prob=0.5),  # swaps "left" and "right" in the sentence
            dict(type='Resize', scale=scale, keep_ratio=True),
        ]),
    dict(type='PackRVOSInputs'),
]
test_pipeline = [
    dict(type='RVOSClipSample'),
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadRVOSFrame'),
            dict(type='Resize', scale=scale, keep_ratio=True),
            dict(type='LoadRVOSAnnotations'),
        ]),
    dict(type='PackRVOSInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(data_root=data_root, clip_length=clip_length, pipeline=train_pipeline))
# The synthetic valid split has Annotations: whole videos, J&F computed offline.
val_dataloader = dict(
    num_workers=1,
    dataset=dict(
        data_root=data_root,
        exclude_ann_file=None,
        expected_num_videos=None,
        data_prefix=dict(img='valid/JPEGImages', ann='valid/Annotations'),
        meta_file='valid/meta.json',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='RefYouTubeVOSMetric', outfile_prefix='work_dirs/synthetic_rvos/valid_predictions',
    format_only=False, zip_name=None)
test_evaluator = val_evaluator
# demo/video_demo.py (RVOSInferencer): a synthetic video (<= 24 frames) is one window, as in testing.
inference_cfg = dict(window_size=24, window_overlap=0)

max_iters = 800
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters + 1)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4),
    clip_grad=dict(max_norm=1.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=30, end=max_iters, eta_min=1e-5),
]
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters, max_keep_ckpts=1))
log_processor = dict(by_epoch=False, window_size=25)
randomness = dict(seed=0)
env_cfg = dict(mp_cfg=dict(mp_start_method='fork', opencv_num_threads=1))
