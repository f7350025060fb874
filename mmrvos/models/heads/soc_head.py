# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmdet.structures import TrackSampleList
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh
from mmdet.utils import reduce_mean
from mmengine.structures import InstanceData
from torch import Tensor

from mmrvos.registry import MODELS, TASK_UTILS

from .clip_gt import unpack_clip_gt_instances
from .semantic_integration_head import SemanticIntegrationHead


@MODELS.register_module()
class SOCHead(SemanticIntegrationHead):
    """SOC head: :class:`SemanticIntegrationHead` plus its training losses and inference.

    **Training.** For every output layer, one Hungarian assignment per clip (``train_cfg.assigner``,
    mmdet's ``HungarianAssigner`` with clip-level costs) matches each referred object to one query for
    the whole clip. The losses (official coefficients in the configs) are a sigmoid focal loss and a
    dice loss on the matched masks (upsampled to the padded input size) in every frame, L1 and GIoU on
    the matched boxes in every frame, a focal class loss whose target is 1 for the matched query in
    the frames where the object is visible, and the visual-linguistic contrastive loss between the
    video queries and the text. All are normalised by the number of (frame, object) pairs. Layers
    other than the last add their losses with the prefix ``d{i}.``.

    **Inference** (``test_cfg``): ``query_selection='video'`` (Ref-YouTube-VOS, Ref-DAVIS17, MeViS) keeps,
    per clip (or test window, see ``SOC``), the query with the highest mean probability over the frames;
    ``'all'`` (A2D/JHMDB-Sentences) keeps every query, scored per frame.
    Mask logits are cropped to the frame's resized size at stride 4 and resized bilinearly to the
    original size (``mask_upsample='direct'``, the official Ref-YouTube-VOS inference), or first
    upsampled to the padded input size, thresholded, cropped and nearest-resized
    (``'via_input'``, the official A2D evaluation). ``mask_thr`` is applied to probabilities.

    Args:
        loss_cls (dict): Class loss config (sigmoid focal loss).
        loss_mask (dict): Mask focal loss config.
        loss_dice (dict): Mask dice loss config.
        loss_bbox (dict): Box L1 loss config.
        loss_iou (dict): Box GIoU loss config.
        loss_contrastive (dict, optional): Contrastive loss config; ``None`` drops the loss (required
            without VOC, ``voc=None``, which has no video queries).
        **kwargs: Arguments of :class:`SemanticIntegrationHead`.
    """

    def __init__(self,
                 loss_cls: dict = dict(
                     type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=2.0),
                 loss_mask: dict = dict(
                     type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=2.0),
                 loss_dice: dict = dict(type='DiceLoss', use_sigmoid=True, activate=True, naive_dice=True,
                                        eps=1.0, loss_weight=5.0),
                 loss_bbox: dict = dict(type='L1Loss', loss_weight=2.0),
                 loss_iou: dict = dict(type='SmoothedGIoULoss', eps=1e-6, loss_weight=2.0),
                 loss_contrastive: Optional[dict] = dict(type='VisualLinguisticContrastiveLoss',
                                                         loss_weight=1.0),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_mask = MODELS.build(loss_mask)
        self.loss_dice = MODELS.build(loss_dice)
        self.loss_bbox = MODELS.build(loss_bbox)
        self.loss_iou = MODELS.build(loss_iou)
        self.loss_contrastive = MODELS.build(loss_contrastive) if loss_contrastive else None
        if self.voc is None and self.loss_contrastive is not None:
            raise ValueError('the contrastive loss needs the video queries of VOC: set '
                             'loss_contrastive=None together with voc=None')
        if 'assigner' in self.train_cfg:
            self.assigner = TASK_UTILS.build(self.train_cfg['assigner'])

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
            dict[str, Tensor]: Weighted losses.
        """
        num_layers = outs['cls_scores'].shape[0]
        num_masks = sum(gt.masks.shape[0] * gt.masks.shape[1] for gt in batch_gt_instances)
        num_masks = reduce_mean(outs['cls_scores'].new_tensor(float(num_masks))).clamp(min=1).item()
        losses = dict()
        for layer in range(num_layers):
            layer_outs = {k: (v[layer] if k != 'text_embeds' else v) for k, v in outs.items()}
            layer_losses = self.loss_by_feat_single(layer_outs, batch_gt_instances, batch_img_metas,
                                                    num_masks)
            prefix = '' if layer == num_layers - 1 else f'd{layer}.'
            losses.update({prefix + k: v for k, v in layer_losses.items()})
        return losses

    def _get_assignment(self, outs: Dict[str, Tensor], gt: InstanceData, img_meta: dict,
                        clip: int) -> Tensor:
        """Match queries to the ground-truth objects of one clip; returns (Q,) gt index, -1 if none."""
        masks = outs['mask_preds'][clip].detach().transpose(0, 1)  # (Q, T, h, w)
        masks = F.interpolate(masks, size=gt.masks.shape[-2:], mode='bilinear', align_corners=False)
        img_h, img_w = img_meta['img_shape'][:2]
        factor = masks.new_tensor([img_w, img_h, img_w, img_h])
        pred = InstanceData(
            scores=outs['cls_scores'][clip].detach().transpose(0, 1),
            bboxes=bbox_cxcywh_to_xyxy(outs['bbox_preds'][clip].detach().transpose(0, 1)) * factor,
            masks=masks)
        result = self.assigner.assign(pred_instances=pred, gt_instances=gt, img_meta=img_meta)
        return result.gt_inds - 1

    def loss_by_feat_single(self, outs: Dict[str, Tensor], batch_gt_instances: List[InstanceData],
                            batch_img_metas: List[dict], num_masks: float) -> Dict[str, Tensor]:
        """Losses of one output layer (``outs`` without the layer axis)."""
        cls_scores, bbox_preds, mask_preds = outs['cls_scores'], outs['bbox_preds'], outs['mask_preds']
        cls_targets = torch.zeros_like(cls_scores)
        pred_masks, gt_masks, pred_boxes, gt_boxes, target_queries = [], [], [], [], []
        for clip, (gt, img_meta) in enumerate(zip(batch_gt_instances, batch_img_metas)):
            with torch.no_grad():
                assigned = self._get_assignment(outs, gt, img_meta, clip)
            query_inds = torch.nonzero(assigned >= 0, as_tuple=True)[0]
            gt_inds = assigned[query_inds]
            order = torch.argsort(gt_inds)
            query_inds, gt_inds = query_inds[order], gt_inds[order]
            target_queries.append(query_inds[0])
            valid = gt.valid[gt_inds].transpose(0, 1)  # (T, P)
            labels = gt.labels[gt_inds]
            t_idx, p_idx = torch.nonzero(valid, as_tuple=True)
            cls_targets[clip, t_idx, query_inds[p_idx], labels[p_idx]] = 1
            pred_masks.append(mask_preds[clip][:, query_inds].flatten(0, 1))  # (T*P, h, w)
            gt_masks.append(gt.masks[gt_inds].transpose(0, 1).flatten(0, 1))
            img_h, img_w = img_meta['img_shape'][:2]
            factor = bbox_preds.new_tensor([img_w, img_h, img_w, img_h])
            pred_boxes.append(bbox_preds[clip][:, query_inds].flatten(0, 1))
            gt_boxes.append(bbox_xyxy_to_cxcywh(gt.bboxes[gt_inds].transpose(0, 1).flatten(0, 1) / factor))

        num_classes = cls_scores.shape[-1]
        loss_cls = self.loss_cls(
            cls_scores.reshape(-1, num_classes), cls_targets.reshape(-1, num_classes), avg_factor=num_masks)

        pred_masks = torch.cat(pred_masks)
        gt_masks = torch.cat(gt_masks).to(pred_masks.dtype)
        pred_masks = F.interpolate(pred_masks[:, None], size=gt_masks.shape[-2:], mode='bilinear',
                                   align_corners=False)[:, 0].flatten(1)
        gt_masks = gt_masks.flatten(1)
        loss_mask = self.loss_mask(pred_masks, gt_masks, avg_factor=num_masks * gt_masks.shape[1])
        loss_dice = self.loss_dice(pred_masks, gt_masks, avg_factor=num_masks)

        pred_boxes, gt_boxes = torch.cat(pred_boxes), torch.cat(gt_boxes)
        loss_bbox = self.loss_bbox(pred_boxes, gt_boxes, avg_factor=num_masks)
        loss_iou = self.loss_iou(
            bbox_cxcywh_to_xyxy(pred_boxes), bbox_cxcywh_to_xyxy(gt_boxes), avg_factor=num_masks)
        losses = dict(loss_cls=loss_cls, loss_mask=loss_mask, loss_dice=loss_dice, loss_bbox=loss_bbox,
                      loss_iou=loss_iou)
        if self.loss_contrastive is not None:
            losses['loss_contrastive'] = self.loss_contrastive(outs['video_queries'], outs['text_embeds'],
                                                               torch.stack(target_queries))
        return losses

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
            the original size.
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
            masks = self._resize_masks(logits[:, inds].transpose(0, 1), meta['img_shape'][:2], pad_shape,
                                       (ori_h, ori_w))
            factor = boxes.new_tensor([ori_w, ori_h, ori_w, ori_h])
            frame_boxes = bbox_cxcywh_to_xyxy(boxes[:, inds]) * factor
            results.append([
                InstanceData(
                    masks=masks[:, t],
                    scores=scores[t],
                    labels=torch.zeros(len(inds), dtype=torch.long, device=probs.device),
                    instances_id=torch.arange(len(inds), device=probs.device),
                    bboxes=frame_boxes[t]) for t in range(num_frames)
            ])
        return results
