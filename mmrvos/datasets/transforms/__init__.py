# Copyright (c) mmrvos contributors. All rights reserved.
from .clip_sampling import RVOSClipSample
from .few_shot import LoadFewShotEpisode, PackFewShotInputs, ShortSideResize
from .formatting import PackRVOSInputs
from .loading import LoadRVOSAnnotations, LoadRVOSFrame
from .text_flip import TextAwareRandomFlip, swap_left_right

__all__ = [
    'ShortSideResize',
    'RVOSClipSample', 'LoadRVOSFrame', 'LoadRVOSAnnotations', 'TextAwareRandomFlip', 'swap_left_right',
    'PackRVOSInputs', 'LoadFewShotEpisode', 'PackFewShotInputs'
]
