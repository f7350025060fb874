# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Dict, Optional, Tuple

import torch
from mmdet.models.layers import MLP, coordinate_to_encoding, inverse_sigmoid
from mmdet.models.layers.transformer import DeformableDetrTransformerDecoder
from torch import Tensor, nn

from mmrvos.registry import MODELS

from .referformer_head import ReferFormerHead


class DABDeformableDetrTransformerDecoder(DeformableDetrTransformerDecoder):
    """mmdet's Deformable DETR decoder with DAB-DETR's anchor-box queries (DAB-Deformable-DETR).

    `DAB-DETR: Dynamic Anchor Boxes are Better Queries for DETR <https://arxiv.org/abs/2201.12329>`_; the
    decoder of CMA's official ``models/deformable_transformer.py`` (``use_dab=True``). The query positions
    are rebuilt at every layer from the current boxes (normalised ``(cx, cy, w, h)``)::

        query_pos = query_scale(output) * ref_point_head(sine(box * valid_ratios of level 0))

    with ``sine`` = mmdet's ``coordinate_to_encoding`` (``embed_dims / 2`` features per coordinate, in the
    order y, x, w, h), ``query_scale`` = MLP C -> C -> C (1 at layer 0) and ``ref_point_head`` = MLP
    2C -> C -> C. The boxes are refined by ``reg_branches`` at every layer (box refinement).

    **Layer-0 anchor broadcast** (``layer0_quirk=True``, the official behaviour, inherited from
    IDEA-Research/DAB-DETR): the official initial anchors have no batch axis, ``(Q, 4)``, so
    ``anchors[:, :, None] * valid_ratios[:, None]`` broadcasts their coordinate axis against the level
    axis: at layer 0, level ``l`` samples around the box ``(c_l, c_l, c_l, c_l) * valid_ratios`` with
    ``c = (cx, cy, w, h)``, and the query position is built from ``(cx, cx, cx, cx)``. From layer 1 on,
    the refined boxes have a batch axis and the arithmetic is the intended one. Converted official
    weights were trained with this; ``layer0_quirk=False`` gives the intended layer 0 (the box of every
    query at every level). The quirk needs exactly 4 levels (as the official code).

    Args:
        layer0_quirk (bool): Reproduce the official layer-0 broadcast. Defaults to True.
        **kwargs: Arguments of ``DeformableDetrTransformerDecoder``.
    """

    def __init__(self, *args, layer0_quirk: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.layer0_quirk = layer0_quirk

    def _init_layers(self) -> None:
        """Decoder layers, ``query_scale`` and ``ref_point_head``."""
        super()._init_layers()
        self.query_scale = MLP(self.embed_dims, self.embed_dims, self.embed_dims, 2)
        self.ref_point_head = MLP(2 * self.embed_dims, self.embed_dims, self.embed_dims, 2)

    def layer_reference_points(self, layer_id: int, reference_points: Tensor, valid_ratios: Tensor) -> Tensor:
        """The boxes of every level that layer ``layer_id`` samples around.

        Args:
            layer_id (int): Decoder layer.
            reference_points (Tensor): (bs, Q, 4) normalised boxes.
            valid_ratios (Tensor): (bs, num_levels, 2).

        Returns:
            Tensor: (bs, Q, num_levels, 4).
        """
        ratios = torch.cat([valid_ratios, valid_ratios], -1)[:, None]  # (bs, 1, num_levels, 4)
        if layer_id == 0 and self.layer0_quirk:
            if ratios.shape[2] != reference_points.shape[-1]:
                raise ValueError(f'the official layer-0 anchor broadcast (layer0_quirk=True) needs 4 levels, '
                                 f'got {ratios.shape[2]}')
            return reference_points[..., None] * ratios
        return reference_points[:, :, None] * ratios

    def forward(self,
                query: Tensor,
                query_pos: Optional[Tensor],
                value: Tensor,
                key_padding_mask: Tensor,
                reference_points: Tensor,
                spatial_shapes: Tensor,
                level_start_index: Tensor,
                valid_ratios: Tensor,
                reg_branches: Optional[nn.Module] = None,
                **kwargs) -> Tuple[Tensor, Tensor]:
        """Decode with anchor-box queries.

        Args:
            query (Tensor): Content queries (bs, Q, C).
            query_pos (Tensor, optional): Ignored: the positions come from the boxes.
            value (Tensor): Encoder memory (bs, S, C).
            key_padding_mask (Tensor): (bs, S), True at padding.
            reference_points (Tensor): Initial anchors (bs, Q, 4), normalised (cx, cy, w, h).
            spatial_shapes (Tensor): (num_levels, 2).
            level_start_index (Tensor): (num_levels,).
            valid_ratios (Tensor): (bs, num_levels, 2).
            reg_branches (nn.ModuleList, optional): Box refinement branches, one per layer.

        Returns:
            tuple[Tensor, Tensor]: Hidden states and the refined boxes after each layer,
            (num_layers, bs, Q, C) and (num_layers, bs, Q, 4) with ``return_intermediate``, else those of
            the last layer.
        """
        output = query
        intermediate, intermediate_reference_points = [], []
        for layer_id, layer in enumerate(self.layers):
            reference_points_input = self.layer_reference_points(layer_id, reference_points, valid_ratios)
            query_pos = self.ref_point_head(
                coordinate_to_encoding(reference_points_input[:, :, 0], num_feats=self.embed_dims // 2))
            if layer_id > 0:
                query_pos = self.query_scale(output) * query_pos
            output = layer(output, query_pos=query_pos, value=value, key_padding_mask=key_padding_mask,
                           spatial_shapes=spatial_shapes, level_start_index=level_start_index,
                           valid_ratios=valid_ratios, reference_points=reference_points_input, **kwargs)
            if reg_branches is not None:
                reference_points = (reg_branches[layer_id](output) +
                                    inverse_sigmoid(reference_points)).sigmoid().detach()
            if self.return_intermediate:
                intermediate.append(output)
                intermediate_reference_points.append(reference_points)
        if self.return_intermediate:
            return torch.stack(intermediate), torch.stack(intermediate_reference_points)
        return output, reference_points


@MODELS.register_module()
class CMAHead(ReferFormerHead):
    """CMA's query head: ReferFormer's head with DAB anchor-box queries.

    `Learning Cross-Modal Affinity for Referring Video Object Segmentation Targeting Limited Samples
    <https://arxiv.org/abs/2309.02041>`_ (ICCV 2023), official ``models/cma.py`` (``use_dab=True``).

    Differences from :class:`ReferFormerHead`: every frame starts from the same learnt content queries
    ``tgt_embed`` (Q, C) and anchor boxes ``sigmoid(refpoint_embed)`` (Q, 4) (normalised (cx, cy, w, h));
    the decoder is :class:`DABDeformableDetrTransformerDecoder` (query positions from the boxes, box
    refinement by ``bbox_embed``). The sentence feature is not a query content (the official DAB branch
    replaces it): the language reaches the queries through the fused memory only. Losses, matching and
    inference are ReferFormer's; the input is the query clip after the cross-modal affinity (see
    :class:`CMA`).

    Args:
        decoder (dict): ``DeformableDetrTransformerDecoder`` config (``post_norm_cfg=None``).
        dab_layer0_quirk (bool): The official layer-0 anchor broadcast (see
            :class:`DABDeformableDetrTransformerDecoder`); True (default) for converted official weights,
            False for the intended arithmetic.
        **kwargs: Arguments of :class:`ReferFormerHead`.
    """

    def __init__(self, *, decoder: dict = dict(), dab_layer0_quirk: bool = True, **kwargs) -> None:
        super().__init__(decoder=dict(decoder, layer0_quirk=dab_layer0_quirk), **kwargs)

    def _build_decoder(self, decoder: dict) -> nn.Module:
        """The DAB decoder."""
        return DABDeformableDetrTransformerDecoder(**decoder)

    def _init_queries(self) -> None:
        """``tgt_embed`` (Q, C) content queries and ``refpoint_embed`` (Q, 4) anchor logits."""
        self.tgt_embed = nn.Embedding(self.num_queries, self.embed_dims)
        self.refpoint_embed = nn.Embedding(self.num_queries, 4)

    def _init_query_weights(self) -> None:
        """Nothing: the embeddings keep PyTorch's N(0, 1), as the official code."""

    def pre_decoder(self, memory: Tensor, memory_mask: Tensor, spatial_shapes: Tensor,
                    text: Dict[str, Tensor], num_frames: int) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
        """The same anchor queries for every frame.

        Args:
            memory (Tensor): Encoder output (N*T, S, C).
            memory_mask (Tensor): Padding mask (N*T, S) (unused).
            spatial_shapes (Tensor): (num_levels, 2).
            text (dict[str, Tensor]): Output of the text encoder (unused).
            num_frames (int): Frames per clip T (unused).

        Returns:
            tuple[dict, dict]: The keyword arguments of :meth:`forward_decoder` (``query`` (N*T, Q, C),
            ``query_pos`` None, ``memory``, ``reference_points`` (N*T, Q, 4) normalised (cx, cy, w, h))
            and the head inputs taken from the encoder (``memory``, ``spatial_shapes``).
        """
        num_frames_total = memory.shape[0]
        query = self.tgt_embed.weight[None].expand(num_frames_total, -1, -1)
        reference_points = self.refpoint_embed.weight.sigmoid()[None].expand(num_frames_total, -1, -1)
        decoder_inputs = dict(query=query, query_pos=None, memory=memory, reference_points=reference_points)
        return decoder_inputs, dict(memory=memory, spatial_shapes=spatial_shapes)
