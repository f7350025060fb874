# Copyright (c) mmrvos contributors. All rights reserved.
from abc import ABCMeta, abstractmethod
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import torch
from mmdet.structures import TrackDataSample, TrackSampleList
from mmengine.model import BaseModel
from mmengine.structures import InstanceData
from torch import Tensor

from ..heads.clip_gt import describe_clip


class BaseRVOSSegmentor(BaseModel, metaclass=ABCMeta):
    """Base class of the clip-level RVOS segmentors: the ``mode`` dispatch and the data-sample plumbing.

    Inputs come from mmdet's ``TrackDataPreprocessor``: clips ``(N, T, 3, H, W)`` and one
    ``TrackDataSample`` per clip, with the sentence in its metainfo ``text`` and one ``DetDataSample`` per
    frame (see ``docs/data_samples.md``). A subclass implements :meth:`loss`, :meth:`predict` and
    :meth:`_forward` from the helpers here (sentences, padding masks, key frames, test windows, writing
    the predictions), as mmdet's detectors build on ``BaseDetector``.

    Key frames are given per clip as lists of frame indices (``batch_frames``); None means every frame.
    """

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

    @abstractmethod
    def loss(self, inputs: Tensor, data_samples: TrackSampleList) -> Dict[str, Tensor]:
        """Losses of a batch of clips (N, T, 3, H, W)."""

    @abstractmethod
    def predict(self, inputs: Tensor, data_samples: TrackSampleList) -> TrackSampleList:
        """``data_samples`` with ``pred_track_instances`` in every frame."""

    @abstractmethod
    def _forward(self, inputs: Tensor, data_samples: TrackSampleList) -> Dict[str, Tensor]:
        """Raw head outputs."""

    # ----------------------------------------------------------------------------------------------
    @staticmethod
    def get_texts(data_samples: TrackSampleList) -> List[str]:
        """The sentence of every clip (metainfo ``text`` of the clip, else of its first frame)."""
        texts = []
        for sample in data_samples:
            text = sample.metainfo.get('text')
            if text is None and len(sample) > 0:
                text = sample[0].metainfo.get('text')
            if not isinstance(text, str):
                raise KeyError(f'{describe_clip(sample)}: no sentence in metainfo "text"')
            texts.append(text)
        return texts

    @staticmethod
    def get_key_frames(data_samples: TrackSampleList, annotated_only: bool) -> Optional[List[List[int]]]:
        """Per clip, the frames that continue after the backbone.

        Args:
            data_samples (list[TrackDataSample]): One per clip.
            annotated_only (bool): Keep only the frames whose metainfo ``has_gt`` is True (all frames
                when the key is absent); every clip must have the same number of them.

        Returns:
            list[list[int]] or None: Frame indices per clip; None when every frame is kept.
        """
        if not annotated_only:
            return None
        per_clip = [[t for t in range(len(s)) if s[t].metainfo.get('has_gt', True)] for s in data_samples]
        if len({len(p) for p in per_clip}) != 1 or len(per_clip[0]) == 0:
            videos = [s.metainfo.get('video_id', '?') for s in data_samples]
            raise ValueError(f'clips {videos} have different or zero numbers of annotated frames '
                             f'({[len(p) for p in per_clip]}); batch clips with the same number')
        if all(len(p) == len(s) for p, s in zip(per_clip, data_samples)):
            return None
        return per_clip

    @staticmethod
    def flat_frame_indices(batch_frames: List[List[int]], num_frames: int, device) -> Tensor:
        """Indices ``n * T + t`` of the key frames in the flattened (N*T) frame axis."""
        return torch.as_tensor([n * num_frames + t for n, frames in enumerate(batch_frames) for t in frames],
                               device=device)

    @staticmethod
    def get_padding_masks(inputs: Tensor, data_samples: TrackSampleList) -> Tensor:
        """(N*T, H, W) bool, True outside each frame's resized image (``img_shape``)."""
        n, t, _, h, w = inputs.shape
        masks = inputs.new_ones((n, t, h, w), dtype=torch.bool)
        for i, sample in enumerate(data_samples):
            for j in range(t):
                img_h, img_w = sample[j].metainfo['img_shape'][:2]
                masks[i, j, :img_h, :img_w] = False
        return masks.flatten(0, 1)

    # ----------------------------------------------------------------------------------------------
    @staticmethod
    def slice_frames(sample: TrackDataSample, start: int, stop: int) -> TrackDataSample:
        """A view of frames ``start:stop`` of a clip (the frame data samples are shared, not copied)."""
        if start == 0 and stop == len(sample):
            return sample
        window = TrackDataSample(metainfo=sample.metainfo)
        window.video_data_samples = [sample[t] for t in range(start, stop)]
        return window

    @classmethod
    def split_windows(cls, inputs: Tensor, data_samples: TrackSampleList,
                      window: Optional[int]) -> Iterator[Tuple[Tensor, TrackSampleList]]:
        """Cut clips into consecutive windows of ``window`` frames (None: one window).

        Yields:
            tuple: (N, T_w, 3, H, W) frames and the matching views of the data samples.
        """
        num_frames = inputs.shape[1]
        window = window or num_frames
        for start in range(0, num_frames, window):
            stop = min(start + window, num_frames)
            yield inputs[:, start:stop], [cls.slice_frames(s, start, stop) for s in data_samples]

    @staticmethod
    def _empty_instances(meta: dict, device) -> InstanceData:
        h, w = meta['ori_shape'][:2]
        return InstanceData(masks=torch.zeros((0, h, w), dtype=torch.bool, device=device),
                            scores=torch.zeros(0, device=device),
                            labels=torch.zeros(0, dtype=torch.long, device=device),
                            instances_id=torch.zeros(0, dtype=torch.long, device=device),
                            bboxes=torch.zeros((0, 4), device=device))

    @classmethod
    def add_pred_to_datasample(cls, data_samples: TrackSampleList, results: Sequence[Sequence[InstanceData]],
                               batch_frames: Optional[List[List[int]]], device) -> TrackSampleList:
        """Write ``pred_track_instances`` into every frame; frames not predicted get empty instances.

        Args:
            data_samples (list[TrackDataSample]): One per clip.
            results (list[list[InstanceData]]): Per clip, per predicted frame.
            batch_frames (list[list[int]], optional): Per clip, the predicted frames. None: all.
            device: Device of the empty instances.

        Returns:
            list[TrackDataSample]: ``data_samples``.
        """
        for clip, (sample, clip_results) in enumerate(zip(data_samples, results)):
            frames = list(range(len(sample))) if batch_frames is None else list(batch_frames[clip])
            for t in range(len(sample)):
                sample[t].pred_track_instances = clip_results[frames.index(t)] if t in frames else \
                    cls._empty_instances(sample[t].metainfo, device)
        return data_samples
