# Copyright (c) mmrvos contributors. All rights reserved.
"""The parameters of the generated videos."""
from dataclasses import dataclass
from typing import Optional, Tuple

from .language import MOTION_PHRASES


@dataclass
class SyntheticRVOSConfig:
    """Parameters of the generated videos (ranges are inclusive)."""
    height: int = 96
    width: int = 160
    num_frames: Tuple[int, int] = (12, 24)
    num_objects: Tuple[int, int] = (3, 4)
    num_twin_pairs: Tuple[int, int] = (1, 1)  # capped so that one object per video has no twin
    frame_step: int = 5  # frame names 00000, 00005, ... as in Ref-YouTube-VOS
    jpeg_quality: int = 90
    num_clutter: int = 14
    noise: int = 5  # per-frame pixel noise, uniform integers in [-noise, noise]
    min_visible_ratio: float = 0.6  # visible / in-picture pixels, in >= 80% of the frames present
    motion_phrases: Optional[Tuple[str, ...]] = None  # keys of MOTION_PHRASES to use; None: all
    max_tries: int = 100

    def __post_init__(self):
        self.num_frames, self.num_objects, self.num_twin_pairs = (
            tuple(self.num_frames), tuple(self.num_objects), tuple(self.num_twin_pairs))
        if self.num_frames[0] < 8 or self.num_frames[0] > self.num_frames[1]:
            raise ValueError(f'num_frames must be a range (lo, hi) with 8 <= lo <= hi, got {self.num_frames}')
        if self.num_objects[0] < 3 or self.num_objects[0] > self.num_objects[1] or self.num_objects[1] > 255:
            raise ValueError(f'num_objects must be a range (lo, hi) with 3 <= lo <= hi <= 255, '
                             f'got {self.num_objects}')
        if not 1 <= self.num_twin_pairs[0] <= self.num_twin_pairs[1]:
            raise ValueError(f'num_twin_pairs must be a range (lo, hi) with 1 <= lo <= hi, '
                             f'got {self.num_twin_pairs}')
        if self.height < 48 or self.width < 48:
            raise ValueError(f'frames must be at least 48x48, got {self.height}x{self.width}')
        if self.motion_phrases is not None:
            self.motion_phrases = tuple(self.motion_phrases)
            unknown = set(self.motion_phrases) - set(MOTION_PHRASES)
            if unknown or not self.motion_phrases:
                raise ValueError(f'motion_phrases must be keys of MOTION_PHRASES, got {self.motion_phrases}; '
                                 f'known: {sorted(MOTION_PHRASES)}')

    @property
    def unit(self) -> float:
        """Pixels per pixel-at-height-96: sizes, speeds and thresholds scale with the frame height."""
        return self.height / 96.0
