# Copyright (c) mmrvos contributors. All rights reserved.
"""Video Swin window attention through ``torch.nn.functional.scaled_dot_product_attention``."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmaction.models.backbones.swin import WindowAttention3D
from torch import Tensor

from mmrvos.registry import MODELS


@MODELS.register_module()
class WindowAttention3DSDPA(WindowAttention3D):
    """mmaction's :class:`WindowAttention3D` computed by ``F.scaled_dot_product_attention``.

    The same parameters, buffers and state-dict keys as the parent and the same function: the relative
    position bias and, for shifted windows, the ``(num_windows, N, N)`` shift mask (0 / -100) are added
    into one additive ``attn_mask`` of shape ``(num_windows, num_heads, N, N)`` (``(num_heads, N, N)``
    without shift), so the PyTorch kernel fuses scaling, bias, softmax and the product with the values
    instead of materialising the scores in several passes. Outputs equal the parent's within float32
    rounding (``tests/test_models/test_backbones/test_swin_window_attention.py``).
    """

    @classmethod
    def from_reference(cls, attn: WindowAttention3D) -> 'WindowAttention3DSDPA':
        """A copy of ``attn`` (same settings and tensors) computed with SDPA.

        The global random state is left as it was, so models built with and without SDPA get the same
        random weights for the same seed.
        """
        with torch.random.fork_rng(devices=[]):
            new = cls(attn.embed_dims, attn.window_size, attn.num_heads, qkv_bias=attn.qkv.bias is not None,
                      qk_scale=attn.scale, attn_drop=attn.attn_drop.p, proj_drop=attn.proj_drop.p)
        new.load_state_dict(attn.state_dict())
        return new.to(attn.qkv.weight.device)

    def forward(self, x: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        """Attention inside each window.

        Args:
            x (Tensor): Window tokens of shape (B * num_windows, N, C), windows of one sample contiguous.
            mask (Tensor, optional): Shift mask of shape (num_windows, N, N), 0 or a large negative value.

        Returns:
            Tensor: (B * num_windows, N, C).
        """
        B_, N, C = x.shape
        qkv = self.qkv(x).reshape(B_, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)  # (B_, nH, N, C / nH) each
        index = self.relative_position_index[:N, :N].reshape(-1)
        bias = self.relative_position_bias_table[index].reshape(N, N, -1).permute(2, 0, 1)  # nH, N, N
        if mask is None:
            attn_mask = bias.unsqueeze(0)
        else:
            num_windows = mask.shape[0]
            attn_mask = bias.unsqueeze(0) + mask.unsqueeze(1)  # nW, nH, N, N
            if B_ != num_windows:  # several samples: windows of sample b are b * nW ... (b + 1) * nW - 1
                attn_mask = attn_mask.repeat(B_ // num_windows, 1, 1, 1)
        x = F.scaled_dot_product_attention(
            q, k, v, attn_mask=attn_mask.to(q.dtype), dropout_p=self.attn_drop.p if self.training else 0.,
            scale=self.scale)
        x = x.transpose(1, 2).reshape(B_, N, C)
        return self.proj_drop(self.proj(x))
