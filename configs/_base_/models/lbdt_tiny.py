# A tiny LBDT that trains from random weights on a CPU: the classes of ./lbdt_r50.py with small widths.
# Two ResNet-18-style streams with 8 base channels (stages of 8/16/32/64 channels), one LBDT layer of width
# 32 (4 heads) after the last two stages, a decoder of width 16 with two tower convolutions, no dropout,
# and a 16-d word table that a config gives as `model.text_encoder.glove_path`.
# mmrvos.testing.tiny_lbdt_cfg builds the CPU tests' model from this file with a word table written by the
# test.
_base_ = './lbdt_r50.py'

embed_dims = 32

model = dict(
    backbone=dict(resnet=dict(depth=18, base_channels=8, stem_channels=8, init_cfg=None)),
    text_encoder=dict(glove_path=None, embed_dims=embed_dims, word_dims=16, max_len=8),
    transfer=dict(embed_dims=embed_dims, num_layers=1, num_heads=4, feedforward_channels=embed_dims,
                  dropout=0.0),
    decode_head=dict(channels=16, num_convs=2))
