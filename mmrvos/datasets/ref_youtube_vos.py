# Copyright (c) mmrvos contributors. All rights reserved.
import os.path as osp
from typing import Dict, List, Optional, Sequence, Set

import numpy as np
from PIL import Image

from mmrvos.registry import DATASETS

from .base_rvos_dataset import BaseRVOSDataset

#: Skip reason of an expression whose referred object has no mask in any frame (training and test).
ABSENT_OBJECT = 'expression whose object has no mask in any frame'


def split_into_windows(num_frames: int, window_size: int) -> List[List[int]]:
    """Non-overlapping windows of consecutive frame indices (the MTTR/SOC training sampling).

    The video is cut into windows of ``window_size`` frames; a short last window is replaced by the
    last ``window_size`` frames of the video, or, for a video shorter than one window, padded by
    repeating its last frame.

    Args:
        num_frames (int): number of (annotated) frames of the video.
        window_size (int): frames per window.

    Returns:
        list[list[int]]: the windows, as indices into the video's frame list.
    """
    frames = list(range(num_frames))
    windows = [frames[i:i + window_size] for i in range(0, num_frames, window_size)]
    if windows and len(windows[-1]) < window_size:
        if num_frames >= window_size:
            windows[-1] = frames[-window_size:]
        else:
            windows[-1] = windows[-1] + [windows[-1][-1]] * (window_size - len(windows[-1]))
    return windows


