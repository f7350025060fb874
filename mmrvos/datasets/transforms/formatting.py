# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform, to_tensor
from mmdet.structures import DetDataSample, TrackDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.structures import InstanceData

from mmrvos.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackRVOSInputs(BaseTransform):
    """Pack a clip into ``inputs`` ``(T, 3, H, W)`` uint8 BGR and a :obj:`TrackDataSample`.

    Expects the per-frame lists of :class:`RVOSClipSample` after loading/transforms. Video-level
    metainfo (from the first frame): ``video_id``, ``exp_id``, ``text``, ``ori_video_length``,
    ``frame_ids``, ``obj_ids`` and, where the dataset has them, ``annotator``, ``obj_rank``,
    ``sample_id``, ``key_frames_inds`` (the annotated clip position of A2D/JHMDB windows) and
    ``video_meta_keys``. Per frame: ``img_path``, ``frame_id``, ``frame_name``, ``ori_shape``,
    ``img_shape``, ``scale_factor``, ``flip``, ``flip_direction``, ``has_gt``, ``ref_clip_index`` (LBDT's
    reference frame, where :class:`RVOSClipSample` wrote one), and ``gt_instances``
    (``masks``, ``bboxes`` xyxy from the masks, ``labels`` 0, ``instances_ids``, ``valid``) plus
    ``ignored_instances.masks`` (void, ``(1, H, W)``) where the dataset has void pixels.

    Args:
        video_meta_keys (Sequence[str]): extra video-level keys to copy when present.
            Defaults to ().
    """

    VIDEO_KEYS = ('video_id', 'exp_id', 'text', 'ori_video_length', 'obj_ids', 'annotator', 'obj_rank',
                  'sample_id', 'dataset_name')
    FRAME_KEYS = ('img_path', 'frame_id', 'frame_name', 'ori_shape', 'img_shape', 'scale_factor', 'flip',
                  'flip_direction', 'has_gt', 'ref_clip_index')

    def __init__(self, video_meta_keys: Sequence[str] = ()):
        self.video_meta_keys = tuple(video_meta_keys)

    @staticmethod
    def pack_instances(masks: BitmapMasks, ids: np.ndarray) -> InstanceData:
        """Ground truth of one frame from its masks ``(n, H, W)`` and object ids ``(n,)``."""
        instances = InstanceData()
        instances.masks = masks
        if len(masks):
            instances.bboxes = masks.get_bboxes('hbox').tensor.float()
        else:
            instances.bboxes = torch.zeros((0, 4))
        instances.labels = torch.zeros(len(masks), dtype=torch.long)
        instances.instances_ids = to_tensor(np.asarray(ids, dtype=np.int64))
        instances.valid = torch.from_numpy(masks.masks.any(axis=(1, 2)))
        return instances

    def transform(self, results: dict) -> dict:
        """Pack the clip.

        Args:
            results (dict): per-frame lists of the pipeline.

        Returns:
            dict: ``inputs`` (Tensor ``(T, 3, H, W)`` uint8) and ``data_samples`` (TrackDataSample).
        """
        where = f'video {results["video_id"][0]!r} expression {results["exp_id"][0]!r}'
        shapes = [tuple(s[:2]) for s in results.get('ori_shape', [])]
        if len(set(shapes)) > 1:  # name the frame whose size differs from most of the others
            common = max(set(shapes), key=shapes.count)
            odd = next(t for t, s in enumerate(shapes) if s != common)
            raise ValueError(f'{where}: frame {results["img_path"][odd]} has size {shapes[odd][0]}x'
                             f'{shapes[odd][1]} (HxW), the other frames {common[0]}x{common[1]}; all frames '
                             'of a video must have the same size')
        if len({img.shape for img in results['img']}) != 1:
            raise ValueError(f'{where}: frames of different shapes {[img.shape for img in results["img"]]}')
        if 'text' in results and len(set(results['text'])) != 1:
            raise ValueError(
                f'{where}: the frames of the clip carry different sentences {set(results["text"])}; '
                f'wrap random flips in TransformBroadcaster(share_random_params=True)')
        # A (T, 3, H, W) view of the stacked (T, H, W, 3) frames, without a transposing copy: the data
        # preprocessor's BGR->RGB indexing and float cast copy it anyway.
        inputs = torch.from_numpy(np.stack(results['img'], axis=0)).permute(0, 3, 1, 2)
        frames = []
        for t in range(len(results['img'])):
            sample = DetDataSample()
            meta = {k: results[k][t] for k in self.FRAME_KEYS if k in results}
            meta.setdefault('scale_factor', (1.0, 1.0))
            meta.setdefault('flip', False)
            meta.setdefault('flip_direction', None)
            sample.set_metainfo(meta)
            if 'gt_masks' in results:
                sample.gt_instances = self.pack_instances(results['gt_masks'][t],
                                                          results['gt_instances_ids'][t])
            else:
                sample.gt_instances = InstanceData()
            if 'gt_seg_map' in results:
                void = results['gt_seg_map'][t]
                sample.ignored_instances = InstanceData(
                    masks=BitmapMasks(void[None].astype(np.uint8), *void.shape))
            frames.append(sample)
        track = TrackDataSample()
        track.video_data_samples = frames
        video_meta = {k: results[k][0] for k in self.VIDEO_KEYS + self.video_meta_keys if k in results}
        video_meta['frame_ids'] = list(results['frame_id'])
        if 'key_frame_flags' in results:
            video_meta['key_frames_inds'] = [i for i, f in enumerate(results['key_frame_flags']) if f]
        track.set_metainfo(video_meta)
        return dict(inputs=inputs, data_samples=track)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(video_meta_keys={self.video_meta_keys})'
