# Copyright (c) mmrvos contributors. All rights reserved.
# Load mmdet's datasets and transforms first: child registries do not trigger their parent's lazy import.
import mmdet.datasets  # noqa: F401

from .a2d_sentences import A2DSentencesDataset
from .base_rvos_dataset import BaseRVOSDataset, clean_sentence
from .few_shot_episodes import FewShotEpisodeDataset, consecutive_clip, fold_classes
from .jhmdb_sentences import JHMDBSentencesDataset
from .mevis import MeViSDataset
from .mini_ref_sailvos import MINI_REF_SAILVOS_CATEGORIES, MiniRefSAILVOSDataset
from .mini_ref_ytvos import MINI_REF_YTVOS_CATEGORIES, MiniRefYouTubeVOSDataset
from .ref_davis import RefDAVIS17Dataset
from .ref_youtube_vos import RefYouTubeVOSDataset, split_into_windows
from .refcoco import RefCOCODataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'BaseRVOSDataset', 'clean_sentence', 'RefYouTubeVOSDataset', 'split_into_windows', 'RefDAVIS17Dataset',
    'A2DSentencesDataset', 'JHMDBSentencesDataset', 'RefCOCODataset', 'MeViSDataset',
    'MiniRefYouTubeVOSDataset', 'MiniRefSAILVOSDataset', 'MINI_REF_YTVOS_CATEGORIES',
    'MINI_REF_SAILVOS_CATEGORIES', 'FewShotEpisodeDataset', 'fold_classes', 'consecutive_clip'
]
