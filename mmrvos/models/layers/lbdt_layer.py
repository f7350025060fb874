# Copyright (c) mmrvos contributors. All rights reserved.
"""LBDT's Language-Bridged Duplex Transfer (Ding et al., CVPR 2022)."""
from typing import Dict, Optional, Tuple

import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmrvos.registry import MODELS

from .positional_encoding import grid_sine_encoding


class LBDTLayer(nn.Module):
    """One language-bridged transfer from a source stream to a target stream.

    With source tokens ``S``, target tokens ``T`` and words ``W`` (post-norm, dropout on every residual):

    1. the words attend to themselves (query and key carry the word position encoding);
    2. the words gather from the source (key **and value** carry the grid position encoding);
    3. the target reads from these words (its query carries the grid position encoding);
    4. an FFN refines the target.

    Only the new target is returned; the refined words are discarded. Submodule names follow the
    official code, where they describe the appearance -> motion call; in the motion -> appearance call
    the same weights act on swapped roles.

    Args:
        embed_dims (int): Token width D. Defaults to 512.
        num_heads (int): Attention heads. Defaults to 8.
        feedforward_channels (int): Hidden width of the FFN. Defaults to 512.
        dropout (float): Dropout of the attentions, the residuals and the FFN. Defaults to 0.1.
    """

    def __init__(self, embed_dims: int = 512, num_heads: int = 8, feedforward_channels: int = 512,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.self_attn_words = nn.MultiheadAttention(embed_dims, num_heads, dropout=dropout)
        self.cross_attn_img = nn.MultiheadAttention(embed_dims, num_heads, dropout=dropout)
        self.cross_attn_flo = nn.MultiheadAttention(embed_dims, num_heads, dropout=dropout)
        self.linear1 = nn.Linear(embed_dims, feedforward_channels)
        self.linear2 = nn.Linear(feedforward_channels, embed_dims)
        self.norm_words_1 = nn.LayerNorm(embed_dims)
        self.norm_words_2 = nn.LayerNorm(embed_dims)
        self.norm_flo = nn.LayerNorm(embed_dims)
        self.norm_flo2 = nn.LayerNorm(embed_dims)
        # one dropout per use, as the official layer (five modules, each applied once)
        self.dropouts = nn.ModuleList(nn.Dropout(dropout) for _ in range(5))

    def forward(self, source: Tensor, target: Tensor, words: Tensor, grid_pos: Tensor, word_pos: Tensor,
                word_padding_mask: Tensor) -> Tensor:
        """Transfer from ``source`` to ``target`` through the words.

        Args:
            source (Tensor): (L, B, D) source tokens, L = H * W.
            target (Tensor): (L, B, D) target tokens.
            words (Tensor): (S, B, D) word features.
            grid_pos (Tensor): (L, 1 or B, D) grid position encoding.
            word_pos (Tensor): (S, B, D) word position encoding.
            word_padding_mask (Tensor): (B, S) bool, True at padding words.

        Returns:
            Tensor: (L, B, D) the new target tokens.
        """
        drop_words, drop_source, drop_target, drop_ffn, drop_ffn_out = self.dropouts
        query = words + word_pos
        attn = self.self_attn_words(query, query, words, key_padding_mask=word_padding_mask)[0]
        words = self.norm_words_1(words + drop_words(attn))
        source = source + grid_pos
        words = self.norm_words_2(words + drop_source(self.cross_attn_img(words, source, source)[0]))
        attn = self.cross_attn_flo(target + grid_pos, words, words, key_padding_mask=word_padding_mask)[0]
        target = self.norm_flo(target + drop_target(attn))
        ffn = self.linear2(drop_ffn(F.relu(self.linear1(target))))
        return self.norm_flo2(target + drop_ffn_out(ffn))


@MODELS.register_module()
class LanguageBridgedDuplexTransfer(BaseModule):
    """LBDT: language-bridged duplex transfer between the appearance and motion streams at one stage.

    Each stream's feature map is reduced to ``embed_dims`` (1x1 conv + BN), flattened to tokens and
    passed through ``num_layers`` :class:`LBDTLayer`; in every layer the **same** layer transfers
    appearance -> motion and motion -> appearance, both from the previous layer's outputs. The results
    are mapped back (1x1 conv + BN) and added to the stage features, followed by ReLU.

    .. code:: text

        spa (B, C, H, W) -> reduce_spa -> (HW, B, D) --+--> layer(S=spa, T=tem) -> tem'
        tem (B, C, H, W) -> reduce_tem -> (HW, B, D) --+--> layer(S=tem, T=spa) -> spa'   x num_layers
        spa_out = ReLU(spa + up_spa(spa')),  tem_out = ReLU(tem + up_tem(tem'))

    The word features are those of the text encoder in every layer (never updated across layers).

    Args:
        in_channels (int): Channels C of the stage features.
        embed_dims (int): Token width D. Defaults to 512.
        num_layers (int): Layers of the stack (LBDT-N). Defaults to 4.
        num_heads (int): Attention heads. Defaults to 8.
        feedforward_channels (int): FFN hidden width. Defaults to 512.
        dropout (float): Dropout inside the layers. Defaults to 0.1.
        norm_cfg (dict): Norm of the reduce/up convolutions. Defaults to BN.
        temperature (float): Temperature of the grid position encoding. Defaults to 10000.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 embed_dims: int = 512,
                 num_layers: int = 4,
                 num_heads: int = 8,
                 feedforward_channels: int = 512,
                 dropout: float = 0.1,
                 norm_cfg: dict = dict(type='BN'),
                 temperature: float = 10000,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        conv = dict(kernel_size=1, bias=False, norm_cfg=norm_cfg, act_cfg=None)
        self.reduce_spa = ConvModule(in_channels, embed_dims, **conv)
        self.reduce_tem = ConvModule(in_channels, embed_dims, **conv)
        self.layers = nn.ModuleList(
            LBDTLayer(embed_dims, num_heads, feedforward_channels, dropout) for _ in range(num_layers))
        self.up_spa = ConvModule(embed_dims, in_channels, **conv)
        self.up_tem = ConvModule(embed_dims, in_channels, **conv)
        self.embed_dims = embed_dims
        self.temperature = temperature

    def transfer(self, spa: Tensor, tem: Tensor, words: Tensor, grid_pos: Tensor, word_pos: Tensor,
                 word_padding_mask: Tensor) -> Tuple[Tensor, Tensor]:
        """Run the duplex stack on (L, B, D) appearance tokens ``spa`` and motion tokens ``tem``; the other
        arguments are those of :meth:`LBDTLayer.forward`.

        Returns:
            tuple[Tensor, Tensor]: (L, B, D) appearance and motion tokens.
        """
        for layer in self.layers:
            # appearance -> motion first, as the official code (the order of the dropout draws)
            new_tem = layer(spa, tem, words, grid_pos, word_pos, word_padding_mask)
            spa = layer(tem, spa, words, grid_pos, word_pos, word_padding_mask)
            tem = new_tem
        return spa, tem

    def forward(self, spa: Tensor, tem: Tensor, text: Dict[str, Tensor]) -> Tuple[Tensor, Tensor]:
        """Enhance one stage of both streams.

        Args:
            spa (Tensor): (B, C, H, W) appearance stage features.
            tem (Tensor): (B, C, H, W) motion stage features.
            text (dict[str, Tensor]): Text encoder outputs: ``word_feats`` (B, S, D), ``word_pos``
                (B, S, D) and ``word_mask`` (B, S) bool, True at padding.

        Returns:
            tuple[Tensor, Tensor]: (B, C, H, W) enhanced appearance and motion features.
        """
        b, _, h, w = spa.shape
        word_mask = text['word_mask'].bool()
        if bool(word_mask.all(1).any()):
            raise ValueError('LBDT: a sentence has no word (every word slot is padding)')
        words = text['word_feats'].transpose(0, 1)
        word_pos = text['word_pos'].transpose(0, 1)
        grid_pos = grid_sine_encoding(h, w, self.embed_dims, self.temperature, spa.device)[:, None]
        spa_tokens = self.reduce_spa(spa).flatten(2).permute(2, 0, 1)
        tem_tokens = self.reduce_tem(tem).flatten(2).permute(2, 0, 1)
        spa_tokens, tem_tokens = self.transfer(spa_tokens, tem_tokens, words, grid_pos, word_pos, word_mask)
        spa_tokens = spa_tokens.permute(1, 2, 0).reshape(b, self.embed_dims, h, w)
        tem_tokens = tem_tokens.permute(1, 2, 0).reshape(b, self.embed_dims, h, w)
        return F.relu(spa + self.up_spa(spa_tokens)), F.relu(tem + self.up_tem(tem_tokens))
