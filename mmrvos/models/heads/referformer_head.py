# Copyright (c) mmrvos contributors. All rights reserved.
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.ops import MultiScaleDeformableAttention
from mmdet.models.detectors.deformable_detr import DeformableDETR
from mmdet.models.layers import MLP, inverse_sigmoid
from mmdet.models.layers.transformer import DeformableDetrTransformerDecoder, DeformableDetrTransformerEncoder
from mmdet.structures import TrackSampleList
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh
from mmdet.utils import reduce_mean
from mmengine.model import BaseModule, ModuleList
from mmengine.structures import InstanceData
from torch import Tensor, nn

from mmrvos.registry import MODELS, TASK_UTILS

from .clip_gt import unpack_clip_gt_instances

#: Per clip, (query indices, ground-truth indices) of the matched pairs, sorted by ground truth.
Matches = List[Tuple[Tensor, Tensor]]


@MODELS.register_module()
class ReferFormerHead(BaseModule):
    """ReferFormer's query head: a frame-level deformable transformer with text-conditioned queries, class,
    box and dynamic mask heads, the clip-level criterion and inference.

    `Language as Queries for Referring Video Object Segmentation <https://arxiv.org/abs/2201.00487>`_
    (CVPR 2022).

    .. code:: text

        fused multi-scale maps (N*T frames) --> deformable encoder (per frame) --> memory
        frame queries: content = sentence feature, position = query_embed
                                            --> deformable decoder (per frame, box refinement)
                                                --> hidden states (L, N*T, Q, C), references
        hidden states --> class / box heads, dynamic mask head (relative coordinates to the decoder's own
            references; pixel decoder on memory + stride-4 stage)

    The frame level is Deformable DETR (``with_box_refine``, single stage; mmdet's layers, mmcv's
    ``MultiScaleDeformableAttention``; every frame an independent batch element) in mmdet's named steps
    (:meth:`pre_transformer`, :meth:`forward_encoder`, :meth:`pre_decoder`, :meth:`forward_decoder`, as
    mmdet's ``DetectionTransformer``); :meth:`forward_queries` turns decoder outputs into the queries of
    the heads, :meth:`forward_predictions` applies the heads. A variant (SOC's :class:`SOCHead`)
    overrides the steps it changes: :meth:`initial_query_content`, :meth:`forward_queries`,
    :meth:`_output_layers`, :meth:`get_mask_targets`, :meth:`get_num_targets`, :meth:`loss_masks`,
    :meth:`loss_by_matches`.

    **Training.** Every decoder layer is supervised (deep supervision; layers other than the last with
    the prefix ``d{i}.``). Per layer, one Hungarian assignment per clip (``train_cfg.assigner``, mmdet's
    ``HungarianAssigner``; ReferFormer's costs: ``FrameAveragedCost`` for class (visible frames), L1 and
    GIoU, plain ``FocalLossCost(binary_input=True)`` and ``DiceCost`` on the (Q, T, h, w) masks, i.e. over
    the clip volume) matches each referred object to one query for the whole clip. The losses (official
    ReferFormer ``SetCriterion``): a focal class loss whose target is 1 for the matched query in the
    frames where the object is visible, L1 and GIoU on the matched boxes in every frame, and on the masks
    at stride 4 (ground truth padded to the prediction grid and sampled at the cell centres
    ``[s/2::s, s/2::s]``, ``s = mask_out_stride``) a sigmoid focal loss averaged over the ``T*h*w``
    cells of a clip and a dice loss over the whole clip volume. All are normalised by the number of
    visible (frame, object) pairs of the batch, averaged over processes.

    **Inference** (``test_cfg``): ``query_selection='video'`` (Ref-YouTube-VOS, Ref-DAVIS17, MeViS) keeps,
    per clip (or test window, see ``ReferFormer``), the query with the highest mean probability over the
    frames; ``'all'`` (A2D/JHMDB-Sentences) keeps every query, scored per frame. Mask logits are cropped
    to the frame's resized size at stride 4 and resized bilinearly to the original size
    (``mask_upsample='direct'``, the official Ref-YouTube-VOS inference), or first upsampled to the
    padded input size, thresholded, cropped and nearest-resized (``'via_input'``, the official A2D
    evaluation). ``mask_thr`` is applied to probabilities. ``with_resized_masks=True`` adds
    ``resized_masks``: the same masks at the resized frame size ``img_shape`` (the size the official few-shot
    evaluation of CMA scores).

    Args:
        num_queries (int): Frame queries per frame. Defaults to 5.
        num_classes (int): Classes (1: "is referred"). Defaults to 1.
        embed_dims (int): Model dimension. Defaults to 256.
        num_levels (int): Feature levels. Defaults to 4.
        encoder (dict): ``DeformableDetrTransformerEncoder`` config.
        decoder (dict): ``DeformableDetrTransformerDecoder`` config (``post_norm_cfg=None``).
        mask_head (dict): Mask head config (:class:`DynamicMaskHead`).
        loss_cls (dict): Class loss config (sigmoid focal loss).
        loss_mask (dict): Mask focal loss config.
        loss_dice (dict): Mask dice loss config.
        loss_bbox (dict): Box L1 loss config.
        loss_iou (dict): Box GIoU loss config. Defaults to the official GIoU (``util/box_ops.py``:
            ``(inter + 1e-6) / (union + 1e-6)``, :class:`SmoothedGIoULoss`); mmdet's ``GIoULoss`` differs
            by up to 2e-4 where boxes do not overlap (e.g. the empty box of a frame without the object).
        train_cfg (dict, optional): Training config, key ``assigner``.
        test_cfg (dict, optional): Test config (see above).
        init_cfg (dict, optional): Initialisation config.
    """
    #: Output entries without the layer axis (see :meth:`loss_by_feat`).
    layerless_outs: Sequence[str] = ()

    def __init__(self,
                 num_queries: int = 5,
                 num_classes: int = 1,
                 embed_dims: int = 256,
                 num_levels: int = 4,
                 encoder: dict = dict(),
                 decoder: dict = dict(),
                 mask_head: dict = dict(type='DynamicMaskHead'),
                 loss_cls: dict = dict(
                     type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=2.0),
                 loss_mask: dict = dict(
                     type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=2.0),
                 loss_dice: dict = dict(type='DiceLoss', use_sigmoid=True, activate=True, naive_dice=True,
                                        eps=1.0, loss_weight=5.0),
                 loss_bbox: dict = dict(type='L1Loss', loss_weight=5.0),
                 loss_iou: dict = dict(type='SmoothedGIoULoss', eps=1e-6, loss_weight=2.0),
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
        self.decoder = self._build_decoder(decoder)
        self.level_embed = nn.Parameter(torch.empty(num_levels, embed_dims))
        self._init_queries()
        num_layers = self.decoder.num_layers
        self.class_embed = ModuleList([nn.Linear(embed_dims, num_classes) for _ in range(num_layers)])
        self.bbox_embed = ModuleList([MLP(embed_dims, embed_dims, 4, 3) for _ in range(num_layers)])
        self._init_query_layers()
        self.mask_head = MODELS.build({'embed_dims': embed_dims, **mask_head})
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_mask = MODELS.build(loss_mask)
        self.loss_dice = MODELS.build(loss_dice)
        self.loss_bbox = MODELS.build(loss_bbox)
        self.loss_iou = MODELS.build(loss_iou)
        if 'assigner' in self.train_cfg:
            self.assigner = TASK_UTILS.build(self.train_cfg['assigner'])

    def _build_decoder(self, decoder: dict) -> nn.Module:
        """The frame-level decoder (ReferFormer: mmdet's ``DeformableDetrTransformerDecoder``; CMA: DAB)."""
        return DeformableDetrTransformerDecoder(**decoder)

    def _init_queries(self) -> None:
        """Build the learnt query inputs of :meth:`pre_decoder` (ReferFormer: ``reference_points``,
        ``query_embed``)."""
        self.reference_points = nn.Linear(self.embed_dims, 2)
        self.query_embed = nn.Embedding(self.num_queries, self.embed_dims)

    def _init_query_weights(self) -> None:
        """Initialise the layers of :meth:`_init_queries` (official Deformable DETR)."""
        nn.init.xavier_uniform_(self.reference_points.weight, gain=1.0)
        nn.init.constant_(self.reference_points.bias, 0.)

    def _init_query_layers(self) -> None:
        """Build the layers of :meth:`forward_queries` (ReferFormer has none; SOC builds VOC here, before
        the mask head, so that seeded initialisations stay as they were)."""

    def init_weights(self) -> None:
        """Initialise as the official ReferFormer / SOC / Deformable DETR code does (the mask head and
        SOC's VOC initialise themselves, called by ``super().init_weights()``)."""
        super().init_weights()
        for module in (self.encoder, self.decoder):
            for p in module.parameters():
                if p.dim() > 1:
                    nn.init.xavier_uniform_(p)
        for m in self.modules():
            if isinstance(m, MultiScaleDeformableAttention):
                m.init_weights()
        self._init_query_weights()
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

    # mmdet's step as it is: deformable encoder over the tokens of every frame; returns ``memory``
    # (N*T, S, C), ``memory_mask`` (N*T, S) and ``spatial_shapes``.
    forward_encoder = DeformableDETR.forward_encoder

    def initial_query_content(self, query_pos: Tensor, text: Dict[str, Tensor], num_frames: int) -> Tensor:
        """ReferFormer's language queries: the sentence feature of a clip is the content of every query of
        every frame of it.

        Args:
            query_pos (Tensor): Query positions (N*T, Q, C).
            text (dict[str, Tensor]): Output of the text encoder, ``sentence_feats`` (N, C).
            num_frames (int): Frames per clip T.

        Returns:
            Tensor: Query content (N*T, Q, C).
        """
        sentence_feats = text['sentence_feats']
        num_clips, embed_dims = sentence_feats.shape
        return sentence_feats[:, None, None].expand(num_clips, num_frames, query_pos.shape[1],
                                                   embed_dims).reshape(query_pos.shape)

    def pre_decoder(self, memory: Tensor, memory_mask: Tensor, spatial_shapes: Tensor,
                    text: Dict[str, Tensor], num_frames: int) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
        """Frame queries and their reference points.

        Every frame starts from the same learnt query positions (``query_embed``), the content of
        :meth:`initial_query_content` and reference points ``sigmoid(reference_points(query_pos))``, as the
        official single-stage code.

        Args:
            memory (Tensor): Encoder output (N*T, S, C).
            memory_mask (Tensor): Padding mask (N*T, S) (unused in the single-stage model).
            spatial_shapes (Tensor): (num_levels, 2) (h_l, w_l) of each level.
            text (dict[str, Tensor]): Output of the text encoder.
            num_frames (int): Frames per clip T.

        Returns:
            tuple[dict, dict]: The keyword arguments of :meth:`forward_decoder` added here (``query``
            (N*T, Q, C), ``query_pos`` (N*T, Q, C), ``memory``, ``reference_points`` (N*T, Q, 2)
            normalised (x, y)) and the head inputs taken from the encoder (``memory``,
            ``spatial_shapes``, for the mask head, see :meth:`memory_to_maps`).
        """
        query_pos = self.query_embed.weight[None].expand(memory.shape[0], -1, -1)
        reference_points = self.reference_points(query_pos).sigmoid()
        decoder_inputs = dict(query=self.initial_query_content(query_pos, text, num_frames),
                              query_pos=query_pos, memory=memory, reference_points=reference_points)
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

    def forward_transformer(self, feats: List[Tensor], masks: List[Tensor], pos: List[Tensor],
                            text: Dict[str, Tensor], num_frames: int) -> Dict[str, object]:
        """Per-frame deformable encoder and decoder (every frame is its own batch element).

        Args:
            feats (list[Tensor]): ``num_levels`` maps (N*T, C, h_l, w_l).
            masks (list[Tensor]): Padding masks (N*T, h_l, w_l), True at padding.
            pos (list[Tensor]): Positional encodings (N*T, C, h_l, w_l).
            text (dict[str, Tensor]): Output of the text encoder (for the queries).
            num_frames (int): Frames per clip T.

        Returns:
            dict: ``hidden_states`` (L, N*T, Q, C), ``references`` (see :meth:`forward_decoder`),
            ``memory`` (N*T, S, C) and ``spatial_shapes`` (num_levels, 2).
        """
        encoder_inputs, decoder_inputs = self.pre_transformer(feats, masks, pos)
        encoder_outputs = self.forward_encoder(**encoder_inputs)
        decoder_query_inputs, head_inputs = self.pre_decoder(**encoder_outputs, text=text,
                                                             num_frames=num_frames)
        decoder_inputs.update(decoder_query_inputs)
        head_inputs.update(self.forward_decoder(**decoder_inputs))
        return head_inputs

    # ----------------------------------------------------------------------------------------------
    # queries and prediction heads
    def memory_to_maps(self, memory: Tensor, spatial_shapes: Tensor) -> List[Tensor]:
        """The first three levels of the encoder memory (N*T, S, C) as maps (N*T, C, h_l, w_l), strides
        8, 16, 32 (the mask head's input)."""
        maps, start = [], 0
        for h, w in spatial_shapes[:3].tolist():
            maps.append(memory[:, start:start + h * w].transpose(1, 2).reshape(memory.shape[0], -1, h, w))
            start += h * w
        return maps

    def _output_layers(self, num_layers: int) -> List[Tuple[int, int]]:
        """Per prediction, (decoder layer of the heads, decoder layer a clip-level step of
        :meth:`forward_queries` reads): every layer in training, the last at test time."""
        if self.training:
            return [(i, i) for i in range(num_layers)]
        return [(num_layers - 1, num_layers - 1)]

    def forward_queries(self, hidden_states: Tensor, layers: List[Tuple[int, int]], text: Dict[str, Tensor],
                        num_frames: int) -> Tuple[List[Tensor], Dict[str, Tensor]]:
        """The queries of the heads: ReferFormer uses the decoder outputs as they are.

        Args:
            hidden_states (Tensor): Decoder outputs (L, N*T, Q, C).
            layers (list[tuple[int, int]]): See :meth:`_output_layers`.
            text (dict[str, Tensor]): Output of the text encoder.
            num_frames (int): Frames per clip T.

        Returns:
            tuple[list[Tensor], dict]: Per output layer the queries (N, T, Q, C), and extra outputs of
            :meth:`forward` (none here).
        """
        _, num_frames_total, num_queries, embed_dims = hidden_states.shape
        shape = (num_frames_total // num_frames, num_frames, num_queries, embed_dims)
        return [hidden_states[head_layer].view(shape) for head_layer, _ in layers], dict()

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

    def forward(self, neck_outs: Dict, stride4_feats: Tensor, stride4_mask: Tensor, text: Dict[str, Tensor],
                img_sizes: Tensor, num_frames: int) -> Dict[str, Tensor]:
        """Predict classes, boxes and masks.

        Args:
            neck_outs (dict): Output of the neck (``feats``, ``masks``, ``pos``: 4 levels, strides 8..64).
            stride4_feats (Tensor): Backbone stride-4 stage (N*T, C_4, H/4, W/4).
            stride4_mask (Tensor): (N*T, H/4, W/4) bool, True at padding.
            text (dict[str, Tensor]): Output of the text encoder (``word_feats`` (N, S, C), ``word_mask``
                (N, S), ``word_pos`` (N, S, C), ``sentence_feats`` (N, C)).
            img_sizes (Tensor): (N, 2) resized, un-padded (h, w) of each clip's frames.
            num_frames (int): Frames per clip T.

        Returns:
            dict[str, Tensor]: with L' output layers (all decoder layers in training, one at test):

            - cls_scores (L', N, T, Q, num_classes) logits.
            - bbox_preds (L', N, T, Q, 4) normalised (cx, cy, w, h).
            - mask_preds (L', N, T, Q, H/4, W/4) logits.
            - and the extra outputs of :meth:`forward_queries`.
        """
        transformer_outs = self.forward_transformer(neck_outs['feats'], neck_outs['masks'], neck_outs['pos'],
                                                    text, num_frames)
        hidden_states = transformer_outs['hidden_states']
        num_clips = hidden_states.shape[1] // num_frames
        layers = self._output_layers(hidden_states.shape[0])
        queries, outs = self.forward_queries(hidden_states, layers, text, num_frames)
        memory_maps = self.memory_to_maps(transformer_outs['memory'], transformer_outs['spatial_shapes'])
        mask_feats = self.mask_head.forward_mask_features(
            memory=memory_maps, stride4_feats=stride4_feats, stride4_mask=stride4_mask,
            masks=neck_outs['masks'][:3], pos=neck_outs['pos'][:3], text=text, num_frames=num_frames)
        mask_feats = mask_feats.view(num_clips, num_frames, *mask_feats.shape[1:])
        predictions = [
            self.forward_predictions(layer_queries, head_layer, transformer_outs['references'], mask_feats,
                                     img_sizes) for layer_queries, (head_layer, _) in zip(queries, layers)
        ]
        cls_scores, bbox_preds, mask_preds = zip(*predictions)
        outs.update(cls_scores=torch.stack(cls_scores), bbox_preds=torch.stack(bbox_preds),
                    mask_preds=torch.stack(mask_preds))
        return outs

    # ----------------------------------------------------------------------------------------------
    # training
    def loss(self, head_inputs: dict, batch_data_samples: TrackSampleList,
             batch_frames: Optional[List[List[int]]] = None) -> Dict[str, Tensor]:
        """Forward and compute the losses of a batch of clips.

        Args:
            head_inputs (dict): Keyword arguments of :meth:`forward`.
            batch_data_samples (list[TrackDataSample]): One per clip, ground truth per frame.
            batch_frames (list[list[int]], optional): Per clip, the frames in ``head_inputs`` (the key
                frames kept after the backbone). None: every frame.

        Returns:
            dict[str, Tensor]: Weighted losses (see :meth:`loss_by_feat`).
        """
        outs = self(**head_inputs)
        batch_gt_instances, batch_img_metas = unpack_clip_gt_instances(batch_data_samples, batch_frames)
        return self.loss_by_feat(outs, batch_gt_instances, batch_img_metas)

    def get_mask_targets(self, gt: InstanceData, mask_size: Sequence[int]) -> InstanceData:
        """The ground truth of one clip with its masks on the prediction grid (official ReferFormer).

        The masks, padded to the (s*h, s*w) input area the (h, w) predictions cover, are sampled at the
        cell centres ``[s/2::s, s/2::s]`` (``s = mask_out_stride``); with inputs padded to a multiple of
        32 this is the official padding to a multiple of 32 and sampling.

        Args:
            gt (InstanceData): Clip ground truth, ``masks`` (G, T, H, W) at the padded input size.
            mask_size (Sequence[int]): (h, w) of the mask predictions.

        Returns:
            InstanceData: The same fields, ``masks`` (G, T, h, w).
        """
        stride = self.mask_head.mask_out_stride
        h, w = mask_size
        masks = F.pad(gt.masks, (0, w * stride - gt.masks.shape[-1], 0, h * stride - gt.masks.shape[-2]))
        fields = dict(gt.items())
        fields['masks'] = masks[..., stride // 2::stride, stride // 2::stride]
        return InstanceData(metainfo=gt.metainfo, **fields)

    def get_num_targets(self, batch_gt_instances: List[InstanceData]) -> int:
        """The loss normaliser of this process: visible (frame, object) pairs (official ReferFormer)."""
        return sum(int(gt.valid.sum()) for gt in batch_gt_instances)

    def loss_by_feat(self, outs: Dict[str, Tensor], batch_gt_instances: List[InstanceData],
                     batch_img_metas: List[dict]) -> Dict[str, Tensor]:
        """Compute the losses of every output layer.

        Args:
            outs (dict): Output of :meth:`forward` in training mode.
            batch_gt_instances (list[InstanceData]): Per clip: ``labels`` (G,), ``masks`` (G, T, H, W)
                at the padded input size, ``bboxes`` (G, T, 4) pixel xyxy (zeros where absent),
                ``valid`` (G, T) bool.
            batch_img_metas (list[dict]): Per clip, ``img_shape`` (h, w) of its resized frames.

        Returns:
            dict[str, Tensor]: Weighted losses; layers other than the last with the prefix ``d{i}.``.
        """
        num_layers = outs['cls_scores'].shape[0]
        mask_size = outs['mask_preds'].shape[-2:]
        batch_gt_instances = [self.get_mask_targets(gt, mask_size) for gt in batch_gt_instances]
        num_targets = self.get_num_targets(batch_gt_instances)
        num_targets = reduce_mean(outs['cls_scores'].new_tensor(float(num_targets))).clamp(min=1).item()
        losses = dict()
        for layer in range(num_layers):
            layer_outs = {k: (v if k in self.layerless_outs else v[layer]) for k, v in outs.items()}
            layer_losses = self.loss_by_feat_single(layer_outs, batch_gt_instances, batch_img_metas,
                                                    num_targets)
            prefix = '' if layer == num_layers - 1 else f'd{layer}.'
            losses.update({prefix + k: v for k, v in layer_losses.items()})
        return losses

    def _assignment_masks(self, mask_preds: Tensor, gt: InstanceData) -> Tensor:
        """(Q, T, h, w) mask logits of one clip on the grid of ``gt.masks`` (here: the same grid)."""
        return mask_preds

    def _get_assignment(self, outs: Dict[str, Tensor], gt: InstanceData, img_meta: dict,
                        clip: int) -> Tensor:
        """Match queries to the ground-truth objects of one clip; returns (Q,) gt index, -1 if none."""
        masks = self._assignment_masks(outs['mask_preds'][clip].detach().transpose(0, 1), gt)  # (Q, T, h, w)
        img_h, img_w = img_meta['img_shape'][:2]
        factor = masks.new_tensor([img_w, img_h, img_w, img_h])
        pred = InstanceData(
            scores=outs['cls_scores'][clip].detach().transpose(0, 1),
            bboxes=bbox_cxcywh_to_xyxy(outs['bbox_preds'][clip].detach().transpose(0, 1)) * factor,
            masks=masks)
        result = self.assigner.assign(pred_instances=pred, gt_instances=gt, img_meta=img_meta)
        return result.gt_inds - 1

    def loss_by_feat_single(self, outs: Dict[str, Tensor], batch_gt_instances: List[InstanceData],
                            batch_img_metas: List[dict], num_targets: float) -> Dict[str, Tensor]:
        """Losses of one output layer (``outs`` without the layer axis): assign, then
        :meth:`loss_by_matches`."""
        matches = []
        for clip, (gt, img_meta) in enumerate(zip(batch_gt_instances, batch_img_metas)):
            with torch.no_grad():
                assigned = self._get_assignment(outs, gt, img_meta, clip)
            query_inds = torch.nonzero(assigned >= 0, as_tuple=True)[0]
            order = torch.argsort(assigned[query_inds])
            matches.append((query_inds[order], assigned[query_inds][order]))
        return self.loss_by_matches(outs, batch_gt_instances, batch_img_metas, matches, num_targets)

    def loss_by_matches(self, outs: Dict[str, Tensor], batch_gt_instances: List[InstanceData],
                        batch_img_metas: List[dict], matches: Matches,
                        num_targets: float) -> Dict[str, Tensor]:
        """Class, mask and box losses of one output layer for given matches.

        Args:
            outs (dict): Outputs of one layer: ``cls_scores`` (N, T, Q, K), ``bbox_preds`` (N, T, Q, 4),
                ``mask_preds`` (N, T, Q, h, w).
            batch_gt_instances (list[InstanceData]): Per clip, see :meth:`loss_by_feat` (masks from
                :meth:`get_mask_targets`).
            batch_img_metas (list[dict]): Per clip, ``img_shape``.
            matches (list[tuple[Tensor, Tensor]]): Per clip, matched (query, ground truth) indices.
            num_targets (float): Normaliser (see :meth:`get_num_targets`).

        Returns:
            dict[str, Tensor]: ``loss_cls``, ``loss_mask``, ``loss_dice``, ``loss_bbox``, ``loss_iou``.
        """
        cls_scores, bbox_preds = outs['cls_scores'], outs['bbox_preds']
        cls_targets = torch.zeros_like(cls_scores)
        pred_boxes, gt_boxes = [], []
        for clip, (gt, img_meta, (query_inds, gt_inds)) in enumerate(
                zip(batch_gt_instances, batch_img_metas, matches)):
            valid = gt.valid[gt_inds].transpose(0, 1)  # (T, P)
            labels = gt.labels[gt_inds]
            t_idx, p_idx = torch.nonzero(valid, as_tuple=True)
            cls_targets[clip, t_idx, query_inds[p_idx], labels[p_idx]] = 1
            img_h, img_w = img_meta['img_shape'][:2]
            factor = bbox_preds.new_tensor([img_w, img_h, img_w, img_h])
            pred_boxes.append(bbox_preds[clip][:, query_inds].flatten(0, 1))
            gt_boxes.append(bbox_xyxy_to_cxcywh(gt.bboxes[gt_inds].transpose(0, 1).flatten(0, 1) / factor))

        num_classes = cls_scores.shape[-1]
        losses = dict(loss_cls=self.loss_cls(cls_scores.reshape(-1, num_classes),
                                             cls_targets.reshape(-1, num_classes), avg_factor=num_targets))
        losses.update(self.loss_masks(outs['mask_preds'], batch_gt_instances, matches, num_targets))
        pred_boxes, gt_boxes = torch.cat(pred_boxes), torch.cat(gt_boxes)
        losses['loss_bbox'] = self.loss_bbox(pred_boxes, gt_boxes, avg_factor=num_targets)
        losses['loss_iou'] = self.loss_iou(
            bbox_cxcywh_to_xyxy(pred_boxes), bbox_cxcywh_to_xyxy(gt_boxes), avg_factor=num_targets)
        return losses

    def loss_masks(self, mask_preds: Tensor, batch_gt_instances: List[InstanceData], matches: Matches,
                   num_targets: float) -> Dict[str, Tensor]:
        """Mask losses over the clip volume (official ReferFormer): per matched (clip, object) the focal
        loss averaged over its T*h*w cells and the dice loss of the whole volume.

        Args:
            mask_preds (Tensor): (N, T, Q, h, w) logits.
            batch_gt_instances (list[InstanceData]): Per clip, ``masks`` (G, T, h, w) on the same grid.
            matches (list[tuple[Tensor, Tensor]]): Per clip, matched (query, ground truth) indices.
            num_targets (float): Normaliser.

        Returns:
            dict[str, Tensor]: ``loss_mask``, ``loss_dice``.
        """
        preds, targets = [], []
        for clip, (gt, (query_inds, gt_inds)) in enumerate(zip(batch_gt_instances, matches)):
            preds.append(mask_preds[clip][:, query_inds].transpose(0, 1).flatten(1))  # (P, T*h*w)
            targets.append(gt.masks[gt_inds].flatten(1))
        preds = torch.cat(preds)
        return self._mask_losses(preds, torch.cat(targets).to(preds.dtype), num_targets)

    def _mask_losses(self, preds: Tensor, targets: Tensor, num_targets: float) -> Dict[str, Tensor]:
        """Focal loss (mean over the columns of a row) and dice loss (one per row) of (R, S) mask logits
        and binary targets, both summed over rows and divided by ``num_targets``."""
        return dict(loss_mask=self.loss_mask(preds, targets, avg_factor=num_targets * targets.shape[1]),
                    loss_dice=self.loss_dice(preds, targets, avg_factor=num_targets))

    # ----------------------------------------------------------------------------------------------
    # inference
    def predict(self, head_inputs: dict, batch_data_samples: TrackSampleList,
                batch_frames: Optional[List[List[int]]] = None) -> List[List[InstanceData]]:
        """Forward and turn the outputs into per-frame instances.

        Args:
            head_inputs (dict): Keyword arguments of :meth:`forward`.
            batch_data_samples (list[TrackDataSample]): One per clip, metainfo per frame.
            batch_frames (list[list[int]], optional): Per clip, the frames in ``head_inputs``. None:
                every frame.

        Returns:
            list[list[InstanceData]]: Per clip, per frame of ``batch_frames`` (see
            :meth:`predict_by_feat`).
        """
        outs = self(**head_inputs)
        batch_img_metas = [[sample[t].metainfo for t in (range(len(sample)) if batch_frames is None
                                                          else batch_frames[clip])]
                           for clip, sample in enumerate(batch_data_samples)]
        return self.predict_by_feat(outs, batch_img_metas)

    def _resize_masks(self, logits: Tensor, img_shape, pad_shape, ori_shape) -> Tensor:
        """(k, T, h4, w4) mask logits -> (k, T, H0, W0) bool masks at the original size."""
        thr = self.test_cfg.get('mask_thr', 0.5)
        k, t = logits.shape[:2]
        logits = logits.flatten(0, 1)[:, None]
        if self.test_cfg.get('mask_upsample', 'direct') == 'direct':
            stride = self.mask_head.mask_out_stride
            h = -(-img_shape[0] // stride)
            w = -(-img_shape[1] // stride)
            logits = F.interpolate(logits[..., :h, :w], size=ori_shape, mode='bilinear', align_corners=False)
            masks = logits.sigmoid() > thr
        else:
            logits = F.interpolate(logits, size=pad_shape, mode='bilinear', align_corners=False)
            masks = (logits.sigmoid() > thr)[..., :img_shape[0], :img_shape[1]]
            masks = F.interpolate(masks.float(), size=ori_shape, mode='nearest') > 0.5
        return masks[:, 0].view(k, t, *ori_shape)

    def predict_by_feat(self, outs: Dict[str, Tensor],
                        batch_img_metas: List[List[dict]]) -> List[List[InstanceData]]:
        """Turn the test-time outputs into per-frame instances.

        Args:
            outs (dict): Output of :meth:`forward` in eval mode (one output layer).
            batch_img_metas (list[list[dict]]): Per clip, per predicted frame, metainfo with
                ``img_shape``, ``batch_input_shape`` and ``ori_shape``.

        Returns:
            list[list[InstanceData]]: Per clip, per predicted frame: ``masks`` (k, H0, W0) bool,
            ``scores`` (k,), ``labels`` (k,), ``instances_id`` (k,), ``bboxes`` (k, 4) xyxy at
            the original size, and with ``test_cfg.with_resized_masks`` ``resized_masks`` (k, h, w) bool at
            ``img_shape``.
        """
        selection = self.test_cfg.get('query_selection', 'video')
        if selection not in ('video', 'all'):
            raise ValueError(f"test_cfg.query_selection must be 'video' or 'all', got {selection!r}")
        results = []
        for clip, img_metas in enumerate(batch_img_metas):
            probs = outs['cls_scores'][-1, clip].sigmoid().max(-1)[0]  # (T, Q)
            boxes = outs['bbox_preds'][-1, clip]  # (T, Q, 4)
            logits = outs['mask_preds'][-1, clip]  # (T, Q, h, w)
            num_frames, num_queries = probs.shape
            meta = img_metas[0]
            ori_h, ori_w = meta['ori_shape'][:2]
            pad_shape = meta.get('batch_input_shape', meta.get('pad_shape', meta['img_shape']))[:2]
            if selection == 'video':
                video_scores = probs.mean(0)
                inds = video_scores.argmax()[None]
                scores = video_scores[inds][None].expand(num_frames, 1)
            else:
                inds = torch.arange(num_queries, device=probs.device)
                scores = probs
            selected, img_shape = logits[:, inds].transpose(0, 1), meta['img_shape'][:2]
            masks = dict(masks=self._resize_masks(selected, img_shape, pad_shape, (ori_h, ori_w)))
            if self.test_cfg.get('with_resized_masks', False):
                masks['resized_masks'] = self._resize_masks(selected, img_shape, pad_shape, img_shape)
            factor = boxes.new_tensor([ori_w, ori_h, ori_w, ori_h])
            frame_boxes = bbox_cxcywh_to_xyxy(boxes[:, inds]) * factor
            results.append([
                InstanceData(
                    **{k: v[:, t] for k, v in masks.items()},
                    scores=scores[t],
                    labels=torch.zeros(len(inds), dtype=torch.long, device=probs.device),
                    instances_id=torch.arange(len(inds), device=probs.device),
                    bboxes=frame_boxes[t]) for t in range(num_frames)
            ])
        return results
