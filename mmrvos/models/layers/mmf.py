# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Optional

from mmengine.model import BaseModule
from torch import Tensor, nn


class MultimodalFusion(BaseModule):
    """One multi-modal fusion (MMF) block of SOC.

    The target tokens attend to the memory tokens and the attention result *gates* the target
    multiplicatively: ``out = tgt * MHA(q=tgt (+ query_pos), k=memory + pos, v=memory)``. There is no
    residual connection, normalisation or FFN, exactly as in the official implementation. Used
    language-to-vision (visual tokens attend to words) and vision-to-language (words attend to the
    visual tokens of a whole clip).

    Args:
        embed_dims (int): Feature dimension. Defaults to 256.
        num_heads (int): Number of attention heads. Defaults to 8.
        dropout (float): Attention dropout. Defaults to 0.0.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 embed_dims: int = 256,
                 num_heads: int = 8,
                 dropout: float = 0.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.multihead_attn = nn.MultiheadAttention(embed_dims, num_heads, dropout=dropout, batch_first=True)

    def forward(self,
                tgt: Tensor,
                memory: Tensor,
                memory_key_padding_mask: Optional[Tensor] = None,
                pos: Optional[Tensor] = None,
                query_pos: Optional[Tensor] = None) -> Tensor:
        """Gate ``tgt`` by its attention over ``memory``.

        Args:
            tgt (Tensor): Target tokens of shape (N, L, C).
            memory (Tensor): Memory tokens of shape (N, S, C).
            memory_key_padding_mask (Tensor, optional): (N, S), True at padding memory tokens.
            pos (Tensor, optional): Positional encoding of the memory (keys), (N, S, C).
            query_pos (Tensor, optional): Positional encoding of the target (queries), (N, L, C).

        Returns:
            Tensor: Fused target tokens of shape (N, L, C).
        """
        query = tgt if query_pos is None else tgt + query_pos
        key = memory if pos is None else memory + pos
        attended = self.multihead_attn(
            query=query, key=key, value=memory, key_padding_mask=memory_key_padding_mask,
            need_weights=False)[0]
        return tgt * attended
