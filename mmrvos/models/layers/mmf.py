# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Optional

from mmengine.model import BaseModule
from torch import Tensor, nn


class MultimodalFusion(BaseModule):
    """One multi-modal fusion (MMF) block of SOC.

    The query tokens attend to the memory tokens and the attention result *gates* the queries
    multiplicatively: ``out = query * MHA(q=query (+ query_pos), k=memory + memory_pos,
    v=memory)``. There is no
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
                query: Tensor,
                memory: Tensor,
                memory_mask: Optional[Tensor] = None,
                memory_pos: Optional[Tensor] = None,
                query_pos: Optional[Tensor] = None) -> Tensor:
        """Gate ``query`` by its attention over ``memory``.

        Args:
            query (Tensor): Tokens to fuse, (N, L, C).
            memory (Tensor): Tokens attended to (keys and values), (N, S, C).
            memory_mask (Tensor, optional): (N, S), True at padding memory tokens.
            memory_pos (Tensor, optional): Positional encoding added to the keys, (N, S, C).
            query_pos (Tensor, optional): Positional encoding added to the queries, (N, L, C).

        Returns:
            Tensor: Fused tokens of shape (N, L, C).
        """
        attended = self.multihead_attn(
            query=query if query_pos is None else query + query_pos,
            key=memory if memory_pos is None else memory + memory_pos,
            value=memory, key_padding_mask=memory_mask, need_weights=False)[0]
        return query * attended
