# Copyright (c) mmrvos contributors. All rights reserved.
import copy
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmdet.structures import TrackDataSample, TrackSampleList
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData
from torch import Tensor

from mmrvos.registry import MODELS


@MODELS.register_module()
class SOC(BaseModel):
    """SOC: Semantic-assisted Object Cluster for referring video object segmentation.

    `SOC: Semantic-Assisted Object Cluster for Referring Video Object Segmentation
    <https://arxiv.org/abs/2305.17011>`_ (NeurIPS 2023).

    .. code:: text

        clip (N, T, 3, H, W) --> Video Swin --> per-frame stages, strides 4/8/16/32
        sentences            --> RoBERTa   --> word features, sentence feature
        [key frames only, e.g. the annotated frame of A2D/JHMDB clips]
        strides 8/16/32 + words --> MMF neck --> 4 fused levels (strides 8..64), text embedding
        --> SOC head (SIM: per-frame deformable transformer + video object cluster,
                      class / box / dynamic mask heads) --> loss or per-frame predictions

    Inputs come from mmdet's ``TrackDataPreprocessor``; each ``TrackDataSample`` carries the sentence in
    its metainfo ``text`` and one ``DetDataSample`` per frame (``gt_instances`` with ``masks``,
    ``bboxes``, ``labels``, ``valid``; metainfo ``img_shape``, ``ori_shape``, ``has_gt``), see
    ``docs/data_samples.md``.

    Windows: ``test_cfg.clip_length`` (None: whole video) cuts long test videos into independent windows.

    Key frames: in training, the frames whose metainfo ``has_gt`` is True (all frames when the key is
    absent) continue after the backbone; every clip of a batch must have the same number of them. At
    test time ``test_cfg.key_frames='all'`` (default) predicts every frame and ``'annotated'`` only the
    frames with ``has_gt`` (the A2D/JHMDB protocol); the other frames get empty predictions.

    Args:
        backbone (dict): Video backbone config.
        text_encoder (dict): Text encoder config.
        neck (dict): MMF neck config.
        head (dict): Head config.
        train_cfg (dict, optional): Passed to the head.
        test_cfg (dict, optional): Passed to the head; ``key_frames`` is read here.
        data_preprocessor (dict, optional): Data preprocessor config.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 text_encoder: dict,
                 neck: dict,
                 head: dict,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        head = copy.deepcopy(head)
        head.update(train_cfg=train_cfg, test_cfg=test_cfg)
        # Sub-modules resolve in mmrvos's registries even when SOC is built under another default
        # scope (e.g. an mmdet config that imports mmrvos and uses type='mmrvos.SOC').
        with DefaultScope.overwrite_default_scope('mmrvos'):
            self.backbone = MODELS.build(backbone)
            self.text_encoder = MODELS.build(text_encoder)
            self.neck = MODELS.build(neck)
            self.head = MODELS.build(head)
        self.train_cfg = train_cfg or dict()
        self.test_cfg = test_cfg or dict()

    # ----------------------------------------------------------------------------------------------
    @staticmethod
    def _texts(data_samples: TrackSampleList) -> List[str]:
        texts = []
        for sample in data_samples:
            text = sample.metainfo.get('text')
            if text is None and len(sample) > 0:
                text = sample[0].metainfo.get('text')
            if not isinstance(text, str):
                raise KeyError(f'video {sample.metainfo.get("video_id", "?")}, expression '
                               f'{sample.metainfo.get("exp_id", "?")}: no sentence in metainfo "text"')
            texts.append(text)
        return texts

    def _key_frames(self, data_samples: TrackSampleList, annotated_only: bool) -> Optional[List[int]]:
        """Flat indices ``n * T + t`` of the frames that continue after the backbone (None: all)."""
        if not annotated_only:
            return None
        per_clip = [[t for t in range(len(s)) if s[t].metainfo.get('has_gt', True)] for s in data_samples]
        if len({len(p) for p in per_clip}) != 1 or len(per_clip[0]) == 0:
            videos = [s.metainfo.get('video_id', '?') for s in data_samples]
            raise ValueError(f'clips {videos} have different or zero numbers of annotated frames '
                             f'({[len(p) for p in per_clip]}); batch clips with the same number')
        if all(len(p) == len(s) for p, s in zip(per_clip, data_samples)):
            return None
        num_frames = len(data_samples[0])
        return [n * num_frames + t for n, p in enumerate(per_clip) for t in p]

    @staticmethod
    def _frame_masks(inputs: Tensor, data_samples: TrackSampleList) -> Tensor:
        """(N*T, H, W) bool, True outside each frame's resized image (padding)."""
        n, t, _, h, w = inputs.shape
        masks = inputs.new_ones((n, t, h, w), dtype=torch.bool)
        for i, sample in enumerate(data_samples):
            for j in range(t):
                img_h, img_w = sample[j].metainfo['img_shape'][:2]
                masks[i, j, :img_h, :img_w] = False
        return masks.flatten(0, 1)

    def extract_feat(self, inputs: Tensor, data_samples: TrackSampleList,
                     key_frames: Optional[List[int]] = None) -> Tuple[Dict[str, Tensor], int]:
        """Run backbone, text encoder, neck and head.

        Args:
            inputs (Tensor): (N, T, 3, H, W) normalised clips.
            data_samples (list[TrackDataSample]): One per clip.
            key_frames (list[int], optional): Flat indices ``n * T + t`` of the frames kept after the
                backbone, the same number per clip. None keeps all.

        Returns:
            tuple: head outputs (see :meth:`SOCHead.forward`) and the number of kept frames per clip.
        """
        if inputs.dim() != 5:
            raise ValueError(f'SOC expects (N, T, C, H, W) clips, got {tuple(inputs.shape)}')
        n, t = inputs.shape[:2]
        feats = self.backbone(inputs)
        frame_masks = self._frame_masks(inputs, data_samples)
        text = self.text_encoder(self._texts(data_samples))
        num_frames = t
        if key_frames is not None:
            index = torch.as_tensor(key_frames, device=inputs.device)
            num_frames = index.numel() // n
            feats = [f.index_select(0, index) for f in feats]
            frame_masks = frame_masks.index_select(0, index)
        img_sizes = inputs.new_tensor([s[0].metainfo['img_shape'][:2] for s in data_samples])
        neck_outs = self.neck(feats[1:], frame_masks, num_frames, text)
        outs = self.head(neck_outs, feats[0], text['sentence_feats'], img_sizes, num_frames)
        return outs, num_frames

    # ----------------------------------------------------------------------------------------------
    def forward(self,
                inputs: Tensor,
                data_samples: Optional[TrackSampleList] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], TrackSampleList]:
        """Dispatch to :meth:`loss`, :meth:`predict` or :meth:`_forward` (``mode``)."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, predict and tensor mode')

    def _forward(self, inputs: Tensor, data_samples: TrackSampleList) -> Dict[str, Tensor]:
        """Raw head outputs of all frames (see :meth:`SOCHead.forward`)."""
        return self.extract_feat(inputs, data_samples)[0]

    def loss(self, inputs: Tensor, data_samples: TrackSampleList) -> Dict[str, Tensor]:
        """Compute the losses of a batch of clips.

        Args:
            inputs (Tensor): (N, T, 3, H, W) normalised clips.
            data_samples (list[TrackDataSample]): Ground truth per frame.

        Returns:
            dict[str, Tensor]: Weighted losses.
        """
        key_frames = self._key_frames(data_samples, annotated_only=True)
        outs, num_frames = self.extract_feat(inputs, data_samples, key_frames)
        pad_h, pad_w = inputs.shape[-2:]
        batch_gt, batch_metas = [], []
        for n, sample in enumerate(data_samples):
            frames = self._clip_frames(key_frames, n, len(sample))
            batch_gt.append(self._clip_gt(sample, frames, (pad_h, pad_w), inputs.device))
            batch_metas.append(dict(sample[frames[0]].metainfo))
        return self.head.loss_by_feat(outs, batch_gt, batch_metas)

    @staticmethod
    def _clip_frames(key_frames: Optional[List[int]], clip: int, num_frames: int) -> List[int]:
        """Frame indices of clip ``clip`` among the flat ``key_frames`` (all frames if None)."""
        if key_frames is None:
            return list(range(num_frames))
        return [k - clip * num_frames for k in key_frames if clip * num_frames <= k < (clip + 1) * num_frames]

    @staticmethod
    def _clip_gt(sample, frames: List[int], pad_shape: Tuple[int, int], device) -> InstanceData:
        """Stack the per-frame ground truth of one clip into (G, T, ...) tensors."""
        masks, boxes, valid = [], [], []
        labels = None
        for t in frames:
            gt = sample[t].gt_instances
            if len(gt) == 0:
                raise ValueError(f'video {sample.metainfo.get("video_id", "?")}, expression '
                                 f'{sample.metainfo.get("exp_id", "?")}: frame {t} has no gt_instances')
            m = gt.masks
            m = m.to_tensor(torch.float32, device) if hasattr(m, 'to_tensor') else m.float()
            m = torch.nn.functional.pad(m, (0, pad_shape[1] - m.shape[-1], 0, pad_shape[0] - m.shape[-2]))
            masks.append(m.to(device))
            boxes.append(gt.bboxes.to(device).float())
            v = gt.get('valid', None)
            valid.append(v.to(device).bool() if v is not None else m.flatten(1).any(1))
            labels = gt.labels.to(device).long() if labels is None else labels
        return InstanceData(labels=labels, masks=torch.stack(masks, 1), bboxes=torch.stack(boxes, 1),
                            valid=torch.stack(valid, 1))

    def predict(self, inputs: Tensor, data_samples: TrackSampleList, rescale: bool = True) -> TrackSampleList:
        """Predict masks of the referred object(s).

        With ``test_cfg.clip_length`` set (36 for Ref-DAVIS17), the video is cut into windows of that
        many frames, each run through the whole model on its own (as the official inference does), and
        the query is selected per window.

        Args:
            inputs (Tensor): (N, T, 3, H, W) normalised clips.
            data_samples (list[TrackDataSample]): Metainfo per frame.
            rescale (bool): Kept for API compatibility; masks are always at ``ori_shape``.

        Returns:
            list[TrackDataSample]: ``data_samples`` with ``pred_track_instances`` in every frame.
        """
        annotated = self.test_cfg.get('key_frames', 'all') == 'annotated'
        num_frames = inputs.shape[1]
        window = self.test_cfg.get('clip_length', None) or num_frames
        for start in range(0, num_frames, window):
            stop = min(start + window, num_frames)
            samples = [self._slice_frames(s, start, stop) for s in data_samples]
            key_frames = self._key_frames(samples, annotated_only=annotated)
            outs, _ = self.extract_feat(inputs[:, start:stop], samples, key_frames)
            batch_frames = [self._clip_frames(key_frames, n, stop - start) for n in range(len(samples))]
            metas = [[s[t].metainfo for t in frames] for s, frames in zip(samples, batch_frames)]
            results = self.head.predict_by_feat(outs, metas)
            for sample, frames, clip_results in zip(samples, batch_frames, results):
                for t in range(stop - start):
                    sample[t].pred_track_instances = clip_results[frames.index(t)] if t in frames else \
                        self._empty_instances(sample[t].metainfo, inputs.device)
        return data_samples

    @staticmethod
    def _slice_frames(sample: TrackDataSample, start: int, stop: int) -> TrackDataSample:
        """A view of frames ``start:stop`` of a clip (the frame data samples are shared, not copied)."""
        if start == 0 and stop == len(sample):
            return sample
        window = TrackDataSample(metainfo=sample.metainfo)
        window.video_data_samples = [sample[t] for t in range(start, stop)]
        return window

    @staticmethod
    def _empty_instances(meta: dict, device) -> InstanceData:
        h, w = meta['ori_shape'][:2]
        return InstanceData(masks=torch.zeros((0, h, w), dtype=torch.bool, device=device),
                            scores=torch.zeros(0, device=device), labels=torch.zeros(0, dtype=torch.long,
                                                                                      device=device),
                            instances_id=torch.zeros(0, dtype=torch.long, device=device),
                            bboxes=torch.zeros((0, 4), device=device))
