# Copyright (c) mmrvos contributors. All rights reserved.
"""The constructed cases as RVOS data samples, and a float comparison with NaN equality."""
from typing import List, Optional, Sequence

import numpy as np
import torch
from constructed_cases import a2d_case, davis_case, mevis_case
from mmdet.structures import DetDataSample, TrackDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.structures import InstanceData


def assert_same(actual, expected, tol=1e-12):
    """Element-wise equality within ``tol`` (NaN equals NaN)."""
    actual, expected = np.atleast_1d(np.asarray(actual, float)), np.atleast_1d(np.asarray(expected, float))
    assert actual.shape == expected.shape
    both_nan = np.isnan(actual) & np.isnan(expected)
    assert np.all(both_nan | (np.abs(actual - expected) <= tol)), (actual, expected)


def make_sample(video_id: str,
                exp_id: str,
                gt: np.ndarray,
                pred: np.ndarray,
                obj_ids: Sequence[int] = (1, ),
                scores: Optional[np.ndarray] = None,
                void: Optional[np.ndarray] = None,
                frame_names: Optional[List[str]] = None,
                frame_ids: Optional[List[int]] = None,
                has_gt: Optional[List[bool]] = None,
                **video_meta) -> TrackDataSample:
    """A test-mode RVOS data sample with predictions, as docs/data_samples.md describes.

    Args:
        gt: (T, n, H, W) masks of the referred objects. pred: (T, k, H, W) predicted masks.
        scores: (k,) scores of the predicted instances (the same in every frame).
        void: (T, H, W) void pixels.
    """
    num_frames, height, width = gt.shape[0], gt.shape[-2], gt.shape[-1]
    frame_ids = list(range(num_frames)) if frame_ids is None else frame_ids
    frame_names = [f'{i:05d}' for i in frame_ids] if frame_names is None else frame_names
    has_gt = [True] * num_frames if has_gt is None else has_gt
    scores = np.ones(pred.shape[1]) if scores is None else np.asarray(scores)
    frames = []
    for t in range(num_frames):
        frame = DetDataSample(metainfo=dict(
            frame_id=frame_ids[t], frame_name=frame_names[t], ori_shape=(height, width),
            img_shape=(height, width), has_gt=has_gt[t]))
        if has_gt[t]:
            n = gt.shape[1]
            frame.gt_instances = InstanceData(
                masks=BitmapMasks(gt[t].astype(np.uint8), height, width),
                labels=torch.zeros(n, dtype=torch.long),
                instances_ids=torch.tensor(list(obj_ids), dtype=torch.long),
                valid=torch.from_numpy(gt[t].reshape(n, -1).any(1)))
            if void is not None:
                frame.ignored_instances = InstanceData(
                    masks=BitmapMasks(void[t][None].astype(np.uint8), height, width))
        k = pred.shape[1]
        frame.pred_track_instances = InstanceData(
            masks=torch.from_numpy(pred[t].astype(bool)), scores=torch.tensor(scores, dtype=torch.float32),
            labels=torch.zeros(k, dtype=torch.long), instances_id=torch.arange(k))
        frames.append(frame)
    sample = TrackDataSample()
    sample.video_data_samples = frames
    sample.set_metainfo(dict(video_id=video_id, exp_id=exp_id, ori_video_length=num_frames,
                             frame_ids=frame_ids, obj_ids=list(obj_ids), **video_meta))
    return sample


def davis_samples() -> List[TrackDataSample]:
    """The Ref-DAVIS17 case as (video, expression) samples: annotator a's label k+1 is expression 4k+a.

    Each expression refers to gt object ``k % num_gt_objects + 1`` (extra proposals of annotator 2 reuse
    the ids), carries that object's gt and the void of the video.
    """
    samples = []
    for seq, case in sorted(davis_case().items()):
        labels = case['gt']
        void = labels == 255
        num_gt = int(np.where(void, 0, labels)[0].max())
        for a, pred in enumerate(case['pred']):
            for k in range(max(int(pred.max()), 1)):
                obj = k % num_gt + 1
                samples.append(make_sample(
                    seq, str(4 * k + a), (labels == obj)[:, None], (pred == k + 1)[:, None], obj_ids=[obj],
                    void=void, annotator=a))
    return samples


def mevis_samples(with_missing: bool = True) -> List[TrackDataSample]:
    """The MeViS case as samples; the video without predictions gets empty predicted masks."""
    videos, objects, preds, missing = mevis_case()
    samples = []
    for video, info in sorted(videos.items()):
        for exp_id, exp in info['expressions'].items():
            gt = np.stack([objects[str(a)] for a in exp['anno_id']], axis=1)
            pred = np.zeros_like(gt[:, :1]) if video in missing else preds[video][exp_id][:, None]
            if video in missing and not with_missing:
                continue
            samples.append(
                make_sample(video, exp_id, gt, pred, obj_ids=exp['obj_id'], frame_names=info['frames']))
    return samples


def a2d_samples() -> List[TrackDataSample]:
    """The A2D case: one 3-frame window per gt image, the middle frame annotated."""
    gts, preds = a2d_case()
    samples = []
    for image_id, gt in gts:
        _, video, _, frame_number, _, instance = image_id.split('_')
        mine = [(m, s) for i, m, s in preds if i == image_id]
        pred = np.stack([m for m, _ in mine])
        frame_id = int(frame_number) - 1
        samples.append(make_sample(
            video, f'{video}-{instance}', np.stack([gt[None]] * 3), np.stack([pred] * 3),
            obj_ids=[int(instance)], scores=[s for _, s in mine],
            frame_ids=[frame_id - 1, frame_id, frame_id + 1], has_gt=[False, True, False]))
    return samples
