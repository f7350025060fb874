# Copyright (c) mmrvos contributors. All rights reserved.
"""The named steps of SemanticIntegrationHead: pre_transformer -> forward_encoder -> pre_decoder ->
forward_decoder, the video queries and the prediction heads."""
import copy

import pytest
import torch
from mmdet.models.layers import inverse_sigmoid

from mmrvos.models.heads import SemanticIntegrationHead
from mmrvos.registry import MODELS

SHAPES = ((8, 12), (4, 6), (2, 3), (1, 2))
C = 128


@pytest.fixture
def head_cfg(tiny_soc_cfg):
    """Arguments of the tiny SOC's head without its losses."""
    cfg = copy.deepcopy(tiny_soc_cfg['head'])
    for key in [k for k in cfg if k.startswith('loss_')] + ['type']:
        cfg.pop(key)
    return cfg


@pytest.fixture
def head(head_cfg):
    torch.manual_seed(0)
    head = MODELS.build(dict(head_cfg, type='SemanticIntegrationHead'))
    head.init_weights()
    with torch.no_grad():  # leave no zero-initialised offsets that would hide a wrong wiring
        for p in head.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    return head.eval()


def _levels(num_frames_total=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    feats = [torch.randn(num_frames_total, C, h, w, generator=g) for h, w in SHAPES]
    pos = [torch.randn(num_frames_total, C, h, w, generator=g) for h, w in SHAPES]
    masks = [torch.zeros(num_frames_total, h, w, dtype=torch.bool) for h, w in SHAPES]
    masks[0][1, :, 6:] = True  # frame 1: right half of level 0 is padding
    return feats, masks, pos


def test_pre_transformer_flattens_levels(head):
    feats, masks, pos = _levels()
    encoder_inputs, decoder_inputs = head.pre_transformer(feats, masks, pos)
    assert encoder_inputs['feat'].shape == (2, 96 + 24 + 6 + 2, C)
    assert encoder_inputs['spatial_shapes'].tolist() == [list(s) for s in SHAPES]
    assert encoder_inputs['level_start_index'].tolist() == [0, 96, 120, 126]
    # token (i, j) of level 1 with its level embedding
    i, j = 2, 5
    torch.testing.assert_close(encoder_inputs['feat'][:, 96 + i * 6 + j], feats[1][:, :, i, j])
    torch.testing.assert_close(encoder_inputs['feat_pos'][:, 96 + i * 6 + j],
                               pos[1][:, :, i, j] + head.level_embed[1])
    assert encoder_inputs['feat_mask'][1, :96].view(8, 12)[:, 6:].all()
    assert encoder_inputs['valid_ratios'].shape == (2, 4, 2)
    assert encoder_inputs['valid_ratios'][1, 0].tolist() == [0.5, 1.0]  # (w, h) of frame 1, level 0
    assert decoder_inputs['memory_mask'] is encoder_inputs['feat_mask']
    assert set(decoder_inputs) == {'memory_mask', 'spatial_shapes', 'level_start_index', 'valid_ratios'}


def test_encoder_and_pre_decoder(head):
    encoder_inputs, _ = head.pre_transformer(*_levels())
    with torch.no_grad():
        encoder_outputs = head.forward_encoder(**encoder_inputs)
        decoder_inputs, head_inputs = head.pre_decoder(**encoder_outputs)
    memory = encoder_outputs['memory']
    assert memory.shape == encoder_inputs['feat'].shape
    assert not torch.allclose(memory, encoder_inputs['feat'])
    q = head.num_queries
    assert torch.equal(decoder_inputs['query'], torch.zeros(2, q, C))
    assert torch.equal(decoder_inputs['query_pos'][1], head.query_embed.weight)
    torch.testing.assert_close(decoder_inputs['reference_points'][0],
                               head.reference_points(head.query_embed.weight).sigmoid())
    assert head_inputs['memory'] is memory
    maps = head.memory_to_maps(memory, head_inputs['spatial_shapes'])
    assert [m.shape for m in maps] == [(2, C, h, w) for h, w in SHAPES[:3]]
    torch.testing.assert_close(maps[1][:, :, 2, 5], memory[:, 96 + 2 * 6 + 5])


def test_forward_decoder_and_transformer(head):
    feats, masks, pos = _levels()
    with torch.no_grad():
        encoder_inputs, decoder_inputs = head.pre_transformer(feats, masks, pos)
        query_inputs, _ = head.pre_decoder(**head.forward_encoder(**encoder_inputs))
        decoder_outputs = head.forward_decoder(**decoder_inputs, **query_inputs)
        whole = head.forward_transformer(feats, masks, pos)
    num_layers, q = head.decoder.num_layers, head.num_queries
    assert decoder_outputs['hidden_states'].shape == (num_layers, 2, q, C)
    references = decoder_outputs['references']
    assert len(references) == num_layers + 1
    assert references[0].shape == (2, q, 2) and all(r.shape == (2, q, 4) for r in references[1:])
    assert set(whole) == {'hidden_states', 'references', 'memory', 'spatial_shapes'}
    torch.testing.assert_close(whole['hidden_states'], decoder_outputs['hidden_states'])


def test_a_subclass_overrides_one_step(head, head_cfg):

    class ShiftedReferences(SemanticIntegrationHead):

        def pre_decoder(self, memory, memory_mask, spatial_shapes):
            decoder_inputs, head_inputs = super().pre_decoder(memory, memory_mask, spatial_shapes)
            decoder_inputs['reference_points'] = torch.full_like(decoder_inputs['reference_points'], 0.5)
            return decoder_inputs, head_inputs

    variant = ShiftedReferences(**head_cfg)
    variant.load_state_dict(head.state_dict())  # the same weights
    variant.eval()
    feats, masks, pos = _levels()
    with torch.no_grad():
        base = head.forward_transformer(feats, masks, pos)
        shifted = variant.forward_transformer(feats, masks, pos)
    assert torch.equal(shifted['references'][0], torch.full_like(base['references'][0], 0.5))
    assert not torch.allclose(shifted['hidden_states'], base['hidden_states'])
    torch.testing.assert_close(shifted['memory'], base['memory'])  # the encoder is untouched


def test_video_queries_and_predictions(head):
    n, t, q = 1, 2, head.num_queries
    hidden_states = torch.randn(head.decoder.num_layers, n * t, q, C)
    with torch.no_grad():
        video_queries = head.forward_video_queries(hidden_states, torch.randn(n, C), t, [0, 1])
    assert video_queries.shape == (2, n, head.voc.num_queries, C)
    frame_level = copy.copy(head)
    frame_level.voc = None
    assert frame_level.forward_video_queries(hidden_states, torch.randn(n, C), t, [1]) is None

    queries = torch.randn(n, t, q, C)
    references = [torch.rand(n * t, q, 2), torch.rand(n * t, q, 4), torch.rand(n * t, q, 4)]
    mask_feats = torch.randn(n, t, 8, 6, 7)
    img_sizes = torch.tensor([[22, 26]])
    with torch.no_grad():
        cls0, boxes0, masks0 = head.forward_predictions(queries, 0, references, mask_feats, img_sizes)
        cls1, boxes1, _ = head.forward_predictions(queries, 1, references, mask_feats, img_sizes)
        offsets0, offsets1 = head.bbox_embed[0](queries), head.bbox_embed[1](queries)
        centres = references[1][..., :2].view(n, t, q, 2)
        expected_masks = head.mask_head(queries, centres, mask_feats, img_sizes)
    assert cls0.shape == (n, t, q, 1) and boxes0.shape == (n, t, q, 4) and masks0.shape == (n, t, q, 6, 7)
    torch.testing.assert_close(cls0, head.class_embed[0](queries))
    # layer 0: the centre refines the initial point, the size is predicted outright
    ref0 = inverse_sigmoid(references[0]).view(n, t, q, 2)
    torch.testing.assert_close(boxes0[..., :2], (offsets0[..., :2] + ref0).sigmoid())
    torch.testing.assert_close(boxes0[..., 2:], offsets0[..., 2:].sigmoid())
    # later layers refine the previous layer's box; masks centre on the layer's own refined box
    torch.testing.assert_close(boxes1, (offsets1 + inverse_sigmoid(references[1]).view(n, t, q, 4)).sigmoid())
    torch.testing.assert_close(masks0, expected_masks)


def test_output_layers(head):
    head.train()
    assert head._output_layers(3) == [(0, 0), (1, 1), (2, 2)]
    head.eval()
    assert head._output_layers(3) == [(2, 2)]
    head.test_cfg['official_layer0_quirk'] = True
    assert head._output_layers(3) == [(0, 2)]
