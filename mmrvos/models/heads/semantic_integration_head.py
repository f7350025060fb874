# Copyright (c) mmrvos contributors. All rights reserved.
import copy
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
                                                 --> hs (L, N*T, Q, C), references
        hs of all frames of a clip --> video object cluster (VOC, video queries from the sentence)
        hs + VOC(hs) --> class / box heads, dynamic mask head (relative coordinates to the
                         decoder's own references, FPN spatial decoder on memory + stride-4 stage)

    The frame-level part is Deformable DETR (``with_box_refine``, single stage) built from mmdet's
    layers and mmcv's ``MultiScaleDeformableAttention``; every frame is an independent batch element.

    In training every decoder layer ``l`` is clustered by VOC on its own and predicts from
    ``hs[l] + VOC(hs[l])`` (deep supervision). At test time VOC runs on the last layer only and the
    prediction is the last layer's. With ``test_cfg.official_layer0_quirk=True`` the test-time prediction
    reproduces the official implementation instead: decoder layer 0's heads applied to
    ``hs[0] + VOC(hs[-1])`` (its eval path returns layer 0 by accident); use it only with converted
    official checkpoints.

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
        if voc is None:
            self.voc = None
        else:
            voc = dict(voc)
            voc.setdefault('embed_dims', embed_dims)
            voc.setdefault('num_frame_queries', num_queries)
            self.voc = VideoObjectCluster(**voc)
        mask_head = copy.deepcopy(mask_head)
        mask_head.setdefault('embed_dims', embed_dims)
        self.mask_head = MODELS.build(mask_head)

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

    def forward_transformer(self, feats: List[Tensor], masks: List[Tensor],
                            pos: List[Tensor]) -> Dict[str, Tensor]:
        """Per-frame deformable encoder and decoder.

        Args:
            feats (list[Tensor]): ``num_levels`` maps (N*T, C, h, w).
            masks (list[Tensor]): Padding masks (N*T, h, w), True at padding.
            pos (list[Tensor]): Positional encodings (N*T, C, h, w).

        Returns:
            dict: ``hs`` (L, N*T, Q, C), ``init_reference`` (N*T, Q, 2), ``inter_references``
            (L, N*T, Q, 4), ``memory`` (list of the first three levels, (N*T, C, h, w)).
        """
        src_flatten, mask_flatten, pos_flatten, spatial_shapes = [], [], [], []
        for lvl, (feat, mask, p) in enumerate(zip(feats, masks, pos)):
            spatial_shapes.append(feat.shape[-2:])
            src_flatten.append(feat.flatten(2).transpose(1, 2))
            mask_flatten.append(mask.flatten(1))
            pos_flatten.append(p.flatten(2).transpose(1, 2) + self.level_embed[lvl].view(1, 1, -1))
        src_flatten = torch.cat(src_flatten, 1)
        mask_flatten = torch.cat(mask_flatten, 1)
        pos_flatten = torch.cat(pos_flatten, 1)
        spatial_shapes = torch.as_tensor(spatial_shapes, dtype=torch.long, device=src_flatten.device)
        level_start_index = torch.cat(
            (spatial_shapes.new_zeros((1, )), spatial_shapes.prod(1).cumsum(0)[:-1]))
        valid_ratios = torch.stack([DeformableDETR.get_valid_ratio(m) for m in masks], 1)
        memory = self.encoder(
            query=src_flatten, query_pos=pos_flatten, key_padding_mask=mask_flatten,
            spatial_shapes=spatial_shapes, level_start_index=level_start_index, valid_ratios=valid_ratios)

        num_frames_total = memory.shape[0]
        query_pos = self.query_embed.weight[None].expand(num_frames_total, -1, -1)
        init_reference = self.reference_points(query_pos).sigmoid()
        hs, inter_references = self.decoder(
            query=torch.zeros_like(query_pos), query_pos=query_pos, value=memory,
            key_padding_mask=mask_flatten, reference_points=init_reference, spatial_shapes=spatial_shapes,
            level_start_index=level_start_index, valid_ratios=valid_ratios, reg_branches=self.bbox_embed)

        memory_levels = []
        start = 0
        for h, w in spatial_shapes[:3].tolist():
            memory_levels.append(memory[:, start:start + h * w].transpose(1, 2).reshape(
                num_frames_total, self.embed_dims, h, w))
            start += h * w
        return dict(hs=hs, init_reference=init_reference, inter_references=inter_references,
                    memory=memory_levels)

    def _output_layers(self, num_layers: int) -> List[Tuple[int, int]]:
        """(decoder layer of the heads, decoder layer clustered by VOC) of every prediction."""
        if self.training:
            return [(i, i) for i in range(num_layers)]
        if self.test_cfg.get('official_layer0_quirk', False):
            return [(0, num_layers - 1)]
        return [(num_layers - 1, num_layers - 1)]

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
        trans = self.forward_transformer(neck_outs['feats'], neck_outs['masks'], neck_outs['pos'])
        hs, inter_refs = trans['hs'], trans['inter_references']
        num_layers, nt, q, c = hs.shape
        n = nt // num_frames
        layers = self._output_layers(num_layers)
        voc_layers = sorted({v for _, v in layers})
        video_queries = None
        if self.voc is not None:
            frame_queries = hs[voc_layers].view(len(voc_layers), n, num_frames, q, c)
            video_queries = self.voc(frame_queries, sentence_feats)
        mask_feats = self.mask_head.forward_mask_features(trans['memory'], stride4_feats)
        mask_feats = mask_feats.view(n, num_frames, *mask_feats.shape[1:])

        cls_scores, bbox_preds, mask_preds, voc_outs = [], [], [], []
        for head_layer, voc_layer in layers:
            queries = hs[head_layer].view(n, num_frames, q, c)
            if video_queries is not None:
                voc_out = video_queries[voc_layers.index(voc_layer)]
                queries = queries + voc_out[:, None]
                voc_outs.append(voc_out)
            reference = trans['init_reference'] if head_layer == 0 else inter_refs[head_layer - 1]
            reference = inverse_sigmoid(reference).view(n, num_frames, q, -1)
            tmp = self.bbox_embed[head_layer](queries)
            if reference.shape[-1] == 4:
                tmp = tmp + reference
            else:
                tmp = torch.cat([tmp[..., :2] + reference, tmp[..., 2:]], dim=-1)
            cls_scores.append(self.class_embed[head_layer](queries))
            bbox_preds.append(tmp.sigmoid())
            mask_refs = inter_refs[head_layer][..., :2].view(n, num_frames, q, 2)
            mask_preds.append(self.mask_head(queries, mask_refs, mask_feats, img_sizes))
        outs = dict(
            cls_scores=torch.stack(cls_scores),
            bbox_preds=torch.stack(bbox_preds),
            mask_preds=torch.stack(mask_preds),
            text_embeds=neck_outs['text_embeds'])
        if voc_outs:
            outs['video_queries'] = torch.stack(voc_outs)
        return outs
