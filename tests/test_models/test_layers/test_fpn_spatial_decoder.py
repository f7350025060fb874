# Copyright (c) mmrvos contributors. All rights reserved.
import torch

from mmrvos.models.layers import FPNSpatialDecoder
from mmrvos.registry import MODELS


def test_fpn_spatial_decoder():
    dec = FPNSpatialDecoder(128, (128, 128, 16), 8)
    dec.init_weights()
    out = dec.decode(torch.randn(2, 128, 3, 4), [torch.randn(2, 128, 5, 7), torch.randn(2, 128, 9, 13),
                                                  torch.randn(2, 16, 18, 25)])
    assert out.shape == (2, 8, 18, 25)


def test_fpn_spatial_decoder_pixel_decoder_signature():
    dec = MODELS.build(dict(type='FPNSpatialDecoder', context_dims=128, fpn_dims=(128, 128, 16), mask_dims=8))
    dec.init_weights()
    memory = [torch.randn(2, 128, 8, 12), torch.randn(2, 128, 4, 6), torch.randn(2, 128, 2, 3)]
    stride4 = torch.randn(2, 16, 16, 24)
    out = dec(memory, stride4, stride4_mask=torch.zeros(2, 16, 24, dtype=torch.bool), num_frames=2)
    assert out.shape == (2, 8, 16, 24)
    torch.testing.assert_close(out, dec.decode(memory[2], [memory[1], memory[0], stride4]))
    two_levels = FPNSpatialDecoder(128, (128, 128), 8)
    assert two_levels(memory, stride4).shape == (2, 8, 8, 12)  # without the stride-4 stage: stride 8
