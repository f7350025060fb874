# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Optional

from mmdet.models.layers.transformer import DetrTransformerEncoder, Mask2FormerTransformerDecoder
from mmengine.model import BaseModule
from torch import Tensor, nn


def _attn_cfg(embed_dims: int, num_heads: int, dropout: float) -> dict:
    # Post-norm block of SOC: x = LN(x + Drop(MHA(...))), attention weights dropped too.
    return dict(embed_dims=embed_dims, num_heads=num_heads, attn_drop=dropout, proj_drop=0.0,
                dropout_layer=dict(type='Dropout', drop_prob=dropout), batch_first=True)


def _ffn_cfg(embed_dims: int, feedforward_channels: int, dropout: float) -> dict:
    return dict(embed_dims=embed_dims, feedforward_channels=feedforward_channels, num_fcs=2,
                ffn_drop=dropout, act_cfg=dict(type='ReLU', inplace=True))


class VideoObjectCluster(BaseModule):
    """Video object cluster (VOC) of SOC's semantic integration module.

    Frame-level object queries of all frames of a clip are encoded jointly by a transformer encoder
    (self-attention over ``T * num_frame_queries`` tokens, no positional encoding, as in the official
    code). Video-level queries, whose content is initialised with the sentence feature and whose
    positional embedding is learnt, then group them in a decoder (cross-attention -> self-attention ->
    FFN, post-norm) whose memory positional encoding is a learnt per-frame-query-index embedding shared
    by all frames. A final LayerNorm gives the video queries.

    Every (decoder layer, clip) pair is clustered independently. Unlike the official implementation,
    clips are never mixed when the batch holds more than one clip (the official ``reshape`` interleaves
    frames of different clips when ``B > 1`` and ``T > 1``); for one clip the results are identical.

    Args:
        embed_dims (int): Query dimension. Defaults to 256.
        num_frame_queries (int): Number of frame-level queries per frame. Defaults to 20.
        num_queries (int): Number of video-level queries. Defaults to 20.
        num_heads (int): Attention heads. Defaults to 8.
        feedforward_channels (int): FFN hidden size. Defaults to 2048.
        num_encoder_layers (int): Encoder layers. Defaults to 3.
        num_decoder_layers (int): Decoder layers. Defaults to 3.
        dropout (float): Dropout of attention and FFN. Defaults to 0.1.
        learnt_content (bool): Add a learnt per-query embedding to the sentence feature in the initial
            content of the video queries. In the official design every video query starts from the same
            content (the sentence) and the queries differ only through their positional embedding,
            which enters the attention logits but not the values; from random features they stay
            identical (the contrastive loss then sits at ``ln(num_queries)``). Defaults to False
            (official).
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 embed_dims: int = 256,
                 num_frame_queries: int = 20,
                 num_queries: int = 20,
                 num_heads: int = 8,
                 feedforward_channels: int = 2048,
                 num_encoder_layers: int = 3,
                 num_decoder_layers: int = 3,
                 dropout: float = 0.1,
                 learnt_content: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.embed_dims = embed_dims
        self.num_frame_queries = num_frame_queries
        self.num_queries = num_queries
        self.encoder = DetrTransformerEncoder(
            num_layers=num_encoder_layers,
            layer_cfg=dict(
                self_attn_cfg=_attn_cfg(embed_dims, num_heads, dropout),
                ffn_cfg=_ffn_cfg(embed_dims, feedforward_channels, dropout)))
        self.decoder = Mask2FormerTransformerDecoder(
            num_layers=num_decoder_layers,
            layer_cfg=dict(
                self_attn_cfg=_attn_cfg(embed_dims, num_heads, dropout),
                cross_attn_cfg=_attn_cfg(embed_dims, num_heads, dropout),
                ffn_cfg=_ffn_cfg(embed_dims, feedforward_channels, dropout)),
            post_norm_cfg=dict(type='LN'),
            return_intermediate=False)
        self.fq_pos = nn.Embedding(num_frame_queries, embed_dims)
        self.query_embed = nn.Embedding(num_queries, embed_dims)
        self.content_embed = nn.Embedding(num_queries, embed_dims) if learnt_content else None

    def init_weights(self) -> None:
        """Xavier-uniform init of every matrix of the attention and FFN layers (as the official VOC)."""
        super().init_weights()
        for module in (self.encoder, self.decoder):
            for p in module.parameters():
                if p.dim() > 1:
                    nn.init.xavier_uniform_(p)

    def forward(self, frame_queries: Tensor, sentence_feats: Tensor) -> Tensor:
        """Cluster frame queries into video queries.

        Args:
            frame_queries (Tensor): Frame-level queries of shape (L, B, T, Q_f, C) (L decoder layers,
                each clustered on its own).
            sentence_feats (Tensor): Sentence features of shape (B, C), the initial content of every
                video query.

        Returns:
            Tensor: Video queries of shape (L, B, Q_v, C).
        """
        num_layers, batch_size, num_frames, num_fq, embed_dims = frame_queries.shape
        if num_fq != self.num_frame_queries:
            raise ValueError(f'expected {self.num_frame_queries} frame queries per frame, got {num_fq}')
        memory = frame_queries.reshape(num_layers * batch_size, num_frames * num_fq, embed_dims)
        memory = self.encoder(query=memory, query_pos=None, key_padding_mask=None)
        memory_pos = self.fq_pos.weight.repeat(num_frames, 1)[None].expand_as(memory)
        query = sentence_feats[None, :, None, :].expand(num_layers, batch_size, self.num_queries, embed_dims)
        if self.content_embed is not None:
            query = query + self.content_embed.weight
        query = query.reshape(num_layers * batch_size, self.num_queries, embed_dims)
        query_pos = self.query_embed.weight[None].expand_as(query)
        video_queries = self.decoder(
            query=query, key=memory, value=memory, query_pos=query_pos, key_pos=memory_pos,
            key_padding_mask=None)[0]
        return video_queries.view(num_layers, batch_size, self.num_queries, embed_dims)
