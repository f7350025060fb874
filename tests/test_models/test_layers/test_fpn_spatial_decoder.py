# Copyright (c) mmrvos contributors. All rights reserved.
import torch

from mmrvos.models.layers import FPNSpatialDecoder


def test_fpn_spatial_decoder():
    dec = FPNSpatialDecoder(128, (128, 128, 16), 8)
    dec.init_weights()
    out = dec(torch.randn(2, 128, 3, 4), [torch.randn(2, 128, 5, 7), torch.randn(2, 128, 9, 13),
                                           torch.randn(2, 16, 18, 25)])
    assert out.shape == (2, 8, 18, 25)
