# Copyright (c) mmrvos contributors. All rights reserved.
"""Mini-Ref-SAIL-VOS, the cross-domain test set of CMA few-shot RVOS (hengliusky/Few_shot_RVOS)."""
from typing import List, Optional, Tuple

from mmrvos.registry import DATASETS

from .mini_ref_ytvos import MiniRefYouTubeVOSDataset

#: The 3 categories of Mini-Ref-SAIL-VOS (id = position + 1: dog 1, car 2, person 3).
MINI_REF_SAILVOS_CATEGORIES = ('dog', 'car', 'person')

#: Log reason of an expression whose object id is not 1 (its mask is empty once the masks are clipped to 0/1).
OBJ_ID_NOT_ONE = 'expression with obj_id != 1 kept (empty mask: the masks are clipped to {0, 1})'


@DATASETS.register_module()
class MiniRefSAILVOSDataset(MiniRefYouTubeVOSDataset):
    """Mini-Ref-SAIL-VOS: the Ref-YouTube-VOS formats with ``.bmp`` frames, flat under ``data_root``.

    Paths the official code reads (``<data_root> = <data_path>/data/mini-SAIL-VOS/``)::

        meta.json    meta_expressions.json    Images/<video>/<frame>.bmp    Annotations/<video>/<frame>.png

    As in the official loader, a mask PNG is clipped to {0, 1} (every value above 1 becomes 1) before the
    object is selected, so object 1 is every non-zero pixel and any other object id is empty (the released
    videos are presumably single-object; an expression with another id is kept and counted in a warning).
    The classes have no folds: every class is a test class (the official evaluation runs the Mini-Ref-
    YouTube-VOS checkpoint of a fold on all of them). The official test draws the query's object id at
    random among the video's expressions; here the query is the expression's own object (the same wherever
    every object id is 1).

    Args:
        ann_file (str): Defaults to ``'meta_expressions.json'``.
        meta_file (str): Defaults to ``'meta.json'``.
        data_prefix (dict): Defaults to ``dict(img='Images', ann='Annotations')``.
        img_suffix (str): Defaults to ``'.bmp'``.
        **kwargs: see :class:`MiniRefYouTubeVOSDataset`.
    """

    CATEGORIES: Tuple[str, ...] = MINI_REF_SAILVOS_CATEGORIES
    NUM_FOLDS: Optional[int] = None

    def __init__(self,
                 *args,
                 ann_file: str = 'meta_expressions.json',
                 meta_file: Optional[str] = 'meta.json',
                 img_suffix: str = '.bmp',
                 **kwargs):
        kwargs.setdefault('data_prefix', dict(img='Images', ann='Annotations'))
        super().__init__(*args, ann_file=ann_file, meta_file=meta_file, img_suffix=img_suffix, **kwargs)

    def extra_info(self, info: dict) -> dict:
        """Masks clipped to {0, 1} before the object is selected (:class:`LoadRVOSAnnotations`)."""
        return dict(mask_max_id=1)

    def load_data_list(self) -> List[dict]:
        data_list = super().load_data_list()
        for info in data_list:
            if info['obj_ids'] != [1]:
                self.record_skip(OBJ_ID_NOT_ONE, f'video {info["video_id"]} expression {info["exp_id"]}')
        return data_list
