# Copyright (c) mmrvos contributors. All rights reserved.
import torch

from mmrvos.models.layers import VideoObjectCluster


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
