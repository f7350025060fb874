# Copyright (c) mmrvos contributors. All rights reserved.
"""Mini-Ref-YouTube-VOS, the few-shot RVOS benchmark of CMA (hengliusky/Few_shot_RVOS, ICCV 2023)."""
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

from mmrvos.registry import DATASETS

from .ref_youtube_vos import RefYouTubeVOSDataset

#: The 48 categories of Mini-Ref-YouTube-VOS; the category id is the position in this tuple plus one
#: (hat 1 ... person 48), as the official ``datasets/categories.py`` numbers them. Fold ``g`` tests the
#: classes ``c`` with ``(c - 1) % 4 == g - 1``.
MINI_REF_YTVOS_CATEGORIES = (
    'hat', 'plant', 'hand', 'horse', 'raccoon', 'squirrel', 'bus', 'boat', 'crocodile', 'penguin',  # 1-10
    'motorbike', 'truck', 'hedgehog', 'lion', 'earless_seal', 'whale', 'elephant', 'mouse', 'snail',  # 11-19
    'camel', 'shark', 'giraffe', 'tiger', 'frog', 'cat', 'dolphin', 'cow', 'dog', 'bear', 'zebra',  # 20-30
    'airplane', 'leopard', 'fox', 'turtle', 'deer', 'train', 'sedan', 'sheep', 'fish', 'bird',  # 31-40
    'rabbit', 'duck', 'snake', 'monkey', 'parrot', 'lizard', 'giant_panda', 'person')  # 41-48

#: Skip-log reason of a video whose expressions refer to objects of several categories.
MIXED_CATEGORIES = 'video with objects of several categories (class = category of its last expression)'


@DATASETS.register_module()
class MiniRefYouTubeVOSDataset(RefYouTubeVOSDataset):
    """Mini-Ref-YouTube-VOS: every (video, expression) with all frames, its class and category.

    A subset of the Ref-YouTube-VOS train split in its formats (``meta.json`` with the objects' categories,
    ``meta_expressions.json``, palette PNG masks). The paths are those the official code reads (not the ones
    of its README, whose ``train.json`` is never read)::

        <data_root> = <data_path>/data/mini-ref-youtube-vos/
            train/JPEGImages/<video>/<frame>.jpg    train/Annotations/<video>/<frame>.png
            train/meta.json    meta_expressions/train/meta_expressions.json

    Training and test videos are in the same folder, split by class into folds by
    :class:`~mmrvos.datasets.FewShotEpisodeDataset`, which wraps this dataset and builds the episodes. Each
    item here is one expression (``clip_length`` is always None: the episode sampler picks the frames) with
    the keys of :class:`RefYouTubeVOSDataset` plus:

    - ``category`` (str) / ``category_id`` (int): the category of the expression's own object;
    - ``class_name`` (str) / ``class_id`` (int, 1-based): the class of the **video**: as in the official
      code, the category of the object of the video's last expression (videos are assumed to be of one
      class; a video with objects of several categories is counted in a warning).

    Every expression is kept, also one whose object has no mask in any frame (``window_filter='none'``),
    as the official test does.

    Args:
        ann_file (str): Defaults to ``'meta_expressions/train/meta_expressions.json'``.
        meta_file (str): ``meta.json`` with the categories (required). Defaults to ``'train/meta.json'``.
        data_prefix (dict): Defaults to ``dict(img='train/JPEGImages', ann='train/Annotations')``.
        **kwargs: see :class:`RefYouTubeVOSDataset`.
    """

    #: category names; id = position + 1
    CATEGORIES: Tuple[str, ...] = MINI_REF_YTVOS_CATEGORIES
    #: number of folds of the class split (None: no folds, every class is a test class)
    NUM_FOLDS: Optional[int] = 4

    def __init__(self,
                 *args,
                 ann_file: str = 'meta_expressions/train/meta_expressions.json',
                 meta_file: Optional[str] = 'train/meta.json',
                 window_filter: str = 'none',
                 **kwargs):
        if kwargs.get('clip_length') is not None:
            raise ValueError(f'{type(self).__name__} gives whole videos (clip_length=None); the episode '
                             'sampler (FewShotEpisodeDataset) picks the frames of each clip')
        if meta_file is None:
            raise ValueError(f'{type(self).__name__} needs meta_file: the objects\' categories are in it')
        super().__init__(*args, ann_file=ann_file, meta_file=meta_file, window_filter=window_filter, **kwargs)

    @classmethod
    def category_id(cls, name: str, where: str) -> int:
        """1-based id of category ``name``; an error naming ``where`` when it is not one of the classes."""
        if name not in cls.CATEGORIES:
            raise ValueError(f'unknown category {name!r} in {where}; {cls.__name__} has the '
                             f'{len(cls.CATEGORIES)} categories {list(cls.CATEGORIES)}')
        return cls.CATEGORIES.index(name) + 1

    def load_data_list(self) -> List[dict]:
        """The expressions of :class:`RefYouTubeVOSDataset` with their categories and their video's class."""
        objects_by_video = self.get_key(self.load_json(self.meta_file, 'meta file (categories)'), 'videos',
                                        self.meta_file)
        data_list = super().load_data_list()
        by_video: Dict[str, List[dict]] = defaultdict(list)
        for info in data_list:
            video_id, obj_id = info['video_id'], info['obj_ids'][0] if info['obj_ids'] else None
            where = f'{self.meta_file} video {video_id} object {obj_id}'
            if obj_id is None:
                raise ValueError(
                    f'{self.ann_file} video {video_id} expression {info["exp_id"]} has no obj_id')
            objects = self.get_key(self.get_key(objects_by_video, video_id, self.meta_file), 'objects',
                                   f'{self.meta_file} video {video_id}')
            category = self.get_key(self.get_key(objects, str(obj_id), f'{self.meta_file} video {video_id}'),
                                    'category', where)
            info.update(category=category, category_id=self.category_id(category, where))
            by_video[video_id].append(info)
        for video_id, infos in by_video.items():
            last = infos[-1]  # the official class of a video: its last expression's object category
            if len({info['category'] for info in infos}) > 1:
                self.record_skip(MIXED_CATEGORIES,
                                 f'{video_id}: {sorted({info["category"] for info in infos})}')
            for info in infos:
                info.update(class_name=last['category'], class_id=last['category_id'])
        return data_list
