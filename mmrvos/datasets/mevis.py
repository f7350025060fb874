# Copyright (c) mmrvos contributors. All rights reserved.
import os.path as osp
from typing import List, Optional

from mmrvos.registry import DATASETS

from .base_rvos_dataset import BaseRVOSDataset


@DATASETS.register_module()
class MeViSDataset(BaseRVOSDataset):
    """MeViS: motion expressions that refer to one or several objects.

    Layout (relative to ``data_root``)::

        {train,valid_u,valid}/JPEGImages/<video>/<frame>.jpg   # all frames
        {train,valid_u,valid}/meta_expressions.json            # exp, obj_id: [int], anno_id: [int]
        {train,valid_u}/mask_dict.json                         # {anno_id: [RLE or null per frame]}

    One item per (video, expression) with all frames (the clip sampler picks training frames). The
    referred objects are the expression's ``anno_id`` list, in order: one ground-truth instance per
    object (``merge_objects=True`` gives the union as a single instance, as the MeViS metric scores it
    and its ReferFormer baseline trains). Without ``mask_file`` (the online ``valid`` split) the items
    have no ground truth. As the official loader, training skips videos with fewer than 2 frames.
    The RLEs of an item are stored in its data info (parsed once, serialized by mmengine).

    Args:
        ann_file (str): ``<split>/meta_expressions.json``.
        mask_file (str, optional): ``<split>/mask_dict.json``. Defaults to None.
        merge_objects (bool): one union instance per expression. Defaults to False.
        min_frames (int): training skips shorter videos. Defaults to 2.
        anchor_stride (int, optional): one item per anchor frame ``0, s, 2s, ...`` (``anchor_frame_id``)
            as the official ReferFormer-style baseline (s = its num_frames); None gives one item per
            expression. Defaults to None.
    """

    def __init__(self,
                 *args,
                 mask_file: Optional[str] = None,
                 merge_objects: bool = False,
                 min_frames: int = 2,
                 anchor_stride: Optional[int] = None,
                 img_suffix: str = '.jpg',
                 **kwargs):
        kwargs.setdefault('data_prefix', dict(img='train/JPEGImages'))
        data_root = kwargs.get('data_root', '') or ''
        self.mask_file = None if mask_file is None else osp.join(data_root, mask_file)
        self.merge_objects = merge_objects
        self.min_frames = min_frames
        self.anchor_stride = anchor_stride
        self.img_suffix = img_suffix
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Parse the expressions and, with ``mask_file``, the RLEs of the referred objects."""
        videos = self.get_key(self.load_json(self.ann_file), 'videos', self.ann_file)
        mask_dict = None if self.mask_file is None else self.load_json(self.mask_file, 'mask file')
        data_list = []
        for video_id in sorted(videos):
            where_video = f'{self.ann_file} video {video_id}'
            video = videos[video_id]
            frame_names = sorted(self.get_key(video, 'frames', where_video))
            if not self.test_mode and len(frame_names) < self.min_frames:
                self.record_skip(f'video with fewer than {self.min_frames} frames', where_video)
                continue
            for exp_id, expression in self.get_key(video, 'expressions', where_video).items():
                where = f'{where_video} expression {exp_id}'
                text = self.check_text(self.get_key(expression, 'exp', where), where)
                if text is None:
                    continue
                info = dict(
                    video_id=video_id,
                    exp_id=str(exp_id),
                    text=text,
                    obj_ids=[],
                    frame_names=frame_names,
                    img_dir=osp.join(self.data_prefix['img'], video_id),
                    img_suffix=self.img_suffix,
                    clip_frame_ids=None,
                    gt_frame_ids=[],
                    mask_format=None,
                    merge_objects=self.merge_objects)
                if mask_dict is not None:
                    masks = self._expression_masks(expression, mask_dict, len(frame_names), where)
                    if masks is None:
                        continue
                    info.update(obj_ids=[int(o) for o in self.get_key(expression, 'obj_id', where)],
                                gt_frame_ids=None, mask_format='rle', frame_masks=masks)
                if self.anchor_stride is None:
                    data_list.append(info)
                else:
                    data_list.extend(dict(info, anchor_frame_id=a)
                                     for a in range(0, len(frame_names), self.anchor_stride))
        return data_list

    def _expression_masks(self, expression: dict, mask_dict: dict, num_frames: int,
                          where: str) -> Optional[List[list]]:
        """Per-frame RLE lists ``[[rle_or_None per object] per frame]``; ``None`` to skip the item."""
        anno_ids = [str(a) for a in self.get_key(expression, 'anno_id', where)]
        obj_ids = self.get_key(expression, 'obj_id', where)
        if not anno_ids or len(anno_ids) != len(obj_ids):
            raise ValueError(f'malformed annotation: {where} has anno_id {anno_ids} and obj_id {obj_ids}')
        per_object = []
        for anno_id in anno_ids:
            if anno_id not in mask_dict:
                raise ValueError(f'{where}: anno_id {anno_id} is not in {self.mask_file}')
            rles = mask_dict[anno_id]
            if not isinstance(rles, list) or len(rles) != num_frames:
                raise ValueError(f'malformed {self.mask_file} entry {anno_id} ({where}): expected a list of '
                                 f'{num_frames} RLEs/nulls, got {type(rles).__name__} of length '
                                 f'{len(rles) if isinstance(rles, list) else "-"}')
            per_object.append(rles)
        if all(r is None for rles in per_object for r in rles):
            if not self.test_mode:
                self.record_skip('expression whose objects have no mask in any frame', where)
                return None
        return [list(frame) for frame in zip(*per_object)]
