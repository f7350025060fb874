# A tiny ReferFormer that trains from random weights on a CPU: the classes of ./referformer_video-swin-t.py
# with the widths of the tiny SOC (./soc_tiny.py), so that the two compare on the synthetic benchmark.
# Video Swin with a 16-channel stem and one block per stage, width 128, 4 attention heads, FFN 256 (also in
# the cross-modal FPN's vision-language blocks), one deformable encoder layer, 2 decoder layers, no dropout,
# mask features of 8 channels as the tiny SOC's (the official mask_dim is the width, 256; at 128 the copies of
# the mask features for 20 queries x 16 frames cost ~20% of an iteration in a CPU profile), and the frozen
# random 2-layer RoBERTa (hidden 64) of ./soc_tiny.py, whose tokenizer a config gives as
# `model.text_encoder.tokenizer_path`.
#
# Settings that differ from the official recipe, as in ./soc_tiny.py (measured there) because everything
# starts from random weights:
#   num_queries=20 instead of 5  (the 5 reference points of 5 queries leave most objects far from any query);
#   text_encoder.model_config.initializer_range=0.2  (HF's default 0.02 gives every sentence the same
#       pooled feature);
#   head.mask_head.rel_coords_scale=1/32  relative coordinates in units of 32 px instead of pixels;
#   one deformable encoder layer (the encoder is ~2/3 of an iteration on a CPU).
_base_ = './referformer_video-swin-t.py'

d_model = 128
num_queries = 20
swin_dims = 16
ffn_dims = 256

msda_cfg = dict(embed_dims=d_model, num_heads=4, dropout=0.0)
mha_cfg = dict(embed_dims=d_model, num_heads=4, attn_drop=0.0,
               dropout_layer=dict(type='Dropout', drop_prob=0.0))
ffn_cfg = dict(embed_dims=d_model, feedforward_channels=ffn_dims, ffn_drop=0.0)

model = dict(
    backbone=dict(
        arch=dict(_delete_=True, embed_dims=swin_dims, depths=[1, 1, 1, 1], num_heads=[1, 1, 2, 2]),
        pretrained=None,
        drop_path_rate=0.0),
    # the random RoBERTa of ./soc_tiny.py (mmrvos.testing.tiny_roberta_config; a test checks they agree)
    text_encoder=dict(
        _delete_=True,
        type='RoBERTaTextEncoder',
        tokenizer_path=None,  # required: a config sets its tokenizer folder
        model_config=dict(
            vocab_size=512, hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128,
            max_position_embeddings=64, pad_token_id=1, bos_token_id=0, eos_token_id=2, type_vocab_size=1,
            layer_norm_eps=1e-5, initializer_range=0.2, hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0),
        embed_dims=d_model,
        proj_dropout=0.0,
        freeze=True),
    neck=dict(in_channels=[swin_dims * 2, swin_dims * 4, swin_dims * 8], embed_dims=d_model, num_heads=4),
    head=dict(
        num_queries=num_queries,
        embed_dims=d_model,
        encoder=dict(num_layers=1, layer_cfg=dict(self_attn_cfg=msda_cfg, ffn_cfg=ffn_cfg)),
        decoder=dict(
            num_layers=2,
            layer_cfg=dict(self_attn_cfg=mha_cfg, cross_attn_cfg=msda_cfg, ffn_cfg=ffn_cfg)),
        mask_head=dict(
            in_channels=8,
            rel_coords_scale=1 / 32,
            pixel_decoder=dict(
                in_channels=(swin_dims, d_model, d_model, d_model),
                feat_channels=d_model,
                out_channels=8,
                num_heads=4,
                feedforward_channels=ffn_dims,
                dropout=0.0))))
