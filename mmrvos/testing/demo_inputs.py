# Copyright (c) mmrvos contributors. All rights reserved.
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmdet.structures import DetDataSample, TrackDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.structures import InstanceData


def demo_rvos_inputs(batch_size: int = 1,
                     num_frames: int = 2,
                     image_shapes: Sequence[Tuple[int, int]] = ((64, 64), ),
                     texts: Optional[Sequence[str]] = None,
                     annotated_frames: Optional[Sequence[int]] = None,
                     invisible_frames: Sequence[int] = (),
                     seed: int = 0) -> dict:
    """Random clips with one referred object per clip, packed as ``docs/data_samples.md`` describes.

    Each clip shows a bright rectangle moving on a noisy background; the rectangle is the referred
    object (``gt_instances`` with ``masks``, ``bboxes``, ``labels``, ``instances_ids``, ``valid``).

    Args:
        batch_size (int): Number of clips. Defaults to 1.
        num_frames (int): Frames per clip. Defaults to 2.
        image_shapes (Sequence[tuple]): (H, W) per clip (cycled). Defaults to ``((64, 64),)``.
        texts (Sequence[str], optional): Sentence per clip.
        annotated_frames (Sequence[int], optional): Frames with ``has_gt=True`` (others get empty
            ground truth), e.g. ``[1]`` for an A2D-style window. Defaults to all frames.
        invisible_frames (Sequence[int]): Frames where the object is absent (empty mask,
            ``valid=False``). Defaults to ().
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: ``inputs`` (list of (T, 3, H, W) uint8 tensors) and ``data_samples`` (list of
        :obj:`TrackDataSample`), ready for ``TrackDataPreprocessor``.
    """
    rng = np.random.RandomState(seed)
    texts = list(texts or ['a red square moving down'] * batch_size)
    inputs: List[torch.Tensor] = []
    samples: List[TrackDataSample] = []
    for n in range(batch_size):
        h, w = image_shapes[n % len(image_shapes)]
        frames = rng.randint(0, 60, size=(num_frames, 3, h, w)).astype(np.uint8)
        box_h, box_w = max(h // 3, 2), max(w // 3, 2)
        y0, x0 = rng.randint(0, h - box_h), rng.randint(0, w - box_w - num_frames)
        frame_samples = []
        for t in range(num_frames):
            has_gt = annotated_frames is None or t in annotated_frames
            mask = np.zeros((1, h, w), dtype=np.uint8)
            if t not in invisible_frames:
                x = x0 + t
                mask[0, y0:y0 + box_h, x:x + box_w] = 1
                frames[t, :, y0:y0 + box_h, x:x + box_w] = np.array([40, 40, 220],
                                                                    dtype=np.uint8)[:, None, None]
            sample = DetDataSample(metainfo=dict(
                img_shape=(h, w), ori_shape=(h, w), scale_factor=(1.0, 1.0), frame_id=t, has_gt=has_gt,
                img_path=f'clip{n}/{t:05d}.jpg', frame_name=f'{t:05d}', flip=False, flip_direction=None))
            gt = InstanceData()
            if has_gt:
                masks = BitmapMasks(mask, h, w)
                gt.masks = masks
                gt.bboxes = masks.get_bboxes('hbox').tensor.float() if mask.any() else torch.zeros((1, 4))
                gt.labels = torch.zeros(1, dtype=torch.long)
                gt.instances_ids = torch.ones(1, dtype=torch.long)
                gt.valid = torch.tensor([bool(mask.any())])
            sample.gt_instances = gt
            frame_samples.append(sample)
        video = TrackDataSample(metainfo=dict(
            video_id=f'clip{n}', exp_id='0', text=texts[n], ori_video_length=num_frames,
            frame_ids=list(range(num_frames)), obj_ids=[1]))
        video.video_data_samples = frame_samples
        inputs.append(torch.from_numpy(frames))
        samples.append(video)
    return dict(inputs=inputs, data_samples=samples)
