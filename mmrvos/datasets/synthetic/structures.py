# Copyright (c) mmrvos contributors. All rights reserved.
"""What a synthetic scene is made of: the objects, expressions and videos the generator samples."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

EXPRESSION_KINDS = ('appearance', 'motion')


@dataclass
class SyntheticObject:
    """One object: its appearance, trajectory and, once rendered, where it is in the picture."""
    obj_id: int
    shape: str
    colour: str
    size: str
    texture: str
    radius: int
    depth: int  # z-order: a larger depth is drawn later (nearer)
    motion: str  # a key of MOTION_KINDS
    direction: Optional[str]
    centres: np.ndarray  # (T, 2) float x, y of the trajectory
    present: Optional[np.ndarray] = None  # (T,) bool: some pixel of the object is inside the frame
    area: Optional[np.ndarray] = None  # (T,) int: pixels inside the picture, hidden or not
    visible_area: Optional[np.ndarray] = None  # (T,) int: pixels not hidden by nearer objects

    @property
    def appearance(self) -> Tuple[str, str, str, str]:
        return self.shape, self.colour, self.size, self.texture

    def attribute(self, name: str) -> str:
        return getattr(self, name)


@dataclass
class ExpressionSpec:
    """A referring expression and the structure it was built from."""
    text: str
    obj_id: int
    kind: str  # 'appearance' or 'motion'
    shape: str
    attributes: Dict[str, str] = field(default_factory=dict)  # ADJECTIVES used, e.g. {'colour': 'red'}
    motion: Optional[str] = None  # a key of MOTION_PHRASES
    distractors: List[int] = field(default_factory=list)  # other objects that look the same


@dataclass
class SyntheticVideo:
    """A generated video: frames (T, H, W, 3) uint8 RGB, labels (T, H, W) uint8 object ids."""
    objects: List[SyntheticObject]
    frames: np.ndarray
    labels: np.ndarray
    expressions: List[ExpressionSpec]

    @property
    def num_frames(self) -> int:
        return len(self.frames)
