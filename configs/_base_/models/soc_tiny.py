# A tiny SOC that trains from random weights in minutes on a CPU: the classes of ./soc_video-swin-t.py with
# small widths. Video Swin with a 16-channel stem and one block per stage, width 128 (the smallest the
# spatial decoder's GroupNorm(8) allows), 4 attention heads, FFN 256, 20 queries, one deformable encoder
# layer, 2 decoder and VOC layers, no dropout, and a frozen random 2-layer RoBERTa (hidden 64) whose
# tokenizer a config gives as `model.text_encoder.tokenizer_path`.
# The model of configs/synthetic/; mmrvos.testing.tiny_soc_cfg builds the CPU tests' model from this file
# with fewer queries and a tokenizer written by the test.
#
# Settings that differ from the official recipe because everything starts from random weights (each
# measured in configs/synthetic/README.md):
#   text_encoder.model_config.initializer_range=0.2  with HF's default 0.02 the pooled sentence feature of
#       a random RoBERTa is the same for every sentence (cosine 1.000);
#   head.voc.learnt_content       video queries start from sentence + a learnt per-query vector; from the
#       sentence alone they are identical and the contrastive loss cannot leave ln(num_queries);
#   head.mask_head.rel_coords_scale=1/32  relative coordinates in units of 32 px instead of pixels (raw
#       pixels give initial mask logits of about +-36);
#   one deformable encoder layer (the encoder is ~2/3 of an iteration on a CPU).
_base_ = './soc_video-swin-t.py'

d_model = 128
num_queries = 20  # as the official configs: 5 fixed reference points leave most objects far from any query
swin_dims = 16
ffn_dims = 256
num_layers = 2

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
        tokenizer_path=None,  # required: a config sets its tokenizer folder
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
        mask_head=dict(pixel_decoder=dict(context_dims=d_model, fpn_dims=(d_model, d_model, swin_dims)),
                       rel_coords_scale=1 / 32),
        # with distinct video queries the contrastive logits need a temperature below the official
        # d_model (128), which keeps them within +-1
        loss_contrastive=dict(temperature=8.0)))
