# Copyright (c) mmrvos contributors. All rights reserved.
import math
from typing import Dict, List, Optional, Tuple

import torch
from mmcv.ops import MultiScaleDeformableAttention
from mmdet.models.detectors.deformable_detr import DeformableDETR
from mmdet.models.layers import MLP, inverse_sigmoid
from mmdet.models.layers.transformer import DeformableDetrTransformerDecoder, DeformableDetrTransformerEncoder
from mmengine.model import BaseModule, ModuleList
from torch import Tensor, nn

from mmrvos.registry import MODELS

from ..layers import VideoObjectCluster


@MODELS.register_module()
class SemanticIntegrationHead(BaseModule):
    """SOC's semantic integration module (SIM) with its class, box and mask heads.

    .. code:: text

        fused multi-scale maps (N*T frames) --> deformable encoder (per frame) --> memory
        frame queries (shared embedding)    --> deformable decoder (per frame, box refinement)
                                                 --> hidden states (L, N*T, Q, C), references
        hidden states of all frames of a clip --> video object cluster (VOC, video queries from the
                                                  sentence)
        hidden states + VOC(hidden states) --> class / box heads, dynamic mask head (relative
            coordinates to the decoder's own references, FPN spatial decoder on memory + stride-4 stage)

    The frame level is Deformable DETR (``with_box_refine``, single stage; mmdet's layers, mmcv's
    ``MultiScaleDeformableAttention``; every frame an independent batch element) in mmdet's named steps
    (:meth:`pre_transformer`, :meth:`forward_encoder`, :meth:`pre_decoder`, :meth:`forward_decoder`, as
    mmdet's ``DetectionTransformer``); the video level is :meth:`forward_video_queries`, the heads
    :meth:`forward_predictions`. A variant overrides the step it changes.

    In training every decoder layer ``l`` is clustered by VOC on its own and predicts from
    ``h[l] + VOC(h[l])`` (``h`` the decoder's hidden states; deep supervision). At test time VOC runs
    on the last layer only and the prediction is the last layer's. With
    ``test_cfg.official_layer0_quirk=True`` the test-time prediction reproduces the official
    implementation instead: decoder layer 0's heads applied to ``h[0] + VOC(h[-1])`` (its eval path
    returns layer 0 by accident); use it only with converted official checkpoints.

    Args:
        num_queries (int): Frame queries per frame. Defaults to 20.
        num_classes (int): Classes (1: "is referred"). Defaults to 1.
        embed_dims (int): Model dimension. Defaults to 256.
        num_levels (int): Feature levels. Defaults to 4.
        encoder (dict): ``DeformableDetrTransformerEncoder`` config.
        decoder (dict): ``DeformableDetrTransformerDecoder`` config (``post_norm_cfg=None``).
        voc (dict, optional): :class:`VideoObjectCluster` arguments. ``None`` removes the video-level
            object cluster (the frame-level ablation): every frame is predicted from its own frame
            queries (frames still meet in the video backbone) and no ``video_queries`` are returned.
        mask_head (dict): Mask head config (``SOCDynamicMaskHead``).
        train_cfg (dict, optional): Training config (used by subclasses).
        test_cfg (dict, optional): Test config, keys ``official_layer0_quirk`` and others used by
            subclasses.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 num_queries: int = 20,
                 num_classes: int = 1,
                 embed_dims: int = 256,
                 num_levels: int = 4,
                 encoder: dict = dict(),
                 decoder: dict = dict(),
                 voc: Optional[dict] = dict(),
                 mask_head: dict = dict(type='SOCDynamicMaskHead'),
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_queries = num_queries
        self.num_classes = num_classes
        self.embed_dims = embed_dims
        self.num_levels = num_levels
        self.train_cfg = train_cfg or dict()
        self.test_cfg = test_cfg or dict()
        self.encoder = DeformableDetrTransformerEncoder(**encoder)
        self.decoder = DeformableDetrTransformerDecoder(**decoder)
        self.level_embed = nn.Parameter(torch.empty(num_levels, embed_dims))
        self.reference_points = nn.Linear(embed_dims, 2)
        self.query_embed = nn.Embedding(num_queries, embed_dims)
        num_layers = self.decoder.num_layers
        self.class_embed = ModuleList([nn.Linear(embed_dims, num_classes) for _ in range(num_layers)])
        self.bbox_embed = ModuleList([MLP(embed_dims, embed_dims, 4, 3) for _ in range(num_layers)])
        self.voc = None if voc is None else VideoObjectCluster(
            **{'embed_dims': embed_dims, 'num_frame_queries': num_queries, **voc})
        self.mask_head = MODELS.build({'embed_dims': embed_dims, **mask_head})

    def init_weights(self) -> None:
        """Initialise as the official SOC / Deformable DETR code does (VOC and mask head initialise
        themselves, called by ``super().init_weights()``)."""
        super().init_weights()
        for module in (self.encoder, self.decoder):
            for p in module.parameters():
                if p.dim() > 1:
                    nn.init.xavier_uniform_(p)
        for m in self.modules():
            if isinstance(m, MultiScaleDeformableAttention):
                m.init_weights()
        nn.init.xavier_uniform_(self.reference_points.weight, gain=1.0)
        nn.init.constant_(self.reference_points.bias, 0.)
        nn.init.normal_(self.level_embed)
        bias = -math.log((1 - 0.01) / 0.01)
        for i in range(len(self.class_embed)):
            nn.init.constant_(self.class_embed[i].bias, bias)
            nn.init.constant_(self.bbox_embed[i].layers[-1].weight, 0.)
            nn.init.constant_(self.bbox_embed[i].layers[-1].bias, 0.)
        nn.init.constant_(self.bbox_embed[0].layers[-1].bias[2:], -2.0)

    # ----------------------------------------------------------------------------------------------
    # frame-level deformable transformer: pre_transformer -> forward_encoder -> pre_decoder ->
    # forward_decoder, as mmdet's DeformableDETR (``models/detectors/base_detr.py``)
    def pre_transformer(self, feats: List[Tensor], masks: List[Tensor],
                        pos: List[Tensor]) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
        """Flatten the fused multi-scale maps into the encoder's token sequence.

        Args:
            feats (list[Tensor]): ``num_levels`` maps (N*T, C, h_l, w_l).
            masks (list[Tensor]): Padding masks (N*T, h_l, w_l), True at padding.
            pos (list[Tensor]): Positional encodings (N*T, C, h_l, w_l).

        Returns:
            tuple[dict, dict]: The keyword arguments of :meth:`forward_encoder` (``feat`` (N*T, S, C)
            with ``S = sum(h_l * w_l)``, ``feat_mask`` (N*T, S), ``feat_pos`` (N*T, S, C) with the level
            embedding added, ``spatial_shapes`` (num_levels, 2), ``level_start_index`` (num_levels,),
            ``valid_ratios`` (N*T, num_levels, 2)) and those of :meth:`forward_decoder` known so far
            (``memory_mask``, ``spatial_shapes``, ``level_start_index``, ``valid_ratios``).
        """
        feat_flatten, mask_flatten, pos_flatten, spatial_shapes = [], [], [], []
        for level, (feat, mask, level_pos) in enumerate(zip(feats, masks, pos)):
            spatial_shapes.append(feat.shape[-2:])
            feat_flatten.append(feat.flatten(2).transpose(1, 2))
            mask_flatten.append(mask.flatten(1))
            pos_flatten.append(level_pos.flatten(2).transpose(1, 2) + self.level_embed[level].view(1, 1, -1))
        feat_flatten = torch.cat(feat_flatten, 1)
        mask_flatten = torch.cat(mask_flatten, 1)
        pos_flatten = torch.cat(pos_flatten, 1)
        spatial_shapes = torch.as_tensor(spatial_shapes, dtype=torch.long, device=feat_flatten.device)
        level_start_index = torch.cat(
            (spatial_shapes.new_zeros((1, )), spatial_shapes.prod(1).cumsum(0)[:-1]))
        valid_ratios = torch.stack([DeformableDETR.get_valid_ratio(m) for m in masks], 1)
        encoder_inputs = dict(feat=feat_flatten, feat_mask=mask_flatten, feat_pos=pos_flatten,
                              spatial_shapes=spatial_shapes, level_start_index=level_start_index,
                              valid_ratios=valid_ratios)
        decoder_inputs = dict(memory_mask=mask_flatten, spatial_shapes=spatial_shapes,
                              level_start_index=level_start_index, valid_ratios=valid_ratios)
        return encoder_inputs, decoder_inputs

    # mmdet's step as it is: deformable encoder over the tokens of every frame; returns ``memory``
    # (N*T, S, C), ``memory_mask`` (N*T, S) and ``spatial_shapes``.
    forward_encoder = DeformableDETR.forward_encoder

    def pre_decoder(self, memory: Tensor, memory_mask: Tensor,
                    spatial_shapes: Tensor) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
        """Frame queries and their reference points.

        Every frame starts from the same learnt query positions (``query_embed``), zero content and
        reference points ``sigmoid(reference_points(query_pos))``, as the official single-stage code.

        Args:
            memory (Tensor): Encoder output (N*T, S, C).
            memory_mask (Tensor): Padding mask (N*T, S) (unused in the single-stage model).
            spatial_shapes (Tensor): (num_levels, 2) (h_l, w_l) of each level.

        Returns:
            tuple[dict, dict]: The keyword arguments of :meth:`forward_decoder` added here (``query``
            (N*T, Q, C) zeros, ``query_pos`` (N*T, Q, C), ``memory``, ``reference_points`` (N*T, Q, 2)
            normalised (x, y)) and the head inputs taken from the encoder (``memory``,
            ``spatial_shapes``, for the mask head, see :meth:`memory_to_maps`).
        """
        query_pos = self.query_embed.weight[None].expand(memory.shape[0], -1, -1)
        reference_points = self.reference_points(query_pos).sigmoid()
        decoder_inputs = dict(query=torch.zeros_like(query_pos), query_pos=query_pos, memory=memory,
                              reference_points=reference_points)
        return decoder_inputs, dict(memory=memory, spatial_shapes=spatial_shapes)

    def forward_decoder(self, query: Tensor, query_pos: Tensor, memory: Tensor, memory_mask: Tensor,
                        reference_points: Tensor, spatial_shapes: Tensor, level_start_index: Tensor,
                        valid_ratios: Tensor) -> Dict[str, object]:
        """Deformable decoder with iterative box refinement by ``bbox_embed``.

        Args:
            query (Tensor): Initial query content (N*T, Q, C).
            query_pos (Tensor): Query positions (N*T, Q, C).
            memory (Tensor): Encoder output (N*T, S, C).
            memory_mask (Tensor): Padding mask (N*T, S), True at padding.
            reference_points (Tensor): Initial reference points (N*T, Q, 2), normalised (x, y).
            spatial_shapes (Tensor): (num_levels, 2).
            level_start_index (Tensor): (num_levels,).
            valid_ratios (Tensor): (N*T, num_levels, 2).

        Returns:
            dict: ``hidden_states`` (L, N*T, Q, C), the output of every decoder layer, and
            ``references``, a list of L + 1 tensors: the initial reference points (N*T, Q, 2), then
            the boxes (N*T, Q, 4) normalised (cx, cy, w, h) refined by each layer.
        """
        hidden_states, inter_references = self.decoder(
            query=query, query_pos=query_pos, value=memory, key_padding_mask=memory_mask,
            reference_points=reference_points, spatial_shapes=spatial_shapes,
            level_start_index=level_start_index, valid_ratios=valid_ratios, reg_branches=self.bbox_embed)
        return dict(hidden_states=hidden_states, references=[reference_points, *inter_references])

    def forward_transformer(self, feats: List[Tensor], masks: List[Tensor],
                            pos: List[Tensor]) -> Dict[str, object]:
        """Per-frame deformable encoder and decoder (every frame is its own batch element).

        Args:
            feats (list[Tensor]): ``num_levels`` maps (N*T, C, h_l, w_l).
            masks (list[Tensor]): Padding masks (N*T, h_l, w_l), True at padding.
            pos (list[Tensor]): Positional encodings (N*T, C, h_l, w_l).

        Returns:
            dict: ``hidden_states`` (L, N*T, Q, C), ``references`` (see :meth:`forward_decoder`),
            ``memory`` (N*T, S, C) and ``spatial_shapes`` (num_levels, 2).
        """
        encoder_inputs, decoder_inputs = self.pre_transformer(feats, masks, pos)
        encoder_outputs = self.forward_encoder(**encoder_inputs)
        decoder_query_inputs, head_inputs = self.pre_decoder(**encoder_outputs)
        decoder_inputs.update(decoder_query_inputs)
        head_inputs.update(self.forward_decoder(**decoder_inputs))
        return head_inputs

    # ----------------------------------------------------------------------------------------------
    # video level and prediction heads
    def memory_to_maps(self, memory: Tensor, spatial_shapes: Tensor) -> List[Tensor]:
        """The first three levels of the encoder memory (N*T, S, C) as maps (N*T, C, h_l, w_l), strides
        8, 16, 32 (the mask head's input)."""
        maps, start = [], 0
        for h, w in spatial_shapes[:3].tolist():
            maps.append(memory[:, start:start + h * w].transpose(1, 2).reshape(memory.shape[0], -1, h, w))
            start += h * w
        return maps

    def _output_layers(self, num_layers: int) -> List[Tuple[int, int]]:
        """(decoder layer of the heads, decoder layer clustered by VOC) of every prediction."""
        if self.training:
            return [(i, i) for i in range(num_layers)]
        if self.test_cfg.get('official_layer0_quirk', False):
            return [(0, num_layers - 1)]
        return [(num_layers - 1, num_layers - 1)]

    def forward_video_queries(self, hidden_states: Tensor, sentence_feats: Tensor, num_frames: int,
                              voc_layers: List[int]) -> Optional[Tensor]:
        """Cluster the frame queries of every clip into video queries (VOC).

        Args:
            hidden_states (Tensor): Decoder outputs (L, N*T, Q, C).
            sentence_feats (Tensor): Sentence features (N, C), the initial video queries.
            num_frames (int): Frames per clip T.
            voc_layers (list[int]): Decoder layers to cluster, each on its own.

        Returns:
            Tensor or None: Video queries (len(voc_layers), N, Q_v, C); None without VOC.
        """
        if self.voc is None:
            return None
        _, num_frames_total, num_queries, embed_dims = hidden_states.shape
        frame_queries = hidden_states[voc_layers].view(
            len(voc_layers), num_frames_total // num_frames, num_frames, num_queries, embed_dims)
        return self.voc(frame_queries, sentence_feats)

    def forward_predictions(self, queries: Tensor, layer: int, references: List[Tensor], mask_feats: Tensor,
                            img_sizes: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Class, box and mask predictions of decoder layer ``layer``'s heads.

        Args:
            queries (Tensor): Queries (N, T, Q, C), frame queries plus video queries.
            layer (int): Decoder layer whose heads and reference points are used.
            references (list[Tensor]): See :meth:`forward_decoder`; the box is predicted relative to
                ``references[layer]``, the mask around the centre of ``references[layer + 1]`` (the
                decoder's own refined box).
            mask_feats (Tensor): Mask features (N, T, D, H/4, W/4).
            img_sizes (Tensor): (N, 2) resized, un-padded (h, w) of each clip's frames.

        Returns:
            tuple[Tensor]: Class logits (N, T, Q, num_classes), boxes (N, T, Q, 4) normalised
            (cx, cy, w, h), mask logits (N, T, Q, H/4, W/4).
        """
        num_clips, num_frames, num_queries = queries.shape[:3]
        reference = inverse_sigmoid(references[layer]).view(num_clips, num_frames, num_queries, -1)
        box_offsets = self.bbox_embed[layer](queries)
        if reference.shape[-1] == 4:
            box_logits = box_offsets + reference
        else:
            box_logits = torch.cat([box_offsets[..., :2] + reference, box_offsets[..., 2:]], dim=-1)
        cls_scores = self.class_embed[layer](queries)
        mask_centres = references[layer + 1][..., :2].view(num_clips, num_frames, num_queries, 2)
        masks = self.mask_head(queries, mask_centres, mask_feats, img_sizes)
        return cls_scores, box_logits.sigmoid(), masks

    def forward(self, neck_outs: Dict, stride4_feats: Tensor, sentence_feats: Tensor, img_sizes: Tensor,
                num_frames: int) -> Dict[str, Tensor]:
        """Predict classes, boxes, masks and video queries.

        Args:
            neck_outs (dict): Output of the MMF neck (``feats``, ``masks``, ``pos``, ``text_embeds``).
            stride4_feats (Tensor): Backbone stride-4 stage (N*T, C_4, H/4, W/4).
            sentence_feats (Tensor): Sentence features (N, C) that initialise the video queries.
            img_sizes (Tensor): (N, 2) resized, un-padded (h, w) of each clip's frames.
            num_frames (int): Frames per clip T.

        Returns:
            dict[str, Tensor]: with L' output layers (all decoder layers in training, one at test):

            - cls_scores (L', N, T, Q, num_classes) logits.
            - bbox_preds (L', N, T, Q, 4) normalised (cx, cy, w, h).
            - mask_preds (L', N, T, Q, H/4, W/4) logits.
            - video_queries (L', N, Q_v, C) VOC outputs (absent without VOC).
            - text_embeds (N, C) text side of the contrastive loss.
        """
        transformer_outs = self.forward_transformer(neck_outs['feats'], neck_outs['masks'], neck_outs['pos'])
        hidden_states = transformer_outs['hidden_states']
        num_layers, num_frames_total, num_queries, embed_dims = hidden_states.shape
        num_clips = num_frames_total // num_frames
        layers = self._output_layers(num_layers)
        voc_layers = sorted({v for _, v in layers})
        video_queries = self.forward_video_queries(hidden_states, sentence_feats, num_frames, voc_layers)
        memory_maps = self.memory_to_maps(transformer_outs['memory'], transformer_outs['spatial_shapes'])
        mask_feats = self.mask_head.forward_mask_features(memory_maps, stride4_feats)
        mask_feats = mask_feats.view(num_clips, num_frames, *mask_feats.shape[1:])

        predictions, voc_outs = [], []
        for head_layer, voc_layer in layers:
            queries = hidden_states[head_layer].view(num_clips, num_frames, num_queries, embed_dims)
            if video_queries is not None:
                voc_out = video_queries[voc_layers.index(voc_layer)]
                queries = queries + voc_out[:, None]
                voc_outs.append(voc_out)
            predictions.append(self.forward_predictions(
                queries, head_layer, transformer_outs['references'], mask_feats, img_sizes))
        cls_scores, bbox_preds, mask_preds = zip(*predictions)
        outs = dict(
            cls_scores=torch.stack(cls_scores),
            bbox_preds=torch.stack(bbox_preds),
            mask_preds=torch.stack(mask_preds),
            text_embeds=neck_outs['text_embeds'])
        if voc_outs:
            outs['video_queries'] = torch.stack(voc_outs)
        return outs
