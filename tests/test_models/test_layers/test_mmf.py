# Copyright (c) mmrvos contributors. All rights reserved.
import torch

from mmrvos.models.layers import MultimodalFusion


def test_multimodal_fusion_gates_without_residual():
    torch.manual_seed(0)
    mmf = MultimodalFusion(16, 2)
    query, memory = torch.randn(2, 5, 16), torch.randn(2, 3, 16)
    out = mmf(query, memory)
    attended = mmf.multihead_attn(query, memory, memory)[0]
    torch.testing.assert_close(out, query * attended)
    # padded memory tokens are ignored
    mask = torch.tensor([[False, False, True], [False, True, True]])
    changed = memory.clone()
    changed[0, 2] += 10
    changed[1, 1:] -= 5
    torch.testing.assert_close(mmf(query, memory, mask), mmf(query, changed, mask))