@DATASETS.register_module()
class RefYouTubeVOSDataset(BaseRVOSDataset):
    """Ref-YouTube-VOS (competition release), and any dataset written in its format.

    Layout (paths relative to ``data_root``, all configurable)::

        meta_expressions/{train,valid,test}/meta_expressions.json
        train/JPEGImages/<video>/<frame>.jpg    train/Annotations/<video>/<frame>.png    train/meta.json
        valid/JPEGImages/<video>/<frame>.jpg

    Training (``clip_length`` set): one item per (expression, window), the windows of
    :func:`split_into_windows` over the sorted frames of the expression file (MTTR/SOC); a window is kept
    only if the referred object appears in it. Whether it appears is read from ``meta.json``
    (``objects[obj_id].frames``, ``window_filter='meta'``), from the mask PNGs as the official code does
    (``'masks'``, reads every PNG once at start), or not checked (``'none'``). An expression whose object
    appears in no frame is skipped, in training and (with ground truth) in test mode alike: one warning at
    build time gives the count and examples, and the metric's ``num_expressions`` the number scored.

    Test (``clip_length=None``): one item per (video, expression) with all frames. The official offline
    validation split (202 videos) is ``valid`` minus the videos of ``exclude_ann_file``
    (``meta_expressions/test/meta_expressions.json``), as in MTTR/ReferFormer/SOC. Without
    ``data_prefix['ann']`` the items have no ground truth (the server-scored valid split); with it
    (e.g. a synthetic benchmark in this format), every listed frame has a mask PNG.

    Args:
        ann_file (str): the ``meta_expressions.json``.
        data_prefix (dict): ``img`` (frames folder) and optionally ``ann`` (mask PNG folder).
        meta_file (str, optional): ``meta.json`` with the objects' categories and frames. Defaults to None.
        clip_length (int, optional): training window size; ``None`` gives whole videos. Defaults to None.
        window_filter (str): ``'meta'``, ``'masks'`` or ``'none'`` (see above). Defaults to ``'meta'``.
        exclude_ann_file (str, optional): an expression file whose videos are removed. Defaults to None.
        video_list_file (str, optional): a text file with one video id per line to keep. Defaults to None.
        expected_num_videos (int, optional): raise if the kept video count differs (202 for the official
            valid split). Defaults to None.
        img_suffix (str): frame file suffix. Defaults to ``'.jpg'``.
        mask_suffix (str): mask file suffix. Defaults to ``'.png'``.
        **kwargs: see :class:`BaseRVOSDataset`.
    """

    def __init__(self,
                 *args,
                 meta_file: Optional[str] = None,
                 clip_length: Optional[int] = None,
                 window_filter: str = 'meta',
                 exclude_ann_file: Optional[str] = None,
                 video_list_file: Optional[str] = None,
                 expected_num_videos: Optional[int] = None,
                 img_suffix: str = '.jpg',
                 mask_suffix: str = '.png',
                 **kwargs):
        assert window_filter in ('meta', 'masks', 'none'), f'unknown window_filter {window_filter}'
        assert clip_length is None or clip_length > 0
        self.clip_length = clip_length
        self.window_filter = window_filter
        self.img_suffix = img_suffix
        self.mask_suffix = mask_suffix
        self.expected_num_videos = expected_num_videos
        kwargs.setdefault('data_prefix', dict(img='train/JPEGImages', ann='train/Annotations'))
        data_root = kwargs.get('data_root', '') or ''
        self.meta_file = self._join(data_root, meta_file)
        self.exclude_ann_file = self._join(data_root, exclude_ann_file)
        self.video_list_file = self._join(data_root, video_list_file)
        super().__init__(*args, **kwargs)

    @staticmethod
    def _join(root: str, path: Optional[str]) -> Optional[str]:
        return None if path is None else osp.join(root, path)

    # ------------------------------------------------------------------ video selection
    def select_videos(self, videos: Dict[str, dict]) -> List[str]:
        """The videos of ``ann_file`` to use, after ``exclude_ann_file`` and ``video_list_file``."""
        keep = sorted(videos)
        if self.exclude_ann_file is not None:
            excluded = self.get_key(
                self.load_json(self.exclude_ann_file, 'excluded-videos expression file'), 'videos',
                self.exclude_ann_file)
            keep = [v for v in keep if v not in excluded]
        if self.video_list_file is not None:
            with open(self.video_list_file, encoding='utf-8') as f:
                wanted = {line.strip() for line in f if line.strip()}
            missing = sorted(wanted - set(videos))
            if missing:
                raise ValueError(
                    f'{self.video_list_file} lists videos absent from {self.ann_file}: {missing[:5]}')
            keep = [v for v in keep if v in wanted]
        if self.expected_num_videos is not None and len(keep) != self.expected_num_videos:
            raise ValueError(f'{self.ann_file}: expected {self.expected_num_videos} videos after the split '
                             f'filters, found {len(keep)}')
        return keep

    # ------------------------------------------------------------------ parsing
    def load_data_list(self) -> List[dict]:
        """Parse the expression file (and ``meta.json``) into (video, expression[, window]) items."""
        videos = self.get_key(self.load_json(self.ann_file), 'videos', self.ann_file)
        objects_by_video = None
        if self.meta_file is not None:
            objects_by_video = self.get_key(
                self.load_json(self.meta_file, 'meta file'), 'videos', self.meta_file)
        has_masks = bool(self.data_prefix.get('ann'))
        data_list = []
        for video_id in self.select_videos(videos):
            where_video = f'{self.ann_file} video {video_id}'
            video = videos[video_id]
            frame_names = sorted(self.get_key(video, 'frames', where_video))
            expressions = self.get_key(video, 'expressions', where_video)
            if not frame_names:
                raise ValueError(f'{where_video} lists no frames')
            for exp_id, expression in expressions.items():
                where = f'{where_video} expression {exp_id}'
                text = self.check_text(self.get_key(expression, 'exp', where), where)
                if text is None:
                    continue
                obj_ids = self.parse_obj_ids(expression, where)
                info = dict(
                    video_id=video_id,
                    exp_id=str(exp_id),
                    text=text,
                    obj_ids=obj_ids,
                    frame_names=frame_names,
                    img_dir=osp.join(self.data_prefix['img'], video_id),
                    img_suffix=self.img_suffix,
                    clip_frame_ids=None,
                    gt_frame_ids=None if has_masks else [],
                    mask_format='palette_png' if has_masks else None,
                    mask_dir=osp.join(self.data_prefix['ann'], video_id) if has_masks else None,
                    mask_suffix=self.mask_suffix)
                info.update(self.extra_info(info))
                if self.clip_length is None:
                    if has_masks and obj_ids and self.object_absent(info, objects_by_video, where):
                        self.record_skip(ABSENT_OBJECT, where)
                    else:
                        data_list.append(info)
                    continue
                if not obj_ids:
                    raise ValueError(f'{where} has no obj_id; training needs the referred object')
                windows = self.object_windows(info, objects_by_video, where)
                if not windows:
                    self.record_skip(ABSENT_OBJECT, where)
                for window in windows:
                    data_list.append(dict(info, clip_frame_ids=window))
        self.__dict__.pop('_mask_id_cache', None)
        return data_list

    def parse_obj_ids(self, expression: dict, where: str) -> List[int]:
        """The referred object ids of an expression (``obj_id`` is a string in the official files)."""
        if 'obj_id' not in expression:
            return []
        try:
            return [int(expression['obj_id'])]
        except (TypeError, ValueError) as e:
            raise ValueError(f'malformed annotation: obj_id {expression["obj_id"]!r} of {where}') from e

    def extra_info(self, info: dict) -> dict:
        """Dataset-specific keys added to every item (none here)."""
        return {}

    def object_windows(self, info: dict, objects_by_video: Optional[dict], where: str) -> List[List[int]]:
        """Training windows of ``info``'s video in which its referred object appears."""
        windows = split_into_windows(len(info['frame_names']), self.clip_length)
        if self.window_filter == 'none':
            return windows
        present = self.object_frames(info, objects_by_video, where)
        return [w for w in windows if any(info['frame_names'][i] in present for i in w)]

    def object_absent(self, info: dict, objects_by_video: Optional[dict], where: str) -> bool:
        """Whether a test item's referred object has no mask in any frame.

        An unreadable mask keeps the item: the test loop then reports its video by name when loading it.
        """
        if self.window_filter == 'none':
            return False
        try:
            return not self.object_frames(info, objects_by_video, where)
        except OSError:
            return False

    def object_frames(self, info: dict, objects_by_video: Optional[dict], where: str) -> Set[str]:
        """Names of the frames in which the referred object is annotated.

        Read from ``meta.json`` (``window_filter='meta'``; in test mode without ``meta_file``, from the
        masks) or from the mask PNGs (``'masks'``).
        """
        obj_id = info['obj_ids'][0]
        if self.window_filter == 'meta' and not (self.test_mode and objects_by_video is None):
            if objects_by_video is None:
                raise ValueError(f'window_filter="meta" needs meta_file ({where})')
            objects = self.get_key(
                self.get_key(objects_by_video, info['video_id'], self.meta_file), 'objects',
                f'{self.meta_file} video {info["video_id"]}')
            if str(obj_id) not in objects:
                return set()
            return set(
                self.get_key(objects[str(obj_id)], 'frames',
                             f'{self.meta_file} video {info["video_id"]} object {obj_id}'))
        ids_per_frame = self._mask_ids(info)
        return {name for name, ids in ids_per_frame.items() if obj_id in ids}

    def _mask_ids(self, info: dict) -> Dict[str, Sequence[int]]:
        """Object ids present in every mask PNG of a video (read once per video, as the official code)."""
        cache = self.__dict__.setdefault('_mask_id_cache', {})
        if info['video_id'] not in cache:
            ids = {}
            for name in info['frame_names']:
                path = osp.join(info['mask_dir'], name + info['mask_suffix'])
                try:
                    with Image.open(path) as img:
                        ids[name] = np.unique(np.asarray(img)).tolist()
                except (OSError, ValueError) as e:
                    raise OSError(f'cannot read mask {path} (video {info["video_id"]}): {e}') from e
            cache.clear()
            cache[info['video_id']] = ids
        return cache[info['video_id']]
