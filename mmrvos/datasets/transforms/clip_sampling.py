# Copyright (c) mmrvos contributors. All rights reserved.
import os.path as osp
import random
from typing import Dict, List, Optional

from mmcv.transforms import BaseTransform

from mmrvos.registry import TRANSFORMS

#: Whole-video keys that are replaced by per-frame entries and not copied to every frame.
_VIDEO_ONLY_KEYS = ('frame_names', 'frame_masks', 'clip_frame_ids', 'gt_frame_ids', 'key_clip_index',
                    'anchor_frame_id', 'img_dir', 'img_suffix', 'mask_dir', 'mask_suffix')


@TRANSFORMS.register_module()
class RVOSClipSample(BaseTransform):
    """Pick the frames of a clip and turn a dataset item into per-frame lists.

    After this transform every value of the results is a list with one entry per clip frame (the
    layout of mmdet's video pipelines), so that mmcv's ``TransformBroadcaster`` can run per-frame
    transforms on all frames with shared random parameters. Video-level values (``video_id``,
    ``exp_id``, ``text``, ``obj_ids``, ...) are repeated per frame; :class:`PackRVOSInputs` takes them
    from the first frame. Per frame it adds ``img_path``, ``frame_id`` (index in the video),
    ``frame_name``, ``has_gt``, ``ori_video_length``, ``clip_index`` and the frame's annotation source
    (``mask_path`` / ``mask_index`` / ``frame_masks``).

    Frame choice (``sampling``):

    - ``'given'``: the item's ``clip_frame_ids`` (training windows, A2D/JHMDB windows), or all frames
      (test: whole videos). With ``num_frames``, a shorter clip is padded by repeating its last frame
      (a one-frame RefCOCO image becomes a static ``num_frames`` pseudo video) and a longer one is an
      error.
    - ``'local_global'``: ReferFormer/MeViS training sampling of ``num_frames`` frames: a random anchor,
      one frame 1-3 before and one 1-3 after it, the rest drawn from outside that span, sorted. The
      anchor is the item's ``anchor_frame_id`` when it has one, else a random frame.

    Args:
        num_frames (int, optional): clip length. Defaults to None.
        sampling (str): ``'given'`` or ``'local_global'``. Defaults to ``'given'``.
    """

    def __init__(self, num_frames: Optional[int] = None, sampling: str = 'given'):
        assert sampling in ('given', 'local_global'), f'unknown sampling {sampling}'
        assert sampling == 'given' or (num_frames or 0) > 0, 'local_global sampling needs num_frames'
        self.num_frames = num_frames
        self.sampling = sampling

    def local_global_ids(self, video_length: int, anchor: Optional[int] = None) -> List[int]:
        """ReferFormer's random sparse sampling (``datasets/ytvos.py``, MeViS ``ReferFormer_dataset.py``).

        Args:
            video_length (int): frames in the video.
            anchor (int, optional): the item's anchor frame; random when None.
        """
        anchor = random.randrange(video_length) if anchor is None else anchor
        ids = [anchor]
        if self.num_frames == 1:
            return ids
        ids += [max(0, anchor - random.randint(1, 3)), min(video_length - 1, anchor + random.randint(1, 3))]
        if self.num_frames > 3:
            all_ids = list(range(video_length))
            outside = all_ids[:min(ids)] + all_ids[max(ids):]
            needed = self.num_frames - len(ids)
            if len(outside) > needed:
                ids += random.sample(outside, needed)
            elif video_length >= needed:
                ids += random.sample(all_ids, needed)
            else:
                ids += random.sample(all_ids, needed - video_length) + all_ids
        return sorted(ids)[:self.num_frames]

    def clip_ids(self, results: dict) -> List[int]:
        """Frame indices of the clip."""
        video_length = len(results['frame_names'])
        if self.sampling == 'local_global':
            return self.local_global_ids(video_length, results.get('anchor_frame_id'))
        ids = results.get('clip_frame_ids')
        ids = list(range(video_length)) if ids is None else list(ids)
        if self.num_frames is not None:
            if len(ids) > self.num_frames:
                raise ValueError(f'video {results["video_id"]} expression {results["exp_id"]}: the item has '
                                 f'{len(ids)} frames, more than num_frames={self.num_frames}')
            ids += ids[-1:] * (self.num_frames - len(ids))
        return ids

    def transform(self, results: dict) -> Dict[str, list]:
        """Build the per-frame lists.

        Args:
            results (dict): a data info of a :class:`BaseRVOSDataset`.

        Returns:
            dict[str, list]: per-frame values, one list entry per clip frame.
        """
        ids = self.clip_ids(results)
        names = results['frame_names']
        gt_ids = results.get('gt_frame_ids')
        key_index = results.get('key_clip_index')
        frame_masks = results.get('frame_masks')
        video_keys = {k: v for k, v in results.items() if k not in _VIDEO_ONLY_KEYS}
        out: Dict[str, list] = {k: [] for k in video_keys}
        per_frame = ('img_path', 'frame_id', 'frame_name', 'clip_index', 'has_gt', 'ori_video_length')
        out.update({k: [] for k in per_frame})
        for clip_index, frame_id in enumerate(ids):
            for k, v in video_keys.items():
                out[k].append(v)
            name = names[frame_id]
            out['img_path'].append(osp.join(results['img_dir'], name + results['img_suffix']))
            out['frame_id'].append(frame_id)
            out['frame_name'].append(name)
            out['clip_index'].append(clip_index)
            out['ori_video_length'].append(len(names))
            has_gt = results.get('mask_format') is not None and (gt_ids is None or frame_id in gt_ids) \
                and (key_index is None or clip_index == key_index)
            out['has_gt'].append(has_gt)
            if results.get('mask_dir') is not None:
                out.setdefault('mask_path', []).append(
                    osp.join(results['mask_dir'], name + results['mask_suffix']))
            if frame_masks is not None:
                out.setdefault('frame_masks', []).append(frame_masks[frame_id])
        if key_index is not None:
            out['key_frame_flags'] = [i == key_index for i in range(len(ids))]
        return out

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(num_frames={self.num_frames}, sampling={self.sampling!r})'
