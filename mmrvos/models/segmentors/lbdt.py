# Copyright (c) mmrvos contributors. All rights reserved.
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmdet.structures import TrackSampleList
from mmdet.structures.mask import mask2bbox
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData
from torch import Tensor, nn

from mmrvos.registry import MODELS

from ..heads.clip_gt import describe_clip
from .base import BaseRVOSSegmentor


@MODELS.register_module()
class LBDT(BaseRVOSSegmentor):
    """LBDT: Language-Bridged Duplex Transfer for referring video object segmentation.

    `Language-Bridged Spatial-Temporal Interaction for Referring Video Object Segmentation
    <https://arxiv.org/abs/2206.03789>`_ (CVPR 2022).

    .. code:: text

        current frame I_t (B, 3, H, W)                 --> spatial ResNet  --+
        |I_t - I_ref| of the normalised frames          --> temporal ResNet --+--> stages res2..res5
        sentences --> GloVe + LSTM --> words (B, S, D), sentence (B, D)
        after res4 and res5: Language-Bridged Duplex Transfer (both streams, through the words)
        res2..res5 of both streams + sentence --> decoder with BCA --> (B, 1, H, W) mask logits

    :class:`BaseRVOSSegmentor` dispatches ``forward(inputs, data_samples, mode)`` to :meth:`loss`,
    :meth:`predict` or :meth:`_forward` and holds the data-sample helpers. Every predicted frame is paired
    with a reference frame of the same clip: frame ``t`` of a ``TrackDataSample`` names it in its metainfo
    ``ref_clip_index`` (written by
    ``RVOSClipSample`` with ``sampling='reference'``). Training uses the frames with ``has_gt``; at test time
    ``test_cfg.key_frames`` is ``'all'`` (default: every frame, each with its own reference) or
    ``'annotated'`` (frames with ``has_gt``; the others get empty predictions).

    Args:
        backbone (dict): :class:`TwoStreamResNet` config.
        text_encoder (dict): Text encoder config (:class:`GloVeTextEncoder`, or any encoder returning
            ``word_feats``, ``word_mask``, ``word_pos`` and ``sentence_feats`` of width D).
        transfer (dict): :class:`LanguageBridgedDuplexTransfer` config, built once per stage of
            ``transfer_stages`` with that stage's ``in_channels``.
        decode_head (dict): :class:`LBDTHead` config (``in_channels`` and ``text_channels`` are set here).
        transfer_stages (Sequence[int]): 0-based backbone stages followed by a transfer. Defaults to
            ``(2, 3)`` (res4 and res5).
        train_cfg (dict, optional): Unused.
        test_cfg (dict, optional): ``key_frames`` (``'all'``/``'annotated'``), ``mask_thr`` (0.5),
            ``max_batch_frames`` (frames per forward, 8), ``ref_offset`` (None; the reference of frames
            without ``ref_clip_index`` at test time, in clip positions: e.g. for ``RVOSInferencer``, which
            feeds windows of consecutive video frames).
        data_preprocessor (dict, optional): Data preprocessor config (mmdet's ``TrackDataPreprocessor``).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 text_encoder: dict,
                 transfer: dict,
                 decode_head: dict,
                 transfer_stages: Sequence[int] = (2, 3),
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        with DefaultScope.overwrite_default_scope('mmrvos'):
            self.backbone = MODELS.build(backbone)
            self.text_encoder = MODELS.build(text_encoder)
            channels = self.backbone.out_channels
            self.transfer_stages = tuple(transfer_stages)
            self.transfers = nn.ModuleList(
                MODELS.build(dict(copy.deepcopy(transfer), in_channels=channels[i])) for i in transfer_stages)
            self.decode_head = MODELS.build(
                dict(decode_head, in_channels=channels, text_channels=self.text_encoder.embed_dims))
        self.train_cfg = train_cfg or dict()
        self.test_cfg = test_cfg or dict()

    def extract_feat(self, frames: Tensor, references: Tensor, texts: List[str]) -> Tensor:
        """Mask logits of current frames.

        Args:
            frames (Tensor): (B, 3, H, W) normalised current frames.
            references (Tensor): (B, 3, H, W) normalised reference frames.
            texts (list[str]): B sentences.

        Returns:
            Tensor: (B, 1, H, W) mask logits.
        """
        text = self.text_encoder(texts)
        spa, tem = self.backbone.stem(frames, (frames - references).abs())
        spa_feats, tem_feats = [], []
        for i in range(self.backbone.num_stages):
            spa, tem = self.backbone.stage(i, spa, tem)
            if i in self.transfer_stages:
                spa, tem = self.transfers[self.transfer_stages.index(i)](spa, tem, text)
            spa_feats.append(spa)
            tem_feats.append(tem)
        return self.decode_head(spa_feats, tem_feats, text['sentence_feats'])

    # ----------------------------------------------------------------------------------------------
    def _pairs(self, data_samples: TrackSampleList, annotated_only: bool,
               fallback: bool = False) -> List[Tuple[int, int, int]]:
        """(clip, frame, reference frame) of the frames to segment; with ``fallback``, frames without
        ``ref_clip_index`` use the frame ``test_cfg.ref_offset`` positions earlier (the first one before
        the clip's start)."""
        offset = self.test_cfg.get('ref_offset') if fallback else None
        pairs = []
        for n, sample in enumerate(data_samples):
            for t in range(len(sample)):
                meta = sample[t].metainfo
                if annotated_only and not meta.get('has_gt', True):
                    continue
                ref = meta.get('ref_clip_index')
                if ref is None and offset is not None:
                    ref = max(t - offset, 0)
                if ref is None or not 0 <= ref < len(sample):
                    raise KeyError(f'{describe_clip(sample)}, frame {meta.get("frame_id", t)}: '
                                   f'reference frame ref_clip_index={ref} is not a frame of the clip '
                                   f'(0..{len(sample) - 1}); sample clips with RVOSClipSample(sampling='
                                   "'reference')")
                pairs.append((n, t, ref))
        return pairs

    def _run_pairs(self, inputs: Tensor, data_samples: TrackSampleList,
                   pairs: List[Tuple[int, int, int]]) -> Tensor:
        """(P, 1, H, W) mask logits of the (clip, frame, reference) pairs."""
        if inputs.dim() != 5:
            raise ValueError(f'LBDT expects (N, T, C, H, W) clips, got {tuple(inputs.shape)}')
        clips, frames, refs = (torch.as_tensor(x, device=inputs.device) for x in zip(*pairs))
        clip_texts = self.get_texts(data_samples)
        texts = [clip_texts[n] for n in clips.tolist()]
        return self.extract_feat(inputs[clips, frames], inputs[clips, refs], texts)

    def _forward(self, inputs: Tensor, data_samples: TrackSampleList) -> Tensor:
        """(P, 1, H, W) mask logits of every frame with its reference (``ref_clip_index``, else
        ``test_cfg.ref_offset`` frames earlier), in clip then frame order."""
        pairs = self._pairs(data_samples, annotated_only=False, fallback=True)
        return self._run_pairs(inputs, data_samples, pairs)

    def loss(self, inputs: Tensor, data_samples: TrackSampleList) -> Dict[str, Tensor]:
        """Losses of the annotated frames.

        Args:
            inputs (Tensor): (N, T, 3, H, W) normalised clips.
            data_samples (list[TrackDataSample]): Per frame ``gt_instances.masks`` (the referred
                object(s), merged into one target) and ``ref_clip_index``.

        Returns:
            dict[str, Tensor]: ``loss_bce`` and ``loss_dice``.
        """
        pairs = self._pairs(data_samples, annotated_only=True)
        if not pairs:
            raise ValueError('LBDT: no annotated frame in the batch')
        logits = self._run_pairs(inputs, data_samples, pairs)
        pad_h, pad_w = inputs.shape[-2:]
        targets = []
        for n, t, _ in pairs:
            masks = data_samples[n][t].gt_instances.masks
            masks = masks.to_tensor(torch.float32, inputs.device) if hasattr(masks, 'to_tensor') else masks
            target = masks.float().amax(0) if len(masks) else inputs.new_zeros(masks.shape[-2:])
            targets.append(F.pad(target, (0, pad_w - target.shape[-1], 0, pad_h - target.shape[-2])))
        return self.decode_head.loss_by_feat(logits, torch.stack(targets))

    def predict(self, inputs: Tensor, data_samples: TrackSampleList, rescale: bool = True) -> TrackSampleList:
        """Segment every frame (or the annotated ones), each with its reference frame.

        The logits are cropped to ``img_shape``, thresholded at ``test_cfg.mask_thr`` and resized to
        ``ori_shape`` (nearest), as the official evaluation.

        Args:
            inputs (Tensor): (N, T, 3, H, W) normalised clips.
            data_samples (list[TrackDataSample]): Metainfo per frame.
            rescale (bool): Kept for API compatibility; masks are always at ``ori_shape``.

        Returns:
            list[TrackDataSample]: ``data_samples`` with ``pred_track_instances`` (one mask, or none
            for frames not segmented) in every frame.
        """
        annotated = self.test_cfg.get('key_frames', 'all') == 'annotated'
        pairs = self._pairs(data_samples, annotated_only=annotated, fallback=True)
        chunk = self.test_cfg.get('max_batch_frames', 8)
        results = [[] for _ in data_samples]
        batch_frames = [[] for _ in data_samples]
        for start in range(0, len(pairs), chunk):
            part = pairs[start:start + chunk]
            probs = self._run_pairs(inputs, data_samples, part).sigmoid()
            for (n, t, _), prob in zip(part, probs):
                meta = data_samples[n][t].metainfo
                h, w = meta['img_shape'][:2]
                results[n].append(self._instances(prob[:, :h, :w], meta['ori_shape'][:2]))
                batch_frames[n].append(t)
        return self.add_pred_to_datasample(data_samples, results, batch_frames, inputs.device)

    def _instances(self, probs: Tensor, ori_shape: Tuple[int, int]) -> InstanceData:
        """Predicted instances of one frame from (k, h, w) probabilities (k = 1, or 0: no prediction)."""
        keep = probs > self.test_cfg.get('mask_thr', 0.5)
        if len(keep):
            masks = F.interpolate(keep[None].float(), size=tuple(ori_shape), mode='nearest')[0].bool()
        else:
            masks = keep.new_zeros((0, *ori_shape))
        scores = (probs * keep).flatten(1).sum(1) / keep.flatten(1).sum(1).clamp(min=1)
        return InstanceData(masks=masks, scores=scores, bboxes=mask2bbox(masks).float(),
                            labels=torch.zeros(len(masks), dtype=torch.long, device=probs.device),
                            instances_id=torch.arange(len(masks), device=probs.device))
