# Copyright (c) mmrvos contributors. All rights reserved.
"""CMAHead: ReferFormer's head with DAB anchor queries; the DAB decoder with and without the official
layer-0 anchor broadcast."""
import copy

import pytest
import torch
from mmdet.models.layers import coordinate_to_encoding

from mmrvos.models.heads import CMAHead, DABDeformableDetrTransformerDecoder
from mmrvos.registry import MODELS

SHAPES = ((8, 12), (4, 6), (2, 3), (1, 2))
C = 32
LAYER = dict(self_attn_cfg=dict(embed_dims=C, num_heads=4, dropout=0.0, batch_first=True),
             cross_attn_cfg=dict(embed_dims=C, num_heads=4, num_levels=4, num_points=2, batch_first=True),
             ffn_cfg=dict(embed_dims=C, feedforward_channels=64, ffn_drop=0.0))


def _decoder(quirk, seed=0):
    torch.manual_seed(seed)
    decoder = DABDeformableDetrTransformerDecoder(num_layers=3, layer_cfg=LAYER, return_intermediate=True,
                                                  post_norm_cfg=None, layer0_quirk=quirk)
    for p in decoder.parameters():
        if p.dim() > 1:
            torch.nn.init.xavier_uniform_(p)
    return decoder.eval()


def _inputs(bs=2, num_queries=3, anchors=None):
    g = torch.Generator().manual_seed(1)
    num_tokens = sum(h * w for h, w in SHAPES)
    spatial_shapes = torch.tensor(SHAPES)
    level_start_index = torch.cat([spatial_shapes.new_zeros(1), spatial_shapes.prod(1).cumsum(0)[:-1]])
    if anchors is None:
        anchors = torch.rand(num_queries, 4, generator=g) * 0.6 + 0.2
    valid_ratios = torch.rand(bs, 4, 2, generator=g) * 0.3 + 0.7
    return dict(query=torch.randn(bs, num_queries, C, generator=g), query_pos=None,
                value=torch.randn(bs, num_tokens, C, generator=g),
                key_padding_mask=torch.zeros(bs, num_tokens, dtype=torch.bool),
                reference_points=anchors[None].expand(bs, -1, -1), spatial_shapes=spatial_shapes,
                level_start_index=level_start_index,
                valid_ratios=valid_ratios)


def _record_layer_inputs(decoder):
    seen = []
    for layer in decoder.layers:
        layer.register_forward_pre_hook(
            lambda m, args, kwargs: seen.append((kwargs['reference_points'], kwargs['query_pos'])),
            with_kwargs=True)
    return seen


def test_dab_layer0_quirk_changes_only_layer0_inputs():
    inputs = _inputs()
    ratios = torch.cat([inputs['valid_ratios']] * 2, -1)  # (bs, L, 4)
    anchors = inputs['reference_points'][0]  # (Q, 4)
    outs = {}
    for quirk in (True, False):
        decoder = _decoder(quirk)
        seen = _record_layer_inputs(decoder)
        with torch.no_grad():
            hidden, refs = decoder(**inputs)
        assert hidden.shape == (3, 2, 3, C) and refs.shape == (3, 2, 3, 4)
        boxes0, pos0 = seen[0]
        if quirk:  # level l samples around (c_l, c_l, c_l, c_l) * ratios, c = (cx, cy, w, h)
            expected = anchors[None, :, :, None] * ratios[:, None]
        else:
            expected = anchors[None, :, None] * ratios[:, None]
        torch.testing.assert_close(boxes0, expected)
        # layer 0: position from the level-0 box, no query_scale
        torch.testing.assert_close(
            pos0, decoder.ref_point_head(coordinate_to_encoding(expected[:, :, 0], num_feats=C // 2)))
        # later layers: the refined boxes of the previous layer, scaled positions, whatever the flag
        for layer_id in (1, 2):
            boxes, pos = seen[layer_id]
            torch.testing.assert_close(boxes, refs[layer_id - 1][:, :, None] * ratios[:, None])
            raw = decoder.ref_point_head(coordinate_to_encoding(boxes[:, :, 0], num_feats=C // 2))
            torch.testing.assert_close(pos, decoder.query_scale(hidden[layer_id - 1]) * raw)
        outs[quirk] = hidden
    assert not torch.allclose(outs[True][0], outs[False][0])
    # with square anchors at (c, c, c, c) the broadcast changes nothing
    same = _inputs(anchors=torch.full((3, 4), 0.4))
    with torch.no_grad():
        torch.testing.assert_close(_decoder(True)(**same)[0], _decoder(False)(**same)[0])


def test_dab_quirk_needs_four_levels():
    decoder = _decoder(True)
    with pytest.raises(ValueError, match='4 levels'):
        decoder.layer_reference_points(0, torch.rand(1, 3, 4), torch.ones(1, 3, 2))
    assert decoder.layer_reference_points(1, torch.rand(1, 3, 4), torch.ones(1, 3, 2)).shape == (1, 3, 3, 4)


@pytest.fixture
def cma_head_cfg(tiny_text_encoder_cfg):
    from mmrvos.testing import tiny_cma_cfg
    cfg = copy.deepcopy(tiny_cma_cfg(tiny_text_encoder_cfg))
    return dict(cfg['head'], train_cfg=cfg['train_cfg'], test_cfg=cfg['test_cfg'])


@pytest.mark.parametrize('quirk', [True, False])
def test_cma_head_queries_and_names(cma_head_cfg, quirk):
    torch.manual_seed(0)
    head = MODELS.build(dict(cma_head_cfg, dab_layer0_quirk=quirk))
    head.init_weights()
    assert isinstance(head, CMAHead) and head.decoder.layer0_quirk is quirk
    names = {n for n, _ in head.named_parameters()}
    assert {'tgt_embed.weight', 'refpoint_embed.weight'} <= names
    assert any(n.startswith('decoder.query_scale.layers.1.') for n in names)
    assert any(n.startswith('decoder.ref_point_head.layers.0.') for n in names)
    assert not any(n.startswith(('query_embed', 'reference_points')) for n in names)
    assert head.refpoint_embed.weight.shape == (5, 4)
    c = head.embed_dims
    memory = torch.randn(6, 10, c)
    text = dict(sentence_feats=torch.randn(2, c))
    decoder_inputs, head_inputs = head.pre_decoder(memory, torch.zeros(6, 10, dtype=torch.bool),
                                                   torch.tensor([[2, 5]]), text, 3)
    assert decoder_inputs['query'].shape == (6, 5, c) and decoder_inputs['query_pos'] is None
    torch.testing.assert_close(decoder_inputs['query'][4], head.tgt_embed.weight)  # the sentence is no query
    torch.testing.assert_close(decoder_inputs['reference_points'][2], head.refpoint_embed.weight.sigmoid())
    assert head_inputs['memory'] is memory
