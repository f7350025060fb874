# Copyright (c) mmrvos contributors. All rights reserved.
from unittest import mock

import pytest
import torch
import torch.nn.functional as F

from mmrvos.models.heads import SOCDynamicMaskHead


def _inputs(n=2, t=2, q=3, c=128, h=6, w=10):
    torch.manual_seed(0)
    queries = torch.randn(n, t, q, c)
    refs = torch.rand(n, t, q, 2)
    feats = torch.randn(n, t, 8, h, w)
    sizes = torch.tensor([[4 * h, 4 * w], [4 * h - 4, 4 * w]])
    return queries, refs, feats, sizes


def _first_conv_input(head, *args):
    """Run the head and return the input of its first dynamic convolution."""
    seen = []
    real = F.conv2d

    def spy(x, *a, **k):
        seen.append(x)
        return real(x, *a, **k)

    with mock.patch('mmrvos.models.heads.dynamic_mask_head.F.conv2d', side_effect=spy):
        out = head(*args)
    return out, seen[0]


def test_dynamic_mask_head_shapes():
    head = SOCDynamicMaskHead(embed_dims=128, fpn_dims=(128, 128, 16))
    head.init_weights()
    queries, refs, feats, sizes = _inputs()
    out = head(queries, refs, feats, sizes)
    assert out.shape == (2, 2, 3, 6, 10)


@pytest.mark.parametrize('scale', [0.5, 1 / 32])
def test_rel_coords_scale_scales_only_the_coordinate_channels(scale):
    ref_head = SOCDynamicMaskHead(embed_dims=128, fpn_dims=(128, 128, 16))
    ref_head.init_weights()
    head = SOCDynamicMaskHead(embed_dims=128, fpn_dims=(128, 128, 16), rel_coords_scale=scale)
    head.load_state_dict(ref_head.state_dict())
    args = _inputs()
    out_ref, x_ref = _first_conv_input(ref_head, *args)
    out, x = _first_conv_input(head, *args)
    # (1, N*T*Q*(8 + 2), h, w): per instance 8 feature channels, then (dx, dy) in pixels
    x_ref, x = x_ref.view(-1, 10, 6, 10), x.view(-1, 10, 6, 10)
    torch.testing.assert_close(x[:, :8], x_ref[:, :8])
    torch.testing.assert_close(x[:, 8:], x_ref[:, 8:] * scale)
    assert x_ref[:, 8:].abs().max() > 20  # raw pixel offsets
    assert not torch.allclose(out, out_ref)
