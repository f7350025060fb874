# ReferFormer, Video Swin-T, trained on A2D-Sentences from the Kinetics-400 backbone (docs/A2D-Sentences.md,
# from scratch: --epochs 12 --lr_drop 8 10 --dropout 0 --weight_decay 1e-4 --num_frames 6, 8 GPUs x 1,
# frozen roberta-base): clips of 6 frames, no dropout in the deformable transformer.
_base_ = [
    '../_base_/models/referformer_video-swin-t.py',
    '../_base_/datasets/referformer_a2d_sentences.py',
    '../_base_/schedules/referformer_adamw_12e.py',
    '../_base_/default_runtime.py',
]

no_dropout = dict(dropout=0.0)
no_mha_dropout = dict(attn_drop=0.0, dropout_layer=dict(type='Dropout', drop_prob=0.0))
no_ffn_dropout = dict(ffn_drop=0.0)
model = dict(
    head=dict(
        encoder=dict(layer_cfg=dict(self_attn_cfg=no_dropout, ffn_cfg=no_ffn_dropout)),
        decoder=dict(
            layer_cfg=dict(self_attn_cfg=no_mha_dropout, cross_attn_cfg=no_dropout, ffn_cfg=no_ffn_dropout))),
    # the official A2D/JHMDB evaluation pads to a multiple of 32 as its training does
    data_preprocessor=dict(test_pad_size_divisor=None),
    test_cfg=dict(query_selection='all', key_frames='annotated', mask_upsample='via_input'))

clip_length = 6
train_dataloader = dict(batch_size=1, dataset=dict(clip_length=clip_length))
val_dataloader = dict(dataset=dict(clip_length=clip_length))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(weight_decay=1e-4))
train_cfg = dict(val_interval=1)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=5, save_best='a2d/mAP', rule='greater'))
