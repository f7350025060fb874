# Copyright (c) mmrvos contributors. All rights reserved.
import math
from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor

from mmrvos.registry import MODELS


def sine_embed(positions: Tensor, num_feats: int, temperature: float = 10000) -> Tensor:
    """Interleaved sine/cosine features of positions: channel ``2k`` is ``sin(x / temperature^(2k / F))``
    and channel ``2k + 1`` the cosine of the same angle (``F = num_feats``).

    Args:
        positions (Tensor): (...) float positions.
        num_feats (int): Number of output channels (even).
        temperature (float): Temperature of the frequencies. Defaults to 10000.

    Returns:
        Tensor: (..., num_feats).
    """
    dim_t = torch.arange(num_feats, dtype=torch.float32, device=positions.device)
    dim_t = temperature**(2 * (dim_t // 2) / num_feats)
    pos = positions[..., None] / dim_t
    return torch.stack((pos[..., 0::2].sin(), pos[..., 1::2].cos()), dim=-1).flatten(-2)


def grid_sine_encoding(height: int, width: int, num_feats: int, temperature: float = 10000,
                       device: Optional[torch.device] = None) -> Tensor:
    """LBDT's fixed 2-D sine encoding of a feature grid, flattened row-major.

    The first ``num_feats / 2`` channels encode the column ``x`` and the last half the row ``y``
    (:func:`sine_embed` of each), both integer positions counted from 0 and not normalised (mmdet's
    ``SinePositionalEncoding`` puts ``y`` first and counts from 1).

    Args:
        height (int): Grid rows H.
        width (int): Grid columns W.
        num_feats (int): Output channels C, a multiple of 4.
        temperature (float): Temperature of the frequencies. Defaults to 10000.
        device (torch.device, optional): Device of the result.

    Returns:
        Tensor: (H * W, C); row ``y * W + x`` encodes position (y, x).
    """
    if num_feats % 4 != 0:
        raise ValueError(f'num_feats must be a multiple of 4, got {num_feats}')
    half = num_feats // 2
    ys, xs = torch.meshgrid(torch.arange(height, dtype=torch.float32, device=device),
                            torch.arange(width, dtype=torch.float32, device=device), indexing='ij')
    pos = torch.cat((sine_embed(xs, half, temperature), sine_embed(ys, half, temperature)), dim=-1)
    return pos.flatten(0, 1)


@MODELS.register_module()
class SinePositionalEncoding1D(BaseModule):
    """Sine positional encoding of a token sequence (SOC's text position encoding).

    The position of token ``i`` is the number of non-padding tokens up to and including ``i`` (or, with
    ``positions='index'``, ``i`` itself, as LBDT's word encoding); with
    ``normalize=True`` it is divided by the sequence's number of valid tokens and scaled to
    ``[0, 2 pi]``. Channel ``2k`` holds ``sin(x / temperature^(2k / num_feats))`` and channel ``2k + 1``
    the cosine with the same frequency.

    Args:
        num_feats (int): Number of output channels. Defaults to 256.
        temperature (int): Temperature of the frequencies. Defaults to 10000.
        normalize (bool): Whether to normalise the positions to ``[0, scale]``. Defaults to True.
        scale (float): Scale of the normalised positions. Defaults to ``2 * pi``.
        eps (float): Added to the denominator of the normalisation. Defaults to 1e-6.
        positions (str): ``'valid'`` (SOC): the count of non-padding tokens up to ``i``, from 1;
            ``'index'`` (LBDT): the token index ``i`` from 0, padding included. Defaults to ``'valid'``.
    """

    def __init__(self,
                 num_feats: int = 256,
                 temperature: int = 10000,
                 normalize: bool = True,
                 scale: float = 2 * math.pi,
                 eps: float = 1e-6,
                 positions: str = 'valid') -> None:
        super().__init__()
        if num_feats % 2 != 0:
            raise ValueError(f'num_feats must be even, got {num_feats}')
        if positions not in ('valid', 'index'):
            raise ValueError(f"positions must be 'valid' or 'index', got {positions!r}")
        self.positions = positions
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
        if self.positions == 'index':
            x_embed = torch.arange(mask.shape[1], dtype=torch.float32, device=mask.device).expand(mask.shape)
        else:
            x_embed = not_mask.cumsum(1, dtype=torch.float32)
        if self.normalize:
            x_embed = x_embed / (x_embed[:, -1:] + self.eps) * self.scale
        return sine_embed(x_embed, self.num_feats, self.temperature)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_feats={self.num_feats}, temperature={self.temperature}, '
                f'normalize={self.normalize}, scale={self.scale}, eps={self.eps}, '
                f'positions={self.positions!r})')
