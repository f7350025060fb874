# Copyright (c) mmrvos contributors. All rights reserved.
import math

import torch

from mmrvos.models.layers import (
    FPNSpatialDecoder,
    MultimodalFusion,
    SinePositionalEncoding1D,
    VideoObjectCluster,
)


def test_sine_positional_encoding_1d():
    pe = SinePositionalEncoding1D(num_feats=8)
    mask = torch.tensor([[False, False, False, True]])
    pos = pe(mask)
    assert pos.shape == (1, 4, 8)
    x = 1 / (3 + 1e-6) * 2 * math.pi  # first token of 3 valid ones
    assert torch.isclose(pos[0, 0, 0], torch.tensor(math.sin(x)))
    assert torch.isclose(pos[0, 0, 1], torch.tensor(math.cos(x)))
    assert torch.isclose(pos[0, 0, 2], torch.tensor(math.sin(x / 10000**(2 / 8))))
    # padding tokens repeat the last position
    torch.testing.assert_close(pos[0, 3], pos[0, 2])


def test_multimodal_fusion_gates_without_residual():
    torch.manual_seed(0)
    mmf = MultimodalFusion(16, 2)
    tgt, memory = torch.randn(2, 5, 16), torch.randn(2, 3, 16)
    out = mmf(tgt, memory)
    attended = mmf.multihead_attn(tgt, memory, memory)[0]
    torch.testing.assert_close(out, tgt * attended)
    # padded memory tokens are ignored
    mask = torch.tensor([[False, False, True], [False, True, True]])
    changed = memory.clone()
    changed[0, 2] += 10
    changed[1, 1:] -= 5
    torch.testing.assert_close(mmf(tgt, memory, mask), mmf(tgt, changed, mask))


def test_video_object_cluster_shapes_and_clip_independence():
    torch.manual_seed(0)
    voc = VideoObjectCluster(embed_dims=32, num_frame_queries=4, num_queries=3, num_heads=2,
                             feedforward_channels=64, num_encoder_layers=2, num_decoder_layers=2)
    voc.init_weights()
    voc.eval()
    frame_queries = torch.randn(2, 3, 4, 4, 32)  # (L, B, T, Q, C)
    sentence = torch.randn(3, 32)
    out = voc(frame_queries, sentence)
    assert out.shape == (2, 3, 3, 32)
    # the official reshape mixed clips for B > 1; here every clip is clustered on its own
    for b in range(3):
        alone = voc(frame_queries[:, b:b + 1], sentence[b:b + 1])
        torch.testing.assert_close(out[:, b:b + 1], alone, atol=1e-5, rtol=1e-5)
    # gradients reach every parameter
    voc.train()
    voc(frame_queries, sentence).sum().backward()
    assert all(p.grad is not None for p in voc.parameters())


def test_fpn_spatial_decoder():
    dec = FPNSpatialDecoder(128, (128, 128, 16), 8)
    dec.init_weights()
    out = dec(torch.randn(2, 128, 3, 4), [torch.randn(2, 128, 5, 7), torch.randn(2, 128, 9, 13),
                                           torch.randn(2, 16, 18, 25)])
    assert out.shape == (2, 8, 18, 25)


def test_video_object_cluster_learnt_content_separates_queries():
    torch.manual_seed(0)
    kwargs = dict(embed_dims=32, num_frame_queries=4, num_queries=3, num_heads=2, feedforward_channels=64,
                  num_encoder_layers=1, num_decoder_layers=1, dropout=0.0)
    frame_queries = torch.randn(1, 2, 3, 4, 32)
    sentence = torch.randn(2, 32)
    spreads = {}
    for learnt in (False, True):
        voc = VideoObjectCluster(learnt_content=learnt, **kwargs)
        voc.init_weights()
        with torch.no_grad():
            voc.query_embed.weight.zero_()  # same positional embedding: only the content can differ
            out = voc(frame_queries, sentence)
        spreads[learnt] = (out - out.mean(2, keepdim=True)).norm(dim=-1).mean().item()
    assert spreads[False] < 1e-4  # the official design: identical video queries
    assert spreads[True] > 1.0
    assert sum(p.numel() for p in VideoObjectCluster(learnt_content=True, **kwargs).parameters()) == \
        sum(p.numel() for p in VideoObjectCluster(**kwargs).parameters()) + 3 * 32
