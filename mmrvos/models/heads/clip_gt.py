# Copyright (c) mmrvos contributors. All rights reserved.
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmdet.structures import TrackSampleList
from mmengine.structures import InstanceData


def describe_clip(sample) -> str:
    """'video <video_id>, expression <exp_id>' of a ``TrackDataSample``, for error messages."""
    return f'video {sample.metainfo.get("video_id", "?")}, expression {sample.metainfo.get("exp_id", "?")}'


def unpack_clip_gt_instances(
        batch_data_samples: TrackSampleList,
        batch_frames: Optional[Sequence[Sequence[int]]] = None) -> Tuple[List[InstanceData], List[dict]]:
    """Stack the per-frame ground truth of every clip into clip-level instances.

    The clip-level counterpart of mmdet's ``unpack_gt_instances``: a query head matched at clip level
    needs one (G, T, ...) tensor per field, where the data samples hold one ``gt_instances`` per frame.

    Args:
        batch_data_samples (list[TrackDataSample]): One per clip; every frame has ``gt_instances`` with
            ``masks`` (G, h, w) (``BitmapMasks`` or a tensor at the frame's ``img_shape``), ``bboxes``
            (G, 4) pixel xyxy, ``labels`` (G,) and optionally ``valid`` (G,), and the metainfo
            ``batch_input_shape`` (H, W) of the padded batch (set by ``TrackDataPreprocessor``).
        batch_frames (Sequence[Sequence[int]], optional): Per clip, the frames to stack (e.g. the
            annotated frame of an A2D window). None stacks every frame.

    Returns:
        tuple:

        - batch_gt_instances (list[InstanceData]): Per clip, ``labels`` (G,) (those of its first
          stacked frame), ``masks`` (G, T', H, W) float, zero-padded to ``batch_input_shape``,
          ``bboxes`` (G, T', 4) and ``valid`` (G, T') bool (a non-empty mask where ``valid`` is
          absent), T' the number of stacked frames.
        - batch_img_metas (list[dict]): Per clip, the metainfo of its first stacked frame.
    """
    batch_gt_instances, batch_img_metas = [], []
    for clip, sample in enumerate(batch_data_samples):
        frames = range(len(sample)) if batch_frames is None else batch_frames[clip]
        masks, bboxes, valid = [], [], []
        labels = None
        for t in frames:
            meta = sample[t].metainfo
            if 'batch_input_shape' not in meta:
                raise KeyError(f'{describe_clip(sample)}: frame {t} has no metainfo "batch_input_shape" '
                               '(run the TrackDataPreprocessor)')
            pad_h, pad_w = meta['batch_input_shape'][:2]
            gt = sample[t].gt_instances
            if len(gt) == 0:
                raise ValueError(f'{describe_clip(sample)}: frame {t} has no gt_instances')
            device = gt.bboxes.device
            frame_masks = gt.masks
            if hasattr(frame_masks, 'to_tensor'):
                frame_masks = frame_masks.to_tensor(torch.float32, device)
            else:
                frame_masks = frame_masks.float()
            mask_h, mask_w = frame_masks.shape[-2:]
            if mask_h > pad_h or mask_w > pad_w:
                raise ValueError(f'{describe_clip(sample)}: frame {t} has masks of {mask_h}x{mask_w}, larger '
                                 f'than the padded input {pad_h}x{pad_w}')
            frame_masks = F.pad(frame_masks, (0, pad_w - mask_w, 0, pad_h - mask_h))
            masks.append(frame_masks)
            bboxes.append(gt.bboxes.float())
            frame_valid = gt.get('valid', None)
            if frame_valid is None:
                frame_valid = frame_masks.flatten(1).any(1)
            valid.append(frame_valid.to(device).bool())
            labels = gt.labels.to(device).long() if labels is None else labels
        batch_gt_instances.append(InstanceData(labels=labels, masks=torch.stack(masks, 1),
                                               bboxes=torch.stack(bboxes, 1), valid=torch.stack(valid, 1)))
        batch_img_metas.append(dict(sample[frames[0]].metainfo))
    return batch_gt_instances, batch_img_metas
