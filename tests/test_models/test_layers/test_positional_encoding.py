# Copyright (c) mmrvos contributors. All rights reserved.
import math

import torch

from mmrvos.models.layers import SinePositionalEncoding1D


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
