# Copyright (c) mmrvos contributors. All rights reserved.
"""LBDT's modules: position encodings, the Language-Bridged Duplex Transfer, BCA, the decoder."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmrvos.models.layers import BilateralChannelActivation, LanguageBridgedDuplexTransfer, LBDTLayer
from mmrvos.models.layers.positional_encoding import SinePositionalEncoding1D, grid_sine_encoding
from mmrvos.registry import MODELS


def test_position_encodings():
    pe = SinePositionalEncoding1D(num_feats=8, normalize=False, positions='index')
    pos = pe(torch.tensor([[False, False, True]]))[0]
    dims = torch.arange(0, 8, 2).float()
    for i in range(3):
        expected = torch.stack((torch.sin(i / 10000**(dims / 8)), torch.cos(i / 10000**(dims / 8))), 1)
        torch.testing.assert_close(pos[i], expected.flatten())
    grid = grid_sine_encoding(2, 3, 8)
    assert grid.shape == (6, 8)
    # row y * W + x: the first half encodes x, the second y, both from 0
    y, x = 1, 2
    torch.testing.assert_close(grid[y * 3 + x, :4],
                               torch.tensor([math.sin(x), math.cos(x), math.sin(x / 100), math.cos(x / 100)]))
    torch.testing.assert_close(grid[y * 3 + x, 4:],
                               torch.tensor([math.sin(y), math.cos(y), math.sin(y / 100), math.cos(y / 100)]))
    with pytest.raises(ValueError, match='multiple of 4'):
        grid_sine_encoding(2, 2, 6)


def _text(batch, num_words, dims, padding=1):
    mask = torch.zeros(batch, num_words, dtype=torch.bool)
    mask[:, num_words - padding:] = True
    return dict(word_feats=torch.randn(batch, num_words, dims), word_mask=mask,
                word_pos=torch.randn(batch, num_words, dims), sentence_feats=torch.randn(batch, dims))


def test_duplex_transfer_shares_weights_between_directions():
    torch.manual_seed(0)
    transfer = LanguageBridgedDuplexTransfer(in_channels=24, embed_dims=16, num_layers=2, num_heads=4,
                                             feedforward_channels=20).eval()
    one_layer = sum(p.numel() for p in LBDTLayer(16, 4, 20).parameters())
    convs = sum(p.numel() for n, p in transfer.named_parameters() if not n.startswith('layers'))
    # one set of weights per layer serves both directions
    assert sum(p.numel() for p in transfer.parameters()) == 2 * one_layer + convs
    spa, tem = torch.randn(2, 24, 3, 4), torch.randn(2, 24, 3, 4)
    text = _text(2, 5, 16)
    out_spa, out_tem = transfer(spa, tem, text)
    assert out_spa.shape == out_tem.shape == (2, 24, 3, 4) and out_spa.min() >= 0
    # swapping the streams swaps the results: both directions use the same layer weights ...
    with torch.no_grad():
        transfer.reduce_tem.load_state_dict(transfer.reduce_spa.state_dict())
        transfer.up_tem.load_state_dict(transfer.up_spa.state_dict())
    out_spa, out_tem = transfer(spa, tem, text)
    swapped_tem, swapped_spa = transfer(tem, spa, text)
    torch.testing.assert_close(out_spa, swapped_spa)
    torch.testing.assert_close(out_tem, swapped_tem)
    # ... and each layer reads the previous layer's outputs of both streams
    s, t = torch.randn(12, 2, 16), torch.randn(12, 2, 16)
    words, pos = text['word_feats'].transpose(0, 1), text['word_pos'].transpose(0, 1)
    grid = grid_sine_encoding(3, 4, 16)[:, None]
    exp_s, exp_t = s, t
    for layer in transfer.layers:
        exp_s, exp_t = (layer(exp_t, exp_s, words, grid, pos, text['word_mask']),
                        layer(exp_s, exp_t, words, grid, pos, text['word_mask']))
    got_s, got_t = transfer.transfer(s, t, words, grid, pos, text['word_mask'])
    torch.testing.assert_close(got_s, exp_s)
    torch.testing.assert_close(got_t, exp_t)


def test_lbdt_layer_ignores_padding_words_and_rejects_empty_sentences():
    torch.manual_seed(0)
    layer = LBDTLayer(8, 2, 8).eval()
    source, target = torch.randn(6, 1, 8), torch.randn(6, 1, 8)
    words, pos = torch.randn(4, 1, 8), torch.randn(4, 1, 8)
    mask = torch.tensor([[False, False, True, True]])
    out = layer(source, target, words, torch.zeros(6, 1, 8), pos, mask)
    changed = words.clone()
    changed[2:] += 5  # padding words do not change the target
    torch.testing.assert_close(out, layer(source, target, changed, torch.zeros(6, 1, 8), pos, mask))
    transfer = LanguageBridgedDuplexTransfer(in_channels=8, embed_dims=8, num_layers=1, num_heads=2)
    text = _text(1, 3, 8, padding=3)
    with pytest.raises(ValueError, match='no word'):
        transfer(torch.randn(1, 8, 2, 2), torch.randn(1, 8, 2, 2), text)


def test_bca_matches_its_definition():
    torch.manual_seed(0)
    bca = BilateralChannelActivation(channels=6, text_channels=5).eval()
    spa, tem, sentence = torch.randn(2, 6, 4, 4), torch.randn(2, 6, 4, 4), torch.randn(2, 5)
    a, m = spa.mean((2, 3)), tem.mean((2, 3))
    z = F.relu(bca.joint_fc(torch.cat((a, m), 1)))
    g_s = torch.sigmoid(bca.spa_text_gate(torch.cat((a, sentence), 1))) * torch.sigmoid(bca.spa_joint_gate(z))
    g_t = torch.sigmoid(bca.tem_text_gate(torch.cat((m, sentence), 1))) * torch.sigmoid(bca.tem_joint_gate(z))
    expected = bca.fuse_conv(torch.cat((spa * g_s[..., None, None], tem * g_t[..., None, None]), 1))
    torch.testing.assert_close(bca(spa, tem, sentence), expected)


def test_decoder_shapes_and_loss():
    torch.manual_seed(0)
    head = MODELS.build(dict(type='LBDTHead', in_channels=[4, 8, 16, 32], channels=8, text_channels=5,
                             num_convs=2))
    spa = [torch.randn(2, c, 16 // 2**i, 16 // 2**i) for i, c in enumerate([4, 8, 16, 32])]
    tem = [torch.randn_like(f) for f in spa]
    logits = head(spa, tem, torch.randn(2, 5))
    assert logits.shape == (2, 1, 64, 64)
    assert not hasattr(head, 'spa_tower') and not hasattr(head, 'mask_head')
    target = (torch.rand(2, 64, 64) > 0.7).float()
    losses = head.loss_by_feat(logits, target)
    x = logits[:, 0]
    bce = F.binary_cross_entropy_with_logits(x, target, pos_weight=torch.tensor([1.5]))
    p = x.sigmoid().clamp(1e-4, 1 - 1e-4).flatten(1)
    dice = (1 - (2 * (p * target.flatten(1)).sum(1) + 1) / (p.sum(1) + target.flatten(1).sum(1) + 1)).mean()
    torch.testing.assert_close(losses['loss_bce'], 0.5 * bce)
    torch.testing.assert_close(losses['loss_dice'], 0.5 * dice)
    with pytest.raises(ValueError, match='target masks'):
        head.loss_by_feat(logits, target[:, :32])
    with pytest.raises(ValueError, match='integer'):
        head([spa[0], torch.randn(2, 8, 5, 5)] + spa[2:], tem, torch.randn(2, 5))
