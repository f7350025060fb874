# Copyright (c) mmrvos contributors. All rights reserved.
from .model_init import init_model
from .runner import RVOSRunner
from .rvos_inferencer import DEFAULT_INFERENCE_CFG, RVOSInferencer, clean_texts
from .video_io import (
    FrameFolderSource,
    FrameSource,
    RVOSInputError,
    SyntheticFrameSource,
    VideoFileSource,
    iter_windows,
    open_frame_source,
)
from .window_linking import mask_iou, select_candidate
from .writers import OverlayVideoWriter, PaletteMaskWriter, RLEJsonWriter, masks_to_index_map

__all__ = [
    'init_model', 'RVOSRunner', 'RVOSInferencer', 'DEFAULT_INFERENCE_CFG', 'clean_texts', 'FrameSource',
    'FrameFolderSource',
    'VideoFileSource', 'SyntheticFrameSource', 'RVOSInputError', 'open_frame_source', 'iter_windows',
    'mask_iou', 'select_candidate', 'PaletteMaskWriter', 'OverlayVideoWriter', 'RLEJsonWriter',
    'masks_to_index_map'
]
