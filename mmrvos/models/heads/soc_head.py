# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData
from torch import Tensor

from mmrvos.registry import MODELS

from ..layers import VideoObjectCluster
from .referformer_head import Matches, ReferFormerHead


@MODELS.register_module()
class SOCHead(ReferFormerHead):
    """SOC head: :class:`ReferFormerHead` with SOC's semantic integration module (SIM) and losses.

    .. code:: text

        frame queries (zero content, shared positions) --> ReferFormer's per-frame deformable transformer
                                                 --> hidden states (L, N*T, Q, C)
        hidden states of all frames of a clip --> video object cluster (VOC, video queries from the
                                                  sentence)
        hidden states + VOC(hidden states) --> class / box heads, dynamic mask head (FPN spatial decoder)

    What SOC changes in ReferFormer's head: the frame queries start from zero content
    (:meth:`initial_query_content`), the queries of the heads are frame queries plus video queries
    (:meth:`forward_queries`, :meth:`forward_video_queries`), the visual-linguistic contrastive loss
    between the video queries and the text, the mask losses on predictions upsampled to the padded input
    size with one dice term per frame (:meth:`loss_masks`) and the normaliser: all (frame, object) pairs,
    visible or not (:meth:`get_num_targets`).

    In training every decoder layer ``l`` is clustered by VOC on its own and predicts from
    ``h[l] + VOC(h[l])`` (``h`` the decoder's hidden states; deep supervision). At test time VOC runs
    on the last layer only and the prediction is the last layer's. With
    ``test_cfg.official_layer0_quirk=True`` the test-time prediction reproduces the official
    implementation instead: decoder layer 0's heads applied to ``h[0] + VOC(h[-1])`` (its eval path
    returns layer 0 by accident); use it only with converted official checkpoints.

    Training assignment, losses and inference are otherwise ReferFormer's (see :class:`ReferFormerHead`);
    SOC's clip-level costs are in the configs.

    Args:
        num_queries (int): Frame queries per frame. Defaults to 20.
        voc (dict, optional): :class:`VideoObjectCluster` arguments. ``None`` removes the video-level
            object cluster (the frame-level ablation): every frame is predicted from its own frame
            queries (frames still meet in the video backbone) and no ``video_queries`` are returned.
        loss_bbox (dict): Box L1 loss config. Defaults to weight 2 (SOC's).
        loss_iou (dict): Box GIoU loss config (the official SOC's smoothed GIoU).
        loss_contrastive (dict, optional): Contrastive loss config; ``None`` drops the loss (required
            without VOC, ``voc=None``, which has no video queries).
        **kwargs: Arguments of :class:`ReferFormerHead` (``mask_head`` with ``FPNSpatialDecoder``).
    """
    layerless_outs = ('text_embeds', )

    def __init__(self,
                 num_queries: int = 20,
                 voc: Optional[dict] = dict(),
                 loss_bbox: dict = dict(type='L1Loss', loss_weight=2.0),
                 loss_iou: dict = dict(type='SmoothedGIoULoss', eps=1e-6, loss_weight=2.0),
                 loss_contrastive: Optional[dict] = dict(type='VisualLinguisticContrastiveLoss',
                                                         loss_weight=1.0),
                 **kwargs) -> None:
        self.voc_cfg = voc
        super().__init__(num_queries=num_queries, loss_bbox=loss_bbox, loss_iou=loss_iou, **kwargs)
        self.loss_contrastive = MODELS.build(loss_contrastive) if loss_contrastive else None
        if self.voc is None and self.loss_contrastive is not None:
            raise ValueError('the contrastive loss needs the video queries of VOC: set '
                             'loss_contrastive=None together with voc=None')

    def _init_query_layers(self) -> None:
        """Build VOC."""
        self.voc = None if self.voc_cfg is None else VideoObjectCluster(
            **{'embed_dims': self.embed_dims, 'num_frame_queries': self.num_queries, **self.voc_cfg})

    def initial_query_content(self, query_pos: Tensor, text: Dict[str, Tensor], num_frames: int) -> Tensor:
        """SOC's frame queries start from zero content (N*T, Q, C)."""
        return torch.zeros_like(query_pos)

    # ----------------------------------------------------------------------------------------------
    # video level
    def _output_layers(self, num_layers: int) -> List[Tuple[int, int]]:
        """(decoder layer of the heads, decoder layer clustered by VOC) of every prediction."""
        if not self.training and self.test_cfg.get('official_layer0_quirk', False):
            return [(0, num_layers - 1)]
        return super()._output_layers(num_layers)

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

    def forward_queries(self, hidden_states: Tensor, layers: List[Tuple[int, int]], text: Dict[str, Tensor],
                        num_frames: int) -> Tuple[List[Tensor], Dict[str, Tensor]]:
        """Frame queries plus the video queries of VOC (without VOC: the frame queries).

        Returns:
            tuple[list[Tensor], dict]: Per output layer the queries (N, T, Q, C); ``video_queries``
            (L', N, Q_v, C), the VOC outputs (absent without VOC).
        """
        queries, outs = super().forward_queries(hidden_states, layers, text, num_frames)
        voc_layers = sorted({v for _, v in layers})
        video_queries = self.forward_video_queries(hidden_states, text['sentence_feats'], num_frames,
                                                   voc_layers)
        if video_queries is None:
            return queries, outs
        voc_outs = [video_queries[voc_layers.index(voc_layer)] for _, voc_layer in layers]
        outs['video_queries'] = torch.stack(voc_outs)
        return [q + voc_out[:, None] for q, voc_out in zip(queries, voc_outs)], outs

    def forward(self, neck_outs: Dict, **kwargs) -> Dict[str, Tensor]:
        """Predict classes, boxes, masks and video queries (arguments: see :meth:`ReferFormerHead.forward`).

        Returns:
            dict[str, Tensor]: ``cls_scores``, ``bbox_preds``, ``mask_preds`` and ``video_queries`` (see
            :meth:`forward_queries`) with L' output layers, and ``text_embeds`` (N, C), the text side of
            the contrastive loss (from :class:`MMFNeck`).
        """
        outs = super().forward(neck_outs=neck_outs, **kwargs)
        outs['text_embeds'] = neck_outs['text_embeds']
        return outs

    # ----------------------------------------------------------------------------------------------
    # training
    def get_mask_targets(self, gt: InstanceData, mask_size: Sequence[int]) -> InstanceData:
        """SOC keeps the masks at the padded input size (the predictions are upsampled instead)."""
        return gt

    def get_num_targets(self, batch_gt_instances: List[InstanceData]) -> int:
        """SOC's normaliser: all (frame, object) pairs, G*T per clip."""
        return sum(gt.masks.shape[0] * gt.masks.shape[1] for gt in batch_gt_instances)

    def _assignment_masks(self, mask_preds: Tensor, gt: InstanceData) -> Tensor:
        """(Q, T, h, w) mask logits bilinearly upsampled to the padded input size of ``gt.masks``."""
        return F.interpolate(mask_preds, size=gt.masks.shape[-2:], mode='bilinear', align_corners=False)

    def loss_masks(self, mask_preds: Tensor, batch_gt_instances: List[InstanceData], matches: Matches,
                   num_targets: float) -> Dict[str, Tensor]:
        """SOC's mask losses: matched logits upsampled to the padded input size, focal loss averaged over
        pixels and one dice term per (frame, object)."""
        preds, targets = [], []
        for clip, (gt, (query_inds, gt_inds)) in enumerate(zip(batch_gt_instances, matches)):
            preds.append(mask_preds[clip][:, query_inds].flatten(0, 1))  # (T*P, h, w)
            targets.append(gt.masks[gt_inds].transpose(0, 1).flatten(0, 1))
        preds = torch.cat(preds)
        targets = torch.cat(targets).to(preds.dtype)
        preds = F.interpolate(preds[:, None], size=targets.shape[-2:], mode='bilinear', align_corners=False)
        return self._mask_losses(preds[:, 0].flatten(1), targets.flatten(1), num_targets)

    def loss_by_matches(self, outs: Dict[str, Tensor], batch_gt_instances: List[InstanceData],
                        batch_img_metas: List[dict], matches: Matches,
                        num_targets: float) -> Dict[str, Tensor]:
        """ReferFormer's losses and the contrastive loss (the video query matched to object 0 of each
        clip is the positive)."""
        losses = super().loss_by_matches(outs, batch_gt_instances, batch_img_metas, matches, num_targets)
        if self.loss_contrastive is not None:
            losses['loss_contrastive'] = self.loss_contrastive(
                outs['video_queries'], outs['text_embeds'], torch.stack([q[0] for q, _ in matches]))
        return losses
