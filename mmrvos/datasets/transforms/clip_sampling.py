# Copyright (c) mmrvos contributors. All rights reserved.
import os.path as osp
import random
from typing import Dict, List, Optional, Tuple

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
    - ``'reference'``: LBDT's current + reference frame. The current frame(s): with
      ``current_frames='key'`` one frame, the item's key frame (``key_clip_index`` of its window, else
      ``anchor_frame_id``, else a random frame of the window that has ground truth); with ``'all'``
      every frame of the ``'given'`` clip (whole test videos). Each current frame ``t`` gets the
      reference ``t - ref_offset`` (in frame-list indices), or where that is before the first frame,
      the first frame (``ref_fallback='first'``) or ``t + ref_offset`` (``'forward'``, Ref-DAVIS17).
      The clip is the current frames followed by the references not among them; only current frames
      keep ground truth (``has_gt``), and every frame gets ``ref_clip_index``, the position of its
      reference in the clip (an added reference frame refers to itself). With ``ref_by='name'`` the
      offset counts in frame numbers (the file stems, as the official loaders name the file
      ``t - k``): a reference inside the video that is not among the frames on disk is an error naming
      the video and the expected file; with ``ref_by='index'`` (default) it counts in positions of the
      frame list (Ref-YouTube-VOS, whose released frames are every 5th).

    Args:
        num_frames (int, optional): clip length. Defaults to None.
        sampling (str): ``'given'``, ``'local_global'`` or ``'reference'``. Defaults to ``'given'``.
        current_frames (str): ``'key'`` or ``'all'`` (``'reference'`` sampling). Defaults to ``'key'``.
        ref_offset (int): frames between a current frame and its reference. Defaults to 1.
        ref_fallback (str): ``'first'`` or ``'forward'``. Defaults to ``'first'``.
        ref_by (str): ``'index'`` (frame-list positions) or ``'name'`` (frame numbers of the file stems).
            Defaults to ``'index'``.
    """

    def __init__(self, num_frames: Optional[int] = None, sampling: str = 'given', current_frames: str = 'key',
                 ref_offset: int = 1, ref_fallback: str = 'first', ref_by: str = 'index'):
        assert sampling in ('given', 'local_global', 'reference'), f'unknown sampling {sampling}'
        assert sampling != 'local_global' or (num_frames or 0) > 0, 'local_global sampling needs num_frames'
        assert current_frames in ('key', 'all'), f'unknown current_frames {current_frames}'
        assert ref_fallback in ('first', 'forward'), f'unknown ref_fallback {ref_fallback}'
        assert ref_offset >= 0, f'ref_offset must be >= 0, got {ref_offset}'
        assert ref_by in ('index', 'name'), f'unknown ref_by {ref_by}'
        self.num_frames = num_frames
        self.sampling = sampling
        self.current_frames = current_frames
        self.ref_offset = ref_offset
        self.ref_fallback = ref_fallback
        self.ref_by = ref_by

    def reference_of(self, frame_id: int, video_length: int) -> int:
        """Index of the reference frame of frame ``frame_id`` (``'reference'`` sampling)."""
        if frame_id - self.ref_offset >= 0:
            return frame_id - self.ref_offset
        return min(frame_id + self.ref_offset, video_length - 1) if self.ref_fallback == 'forward' else 0

    def reference_by_name(self, frame_id: int, results: dict) -> int:
        """Index of the reference of frame ``frame_id`` counted in frame numbers (``ref_by='name'``).

        The reference of frame ``n`` (file stem) is frame ``n - ref_offset``; before the video's first
        frame, the first frame (``'first'``) or frame ``n + ref_offset`` (``'forward'``). A reference that
        is not among the frames is a FileNotFoundError naming the video and the expected file.
        """
        names = results['frame_names']
        stem, first = names[frame_id], names[0]
        if not (stem.isdigit() and first.isdigit()):
            raise ValueError(f'video {results["video_id"]}: ref_by=\'name\' needs numbered frames, got '
                             f'{first!r}, {stem!r}')
        number = int(stem) - self.ref_offset
        if number < int(first):
            if self.ref_fallback == 'first':
                return 0
            number = int(stem) + self.ref_offset
        name = f'{number:0{len(stem)}d}'
        if name not in names:
            path = osp.join(results['img_dir'], name + results['img_suffix'])
            raise FileNotFoundError(f'video {results["video_id"]}: the reference frame of frame {stem} '
                                    f'({self.ref_offset} frames away) does not exist: {path}')
        return names.index(name)

    def reference_clip(self, results: dict) -> Tuple[List[int], List[int], Optional[int]]:
        """Frames, per-frame reference positions and the key position of a ``'reference'`` clip."""
        ids = self.clip_ids(results)
        video_length = len(results['frame_names'])
        key_index = None
        if self.current_frames == 'key':
            if results.get('key_clip_index') is not None:
                current = ids[results['key_clip_index']]
            elif results.get('anchor_frame_id') is not None:
                current = results['anchor_frame_id']
            else:
                gt_ids = results.get('gt_frame_ids')
                candidates = [i for i in ids if gt_ids is None or i in gt_ids]
                if not candidates:
                    raise ValueError(f'video {results["video_id"]} expression {results["exp_id"]}: no frame '
                                     'with ground truth to use as the current frame')
                current = random.choice(candidates)
            ids, key_index = [current], 0
        clip = list(ids)
        refs = []
        for frame_id in ids:
            ref = self.reference_by_name(frame_id, results) if self.ref_by == 'name' \
                else self.reference_of(frame_id, video_length)
            if ref not in clip or self.current_frames == 'key':
                # a key clip is always (current, reference), also where the reference is the current frame
                # itself (the first frame with the 'first' fallback): a batch stacks clips of one length
                clip.append(ref)
                refs.append(len(clip) - 1)
            else:
                refs.append(clip.index(ref))
        refs += list(range(len(ids), len(clip)))  # added references refer to themselves
        return clip, refs, key_index

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
        names = results['frame_names']
        gt_ids = results.get('gt_frame_ids')
        refs = None
        if self.sampling == 'reference':
            ids, refs, key_index = self.reference_clip(results)
        else:
            ids, key_index = self.clip_ids(results), results.get('key_clip_index')
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
        if refs is not None:
            out['ref_clip_index'] = refs
        return out

    def __repr__(self) -> str:
        ref = (f', current_frames={self.current_frames!r}, ref_offset={self.ref_offset}, '
               f'ref_fallback={self.ref_fallback!r}, ref_by={self.ref_by!r}')
        ref = ref if self.sampling == 'reference' else ''
        return f'{self.__class__.__name__}(num_frames={self.num_frames}, sampling={self.sampling!r}{ref})'
