# Copyright (c) mmrvos contributors. All rights reserved.
"""Motion: the trajectory programs of the objects (:func:`sample_track`) and the motion facts a rendered
trajectory makes true (:func:`motion_facts`), in keys of ``MOTION_PHRASES``."""
from typing import Optional, Set, Tuple

import numpy as np

from .structures import SyntheticObject

DIRECTIONS = {'left': (-1, 0), 'right': (1, 0), 'up': (0, -1), 'down': (0, 1)}
MOTION_KINDS = {'static': 0.2, 'linear': 0.25, 'move_stop': 0.15, 'stop_move': 0.15, 'enter': 0.125,
                'leave': 0.125}  # trajectory programs and their sampling weights

# Thresholds of the motion facts, in pixels (per frame) at a frame height of 96.
_MOVING_STEP, _MIN_DISPLACEMENT, _QUICK, _SLOW = 0.3, (3.0, 8.0), 2.3, 1.4  # displacement: borderline, sure
_SPEED_SLOW, _SPEED_FAST, _SPEED_MEDIUM = (0.9, 1.3), (2.5, 3.5), (1.8, 3.2)
_MIN_PHASE_STEPS = 3  # still / moving steps needed for "and then stops" and "and then moves"
_MARGIN = 2.0


def sample_track(rng: np.random.Generator, motion: str, radius: int, num_frames: int, height: int,
                 width: int, unit: float) -> Tuple[np.ndarray, Optional[str]]:
    """Sample a trajectory (T, 2) of float x, y centres for one motion program of MOTION_KINDS.

    Objects stay fully inside the picture except while they enter or leave it.
    """
    margin, steps = _MARGIN * unit, num_frames - 1
    t = np.arange(num_frames, dtype=np.float64)
    if motion == 'static':
        x = rng.uniform(radius + margin, width - 1 - radius - margin)
        y = rng.uniform(radius + margin, height - 1 - radius - margin)
        return np.tile([x, y], (num_frames, 1)), None
    direction = str(rng.choice(list(DIRECTIONS)))
    horizontal = DIRECTIONS[direction][1] == 0
    length, across = (width, height) if horizontal else (height, width)
    lo, hi = radius + margin, length - 1 - radius - margin  # axis range fully inside the picture
    speed = rng.uniform(*_SPEED_MEDIUM) * unit
    if motion == 'linear':
        speed = rng.uniform(*(_SPEED_FAST if rng.random() < 0.5 else _SPEED_SLOW)) * unit
        speed = min(speed, (hi - lo) / steps)
        pos = rng.uniform(lo, max(lo, hi - speed * steps)) + speed * t
    elif motion in ('move_stop', 'stop_move'):
        n = int(rng.integers(round(0.4 * steps), round(0.65 * steps) + 1))  # moving steps
        speed = min(speed, (hi - lo) / n)
        start = 0 if motion == 'move_stop' else steps - n
        pos = rng.uniform(lo, max(lo, hi - speed * n)) + speed * np.clip(t - start, 0, n)
    elif motion == 'enter':
        t0 = int(rng.integers(round(0.3 * steps), round(0.55 * steps) + 1))  # first frame in the picture
        first = -radius + 0.5 * speed
        stop = rng.uniform(min(hi, max(lo, first + 3 * speed)), hi)
        pos = np.minimum(first + speed * (t - t0), stop)
    elif motion == 'leave':
        t1 = int(rng.integers(round(0.45 * steps), round(0.75 * steps) + 1))  # first frame out of it
        gone = length + radius + 0.5 * speed
        if gone - speed * t1 < lo:
            speed = (length + radius - lo) / (t1 - 0.5)
            gone = length + radius + 0.5 * speed
        pos = gone - speed * (t1 - t)
    else:
        raise ValueError(f'unknown motion {motion!r}; known: {tuple(MOTION_KINDS)}')
    if sum(DIRECTIONS[direction]) < 0:  # left / up: mirror the axis
        pos = length - 1 - pos
    other = np.full(num_frames, rng.uniform(radius + margin, across - 1 - radius - margin))
    xy = np.stack([pos, other], 1) if horizontal else np.stack([other, pos], 1)
    return xy, direction


def motion_facts(obj: SyntheticObject, unit: float = 1.0) -> Set[str]:
    """The motion phrases (keys of MOTION_PHRASES, relative ones excepted) true of a rendered object.

    Steps count only between frames where the object is present; a step moves if it is longer than
    ``0.3 * unit`` pixels, and a direction phrase needs every moving step along that direction.
    Borderline phrases are added as ``'?' + key``: neither true nor false, so no expression may rely on
    them either way. They are: a speed between the slow and quick thresholds, a displacement of 3-8 px,
    entering or leaving by a single frame, and a still or moving phase of 1-2 steps.
    """
    facts: Set[str] = set()

    def add(key: str, true: bool, borderline: bool = False) -> None:
        if true or borderline:
            facts.add(key if true else '?' + key)

    present, num_frames = obj.present, len(obj.present)
    idx = np.flatnonzero(present)
    add('enters', idx[0] >= 2, idx[0] == 1)
    add('leaves', idx[-1] <= num_frames - 3, idx[-1] == num_frames - 2)
    valid = present[:-1] & present[1:]
    velocity = np.diff(obj.centres, axis=0)[valid]
    moving = np.abs(velocity).max(1) > _MOVING_STEP * unit
    full = bool(present.all())
    add('still', full and not moving.any())
    n_move, n_still = int(moving.sum()), int((~moving).sum())
    for name, vec in DIRECTIONS.items():
        along = velocity[moving] @ np.array(vec, np.float64)
        across = np.abs(velocity[moving] @ np.array(vec[::-1], np.float64))
        if not moving.any() or (along <= 0).any() or (across > _MOVING_STEP * unit).any() \
                or along.sum() < _MIN_DISPLACEMENT[0] * unit:
            continue
        sure = along.sum() >= _MIN_DISPLACEMENT[1] * unit
        speed = along.mean() / unit
        add(f'moves_{name}', sure, True)
        add(f'moves_{name}_quickly', sure and speed >= _QUICK, speed > _SLOW)
        add(f'moves_{name}_slowly', sure and speed <= _SLOW, speed < _QUICK)
        if not full:
            continue
        phases = n_move >= _MIN_PHASE_STEPS and n_still >= _MIN_PHASE_STEPS
        add(f'keeps_moving_{name}', sure and n_still == 0, n_still < _MIN_PHASE_STEPS)
        if n_still and moving[:n_move].all():
            add(f'moves_{name}_then_stops', sure and phases, True)
        elif n_still and moving[n_still:].all():
            add(f'still_then_moves_{name}', sure and phases, True)
    return facts
