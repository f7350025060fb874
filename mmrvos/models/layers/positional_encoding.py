# Copyright (c) mmrvos contributors. All rights reserved.
import math

import torch
from mmengine.model import BaseModule
from torch import Tensor

from mmrvos.registry import MODELS


@MODELS.register_module()
class SinePositionalEncoding1D(BaseModule):
    """Sine positional encoding of a token sequence (SOC's text position encoding).

    The position of token ``i`` is the number of non-padding tokens up to and including ``i``; with
    ``normalize=True`` it is divided by the sequence's number of valid tokens and scaled to
    ``[0, 2 pi]``. Channel ``2k`` holds ``sin(x / temperature^(2k / num_feats))`` and channel ``2k + 1``
    the cosine with the same frequency.

    Args:
        num_feats (int): Number of output channels. Defaults to 256.
        temperature (int): Temperature of the frequencies. Defaults to 10000.
        normalize (bool): Whether to normalise the positions to ``[0, scale]``. Defaults to True.
        scale (float): Scale of the normalised positions. Defaults to ``2 * pi``.
        eps (float): Added to the denominator of the normalisation. Defaults to 1e-6.
    """

    def __init__(self,
                 num_feats: int = 256,
                 temperature: int = 10000,
                 normalize: bool = True,
                 scale: float = 2 * math.pi,
                 eps: float = 1e-6) -> None:
        super().__init__()
        if num_feats % 2 != 0:
            raise ValueError(f'num_feats must be even, got {num_feats}')
        self.num_feats = num_feats
        self.temperature = temperature
        self.normalize = normalize
        self.scale = scale
        self.eps = eps

    def forward(self, mask: Tensor) -> Tensor:
        """Encode token positions.

        Args:
            mask (Tensor): Padding mask of shape (N, S), True (non-zero) at padding tokens.

        Returns:
            Tensor: Position encoding of shape (N, S, num_feats).
        """
        not_mask = ~mask.bool()
        x_embed = not_mask.cumsum(1, dtype=torch.float32)
        if self.normalize:
            x_embed = x_embed / (x_embed[:, -1:] + self.eps) * self.scale
        dim_t = torch.arange(self.num_feats, dtype=torch.float32, device=mask.device)
        dim_t = self.temperature**(2 * (dim_t // 2) / self.num_feats)
        pos = x_embed[:, :, None] / dim_t
        pos = torch.stack((pos[:, :, 0::2].sin(), pos[:, :, 1::2].cos()), dim=3).flatten(2)
        return pos

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_feats={self.num_feats}, temperature={self.temperature}, '
                f'normalize={self.normalize}, scale={self.scale}, eps={self.eps})')
