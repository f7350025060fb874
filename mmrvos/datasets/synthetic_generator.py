# Copyright (c) mmrvos contributors. All rights reserved.
"""A procedural referring-video benchmark written in the Ref-YouTube-VOS on-disk format.

Each video shows a few moving shapes (circle, square, ...; colours, two sizes, three textures) over a
cluttered background, with occlusions (z-order) and objects that enter or leave the picture. Every
expression is one of two kinds:

* ``appearance``: "the small red circle". No other object of the video has these attributes.
* ``motion``: "the square that moves left and then stops". The video holds a *twin* of the referred
  object (the same shape, colour, size, texture and pixel size), so no single frame tells them apart.

Both kinds are unambiguous by construction: every sentence is parsed back (:func:`parse_expression`) and
resolved against the scene (:func:`resolve_expression`), and it must select exactly its object.

The code needs only numpy, OpenCV and Pillow. ``tools/dataset_converters/make_synthetic_rvos.py`` is
the command line; ``docs/synthetic_benchmark.md`` describes the output.
"""
import functools
import itertools
import json
import os
import os.path as osp
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

import cv2
import numpy as np
from PIL import Image

SHAPES = ('circle', 'square', 'triangle', 'diamond', 'star', 'cross')
COLOURS = {
    'red': (220, 40, 40), 'green': (40, 170, 60), 'blue': (40, 90, 230), 'yellow': (235, 215, 40),
    'purple': (150, 60, 200), 'orange': (245, 135, 30), 'white': (240, 240, 240)
}
SIZES = {'small': (8.0, 10.0), 'large': (13.0, 16.0)}  # radius in pixels at a frame height of 96
TEXTURES = ('plain', 'striped', 'checkered')
ADJECTIVES = ('size', 'texture', 'colour')  # the order of the adjectives in a sentence
DIRECTIONS = {'left': (-1, 0), 'right': (1, 0), 'up': (0, -1), 'down': (0, 1)}
MOTION_KINDS = {'static': 0.2, 'linear': 0.25, 'move_stop': 0.15, 'stop_move': 0.15, 'enter': 0.125,
                'leave': 0.125}  # trajectory programs and their sampling weights
EXPRESSION_KINDS = ('appearance', 'motion')
GENERATOR_VERSION = 2  # bump whenever the same arguments give other files
SCENES_FILE = 'synthetic_scenes.json'  # per split: every object's attributes and expression structure

# Motion phrases: key -> words after "that". Direction phrases exist for every direction.
MOTION_PHRASES = {'still': 'stays still', 'enters': 'enters the scene', 'leaves': 'leaves the scene',
                  'appears_first': 'appears first', 'appears_last': 'appears last'}
for _d in DIRECTIONS:
    MOTION_PHRASES.update({
        f'moves_{_d}': f'moves {_d}', f'keeps_moving_{_d}': f'keeps moving {_d}',
        f'moves_{_d}_then_stops': f'moves {_d} and then stops',
        f'still_then_moves_{_d}': f'stays still and then moves {_d}',
        f'moves_{_d}_quickly': f'moves {_d} quickly', f'moves_{_d}_slowly': f'moves {_d} slowly'})
RELATIVE_PHRASES = ('appears_first', 'appears_last')  # true or false only among the candidates
# The motion phrases of the built-in benchmark (tools/run_synthetic_benchmark.py): the direction, still,
# entering/leaving and order phrases, each with tens of training expressions in 200 videos. The other
# phrases (speeds, "and then stops", ...) have a handful each there; the generator writes them when asked.
BENCHMARK_MOTION_PHRASES = ('still', 'moves_left', 'moves_right', 'moves_up', 'moves_down', 'enters',
                            'leaves', 'appears_first', 'appears_last')

# Thresholds of the motion facts, in pixels (per frame) at a frame height of 96.
_MOVING_STEP, _MIN_DISPLACEMENT, _QUICK, _SLOW = 0.3, (3.0, 8.0), 2.3, 1.4  # displacement: borderline, sure
_SPEED_SLOW, _SPEED_FAST, _SPEED_MEDIUM = (0.9, 1.3), (2.5, 3.5), (1.8, 3.2)
_MIN_PHASE_STEPS = 3  # still / moving steps needed for "and then stops" and "and then moves"
_MARGIN = 2.0


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


# ----------------------------------------------------------------------------------------------- drawing
def shape_mask(shape: str, radius: int) -> np.ndarray:
    """Binary mask (2r+1, 2r+1) of a shape centred in its box, without anti-aliasing."""
    r, size = radius, 2 * radius + 1
    mask = np.zeros((size, size), np.uint8)
    if shape == 'circle':
        cv2.circle(mask, (r, r), r, 1, -1, lineType=cv2.LINE_8)
    elif shape == 'square':
        h = int(round(0.8 * r))
        mask[r - h:r + h + 1, r - h:r + h + 1] = 1
    elif shape == 'cross':
        h = max(1, int(round(0.3 * r)))
        mask[r - h:r + h + 1, :] = 1
        mask[:, r - h:r + h + 1] = 1
    else:
        if shape == 'triangle':
            pts = [(r, 0), (2 * r, 2 * r), (0, 2 * r)]
        elif shape == 'diamond':
            pts = [(r, 0), (2 * r, r), (r, 2 * r), (0, r)]
        elif shape == 'star':
            angles = -np.pi / 2 + np.arange(10) * np.pi / 5
            radii = np.where(np.arange(10) % 2 == 0, r, 0.45 * r)
            pts = np.stack([r + radii * np.cos(angles), r + 1 + radii * np.sin(angles)], 1)
        else:
            raise ValueError(f'unknown shape {shape!r}; known: {SHAPES}')
        cv2.fillPoly(mask, [np.round(np.asarray(pts)).astype(np.int32)], 1, lineType=cv2.LINE_8)
    return mask.astype(bool)


def object_sprite(obj: SyntheticObject) -> Tuple[np.ndarray, np.ndarray]:
    """The object's pixels: mask (S, S) bool and colours (S, S, 3) uint8 with S = 2 * radius + 1."""
    mask = shape_mask(obj.shape, obj.radius)
    base = np.array(COLOURS[obj.colour], np.float32)
    yy, xx = np.mgrid[:mask.shape[0], :mask.shape[1]]
    if obj.texture == 'plain':
        dark = np.zeros(mask.shape, bool)
    elif obj.texture == 'striped':
        dark = ((xx + yy) // max(2, obj.radius // 3)) % 2 == 1
    elif obj.texture == 'checkered':
        cell = max(2, obj.radius // 3)
        dark = ((xx // cell) + (yy // cell)) % 2 == 1
    else:
        raise ValueError(f'unknown texture {obj.texture!r}; known: {TEXTURES}')
    rgb = np.where(dark[..., None], 0.45 * base, base)
    return mask, np.round(rgb).astype(np.uint8)


def render_background(rng: np.random.Generator, height: int, width: int, num_clutter: int) -> np.ndarray:
    """A static cluttered background (H, W, 3) uint8: smooth colour noise and faint random strokes."""
    base = rng.uniform(80, 150) + rng.normal(0, 12, size=3)  # a muted colour
    grid = (height // 16 + 2, width // 16 + 2)
    coarse = rng.normal(0, 16, size=grid + (1, )) + rng.normal(0, 5, size=grid + (3, ))  # brightness, tint
    background = base + cv2.resize(coarse.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    background += rng.normal(0, 6, size=(height, width, 1))
    overlay = np.clip(background, 0, 255).astype(np.uint8)
    for _ in range(num_clutter):
        grey = rng.uniform(50, 190)
        colour = tuple(float(c) for c in np.clip(grey + rng.normal(0, 20, 3), 0, 255))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        kind = rng.integers(3)
        if kind == 0:
            end = (x + int(rng.integers(-30, 31)), y + int(rng.integers(-30, 31)))
            cv2.line(overlay, (x, y), end, colour, int(rng.integers(1, 4)))
        elif kind == 1:
            axes = (int(rng.integers(3, 14)), int(rng.integers(3, 14)))
            cv2.ellipse(overlay, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, colour, -1)
        else:
            pts = np.stack([x + rng.integers(-12, 13, 4), y + rng.integers(-12, 13, 4)], 1).astype(np.int32)
            cv2.fillPoly(overlay, [pts], colour)
    return np.round(0.5 * overlay + 0.5 * np.clip(background, 0, 255)).astype(np.uint8)


def render_video(objects: Sequence[SyntheticObject], background: np.ndarray, rng: np.random.Generator,
                 noise: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Composite the objects far to near over the background, frame by frame.

    Sets ``present``, ``area`` and ``visible_area`` of every object. The label map holds, per pixel, the
    id of the nearest object there (0 = background), so an object's mask is exactly its visible pixels.

    Returns:
        tuple: frames (T, H, W, 3) uint8 RGB and labels (T, H, W) uint8.
    """
    height, width = background.shape[:2]
    num_frames = len(objects[0].centres)
    frames = np.empty((num_frames, height, width, 3), np.uint8)
    labels = np.zeros((num_frames, height, width), np.uint8)
    sprites = {obj.obj_id: object_sprite(obj) for obj in objects}
    for obj in objects:
        obj.area = np.zeros(num_frames, np.int64)
    for t in range(num_frames):
        frame = background.copy()
        for obj in sorted(objects, key=lambda o: o.depth):
            mask, rgb = sprites[obj.obj_id]
            x0, y0 = (int(v) - obj.radius for v in np.round(obj.centres[t]))
            xs, ys = max(x0, 0), max(y0, 0)
            xe, ye = min(x0 + mask.shape[1], width), min(y0 + mask.shape[0], height)
            if xs >= xe or ys >= ye:
                continue
            m = mask[ys - y0:ye - y0, xs - x0:xe - x0]
            frame[ys:ye, xs:xe][m] = rgb[ys - y0:ye - y0, xs - x0:xe - x0][m]
            labels[t, ys:ye, xs:xe][m] = obj.obj_id
            obj.area[t] = m.sum()
        frames[t] = frame
    if noise > 0:  # sensor noise, different in every frame
        noisy = rng.integers(-noise, noise + 1, frames.shape, dtype=np.int16)
        noisy += frames
        frames = np.clip(noisy, 0, 255, out=noisy).astype(np.uint8)
    ids = np.array([obj.obj_id for obj in objects])
    areas = np.stack([np.bincount(frame_labels.ravel(), minlength=256) for frame_labels in labels])[:, ids]
    for i, obj in enumerate(objects):
        obj.present, obj.visible_area = obj.area > 0, areas[:, i]
    return frames, labels


# -------------------------------------------------------------------------------------------- trajectories
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


# -------------------------------------------------------------------------------------------- language
def noun_phrase(shape: str, attributes: Dict[str, str]) -> str:
    """'the small striped red circle': the adjectives in ADJECTIVES order, then the shape."""
    words = [attributes[name] for name in ADJECTIVES if name in attributes]
    return ' '.join(['the'] + words + [shape])


def expression_text(shape: str, attributes: Dict[str, str], motion: Optional[str] = None) -> str:
    text = noun_phrase(shape, attributes)
    return text if motion is None else f'{text} that {MOTION_PHRASES[motion]}'


_WORD_TO_ATTRIBUTE = {**{s: 'size' for s in SIZES}, **{t: 'texture' for t in TEXTURES},
                      **{c: 'colour' for c in COLOURS}}
_PHRASE_TO_MOTION = {phrase: key for key, phrase in MOTION_PHRASES.items()}


def parse_expression(text: str) -> Tuple[str, Dict[str, str], Optional[str]]:
    """Parse a generated sentence back into (shape, attributes, motion key); ValueError if not one."""
    words = text.split()
    if not words or words[0] != 'the':
        raise ValueError(f'expression {text!r} does not start with "the"')
    attributes, i = {}, 1
    while i < len(words) and words[i] in _WORD_TO_ATTRIBUTE:
        name = _WORD_TO_ATTRIBUTE[words[i]]
        if name in attributes:
            raise ValueError(f'expression {text!r} names the {name} twice')
        attributes[name] = words[i]
        i += 1
    if i >= len(words) or words[i] not in SHAPES:
        raise ValueError(f'expression {text!r} has no shape after its adjectives')
    shape, rest = words[i], words[i + 1:]
    if not rest:
        return shape, attributes, None
    phrase = ' '.join(rest[1:])
    if rest[0] != 'that' or phrase not in _PHRASE_TO_MOTION:
        raise ValueError(f'expression {text!r}: unknown motion phrase {" ".join(rest)!r}')
    return shape, attributes, _PHRASE_TO_MOTION[phrase]


def resolve_expression(text: str, objects: Sequence[SyntheticObject], unit: float = 1.0,
                       facts: Optional[Dict[int, Set[str]]] = None) -> List[int]:
    """Ids of the rendered objects that a generated sentence may describe.

    An object for which the motion phrase is borderline (see :func:`motion_facts`) counts as a match.
    A sentence is unambiguous if it returns exactly its object and the phrase is true of that object.

    Args:
        text (str): a sentence as written by the generator.
        objects (Sequence[SyntheticObject]): the rendered objects of the video.
        unit (float): ``SyntheticRVOSConfig.unit`` of the video.
        facts (dict, optional): ``motion_facts`` per object id, computed here if not given.
    """
    shape, attributes, motion = parse_expression(text)
    candidates = [o for o in objects
                  if o.shape == shape and all(o.attribute(k) == v for k, v in attributes.items())]
    if motion is None:
        return [o.obj_id for o in candidates]
    if motion in RELATIVE_PHRASES:
        first = {o.obj_id: int(np.flatnonzero(o.present)[0]) for o in candidates}
        sign = 1 if motion == 'appears_last' else -1
        return [i for i, f in first.items() if all(sign * (f - g) >= 2 for j, g in first.items() if j != i)]
    if facts is None:
        facts = {o.obj_id: motion_facts(o, unit) for o in candidates}
    return [o.obj_id for o in candidates if motion in facts[o.obj_id] or '?' + motion in facts[o.obj_id]]


def all_sentences() -> List[str]:
    """Every appearance sentence and every motion phrase after every shape: a tokenizer corpus.

    Each word any generated expression can contain occurs here (``vocabulary()`` lists them).
    """
    sentences = []
    for shape in SHAPES:
        for size, texture, colour in itertools.product((None, ) + tuple(SIZES), (None, ) + TEXTURES,
                                                       (None, ) + tuple(COLOURS)):
            attributes = {k: v for k, v in zip(ADJECTIVES, (size, texture, colour)) if v is not None}
            sentences.append(expression_text(shape, attributes))
        sentences += [expression_text(shape, {}, motion) for motion in MOTION_PHRASES]
    return sentences


def vocabulary() -> List[str]:
    """The sorted words of all generated expressions."""
    return sorted({word for sentence in all_sentences() for word in sentence.split()})


# ---------------------------------------------------------------------------------------------- scenes
def _sample_appearance(rng: np.random.Generator, taken: List[tuple]) -> Tuple[str, str, str, str]:
    """A (shape, colour, size, texture) not in ``taken``; half of the time a near miss of a taken one."""
    options = (SHAPES, tuple(COLOURS), tuple(SIZES), TEXTURES)
    while True:
        if taken and rng.random() < 0.5:
            look = list(taken[int(rng.integers(len(taken)))])
            k = int(rng.integers(4))
            look[k] = options[k][int(rng.integers(len(options[k])))]
        else:
            look = [opts[int(rng.integers(len(opts)))] for opts in options]
        if tuple(look) not in taken:
            return tuple(look)


def sample_objects(rng: np.random.Generator, cfg: SyntheticRVOSConfig,
                   num_frames: int) -> List[SyntheticObject]:
    """Objects with distinct looks, except for 1-2 twin pairs that look exactly the same."""
    num = int(rng.integers(cfg.num_objects[0], cfg.num_objects[1] + 1))
    max_pairs = max(1, min(cfg.num_twin_pairs[1], (num - 1) // 2))
    pairs = int(rng.integers(min(cfg.num_twin_pairs[0], max_pairs), max_pairs + 1))
    looks: List[tuple] = []
    for _ in range(num - pairs):
        looks.append(_sample_appearance(rng, looks))
    radii = [int(round(rng.uniform(*SIZES[look[2]]) * cfg.unit)) for look in looks]
    entries = list(zip(looks, radii)) + list(zip(looks[:pairs], radii[:pairs]))  # the twins come last
    motions, weights = list(MOTION_KINDS), np.array(list(MOTION_KINDS.values()))
    objects = []
    for obj_id, (k, depth) in enumerate(zip(rng.permutation(num), rng.permutation(num)), 1):
        (shape, colour, size, texture), radius = entries[k]
        motion = motions[int(rng.choice(len(motions), p=weights / weights.sum()))]
        centres, direction = sample_track(rng, motion, radius, num_frames, cfg.height, cfg.width, cfg.unit)
        objects.append(SyntheticObject(obj_id, shape, colour, size, texture, radius, int(depth), motion,
                                       direction, centres))
    return objects


def _well_visible(objects: Sequence[SyntheticObject], min_ratio: float) -> bool:
    """Every object is visible in >= 3 frames, and >= ``min_ratio`` of its pixels inside the picture
    are visible in >= 80% of the frames where it is present."""
    for obj in objects:
        present = obj.present
        if (obj.visible_area > 0).sum() < 3:
            return False
        if (obj.visible_area[present] >= min_ratio * obj.area[present]).mean() < 0.8:
            return False
    return True


def _adjective_sets(obj: SyntheticObject) -> List[Dict[str, str]]:
    return [{name: obj.attribute(name) for name in names}
            for k in range(len(ADJECTIVES) + 1) for names in itertools.combinations(ADJECTIVES, k)]


def make_expressions(rng: np.random.Generator, objects: Sequence[SyntheticObject], unit: float = 1.0,
                     motion_phrases: Optional[Sequence[str]] = None) -> List[ExpressionSpec]:
    """One expression per object: appearance for objects with a unique look, motion for twins.

    An appearance expression uses a smallest set of adjectives that singles the object out (sometimes
    one more). A motion expression picks a motion phrase true of the object and false of every other
    object its noun phrase matches, twins included (only ``motion_phrases`` if given). Twins without
    such a phrase get no expression.
    """
    specs, facts = [], {o.obj_id: motion_facts(o, unit) for o in objects}
    for obj in objects:
        twins = [o.obj_id for o in objects if o is not obj and o.appearance == obj.appearance]
        if not twins:
            unique = [a for a in _adjective_sets(obj)
                      if resolve_expression(expression_text(obj.shape, a), objects, unit) == [obj.obj_id]]
            fewest = min(len(a) for a in unique)
            extra = 1 if rng.random() < 0.35 else 0
            pool = [a for a in unique if fewest <= len(a) <= fewest + extra]
            attributes = pool[int(rng.integers(len(pool)))]
            specs.append(ExpressionSpec(expression_text(obj.shape, attributes), obj.obj_id, 'appearance',
                                        obj.shape, attributes))
            continue
        options: Dict[str, List[Dict[str, str]]] = {}
        for motion in motion_phrases or MOTION_PHRASES:
            if motion not in RELATIVE_PHRASES and motion not in facts[obj.obj_id]:
                continue  # not (surely) true of the object
            for attributes in _adjective_sets(obj):
                text = expression_text(obj.shape, attributes, motion)
                if resolve_expression(text, objects, unit, facts) == [obj.obj_id]:
                    options.setdefault(motion, []).append(attributes)
        if not options:
            continue
        motion = sorted(options)[int(rng.integers(len(options)))]
        attributes = options[motion][int(rng.integers(len(options[motion])))]
        specs.append(ExpressionSpec(expression_text(obj.shape, attributes, motion), obj.obj_id, 'motion',
                                    obj.shape, attributes, motion, twins))
    return specs


def check_expressions(expressions: Sequence[ExpressionSpec], objects: Sequence[SyntheticObject],
                      unit: float = 1.0) -> None:
    """Raise ValueError unless every expression selects exactly its object and motion ones have a twin."""
    for spec in expressions:
        found = resolve_expression(spec.text, objects, unit)
        if found != [spec.obj_id]:
            raise ValueError(f'expression {spec.text!r} selects objects {found}, not [{spec.obj_id}]')
        target = next(o for o in objects if o.obj_id == spec.obj_id)
        _, _, motion = parse_expression(spec.text)
        if motion is not None and motion not in RELATIVE_PHRASES and motion not in motion_facts(target, unit):
            raise ValueError(f'expression {spec.text!r}: "{MOTION_PHRASES[motion]}" is only borderline for '
                             f'object {spec.obj_id}')
        look = next(o.appearance for o in objects if o.obj_id == spec.obj_id)
        twins = [o for o in objects if o.obj_id != spec.obj_id and o.appearance == look]
        if spec.kind == 'motion' and not twins:
            raise ValueError(f'motion expression {spec.text!r} has no same-looking distractor')


def generate_video(rng: np.random.Generator, cfg: SyntheticRVOSConfig) -> SyntheticVideo:
    """Sample, render and describe one video.

    Scenes are resampled while an object is mostly hidden or neither twin of a pair has a motion
    expression. Every object with a unique look gets an appearance expression.
    """
    for _ in range(cfg.max_tries):
        num_frames = int(rng.integers(cfg.num_frames[0], cfg.num_frames[1] + 1))
        objects = sample_objects(rng, cfg, num_frames)
        background = render_background(rng, cfg.height, cfg.width, cfg.num_clutter)
        frames, labels = render_video(objects, background, rng, cfg.noise)
        if not _well_visible(objects, cfg.min_visible_ratio):
            continue
        expressions = make_expressions(rng, objects, cfg.unit, cfg.motion_phrases)
        described = {e.obj_id for e in expressions}
        groups: Dict[tuple, Set[int]] = {}
        for obj in objects:
            groups.setdefault(obj.appearance, set()).add(obj.obj_id)
        if any(not ids & described for ids in groups.values()):  # a twin pair without any expression
            continue
        check_expressions(expressions, objects, cfg.unit)
        return SyntheticVideo(objects, frames, labels, expressions)
    raise RuntimeError(f'no valid synthetic video in {cfg.max_tries} tries with {cfg}; '
                       'use larger frames or fewer objects')


# ---------------------------------------------------------------------------------------------- writing
SPLITS = {'train': 0, 'valid': 1}  # split -> code in the per-video seed [seed, code, index]


@functools.lru_cache(maxsize=1)
def davis_palette() -> Tuple[int, ...]:
    """The 256-colour palette of DAVIS / YouTube-VOS annotation PNGs (the Pascal VOC colour map)."""
    palette = []
    for index in range(256):
        rgb = [0, 0, 0]
        for bit in range(8):
            for channel in range(3):
                rgb[channel] |= ((index >> (3 * bit + channel)) & 1) << (7 - bit)
        palette += rgb
    return tuple(palette)


def _dump_json(obj: dict, path: str) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(obj, f)


def write_video(video: SyntheticVideo, split_dir: str, video_id: str, cfg: SyntheticRVOSConfig) -> List[str]:
    """Write the JPEG frames and palette-PNG label maps of one video; return the frame names."""
    names = [f'{t * cfg.frame_step:05d}' for t in range(video.num_frames)]
    image_dir, mask_dir = (osp.join(split_dir, sub, video_id) for sub in ('JPEGImages', 'Annotations'))
    os.makedirs(image_dir, exist_ok=True)
    os.makedirs(mask_dir, exist_ok=True)
    palette = davis_palette()
    for name, frame, labels in zip(names, video.frames, video.labels):
        path = osp.join(image_dir, f'{name}.jpg')
        if not cv2.imwrite(path, frame[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, cfg.jpeg_quality]):
            raise OSError(f'could not write {path}')
        png = Image.fromarray(labels)
        png.putpalette(palette)  # 'L' -> 'P' with the same indices
        png.save(osp.join(mask_dir, f'{name}.png'))
    return names


def _scene_record(video: SyntheticVideo, unit: float) -> dict:
    """The objects (look, trajectory program, motion facts) and expression structure of a video."""
    objects = {}
    for o in video.objects:
        objects[str(o.obj_id)] = dict(
            shape=o.shape, colour=o.colour, size=o.size, texture=o.texture, radius=o.radius, depth=o.depth,
            motion=o.motion, direction=o.direction, facts=sorted(motion_facts(o, unit)))
    expressions = {str(k): dict(asdict(e), obj_id=str(e.obj_id), distractors=[str(i) for i in e.distractors])
                   for k, e in enumerate(video.expressions)}
    return dict(objects=objects, expressions=expressions)


def read_scenes(data_root: str, split: str) -> Dict[str, dict]:
    """``<split>/synthetic_scenes.json`` as written by :func:`write_split`: per video, ``objects`` (look,
    trajectory program, motion facts) and ``expressions`` (text, obj_id, kind, shape, attributes, motion,
    distractors)."""
    path = osp.join(data_root, split, SCENES_FILE)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found: the object attributes of the synthetic benchmark '
                                '(tools/dataset_converters/make_synthetic_rvos.py) are needed')
    with open(path) as f:
        return json.load(f)['videos']


def write_split(data_root: str, split: str, num_videos: int, seed: int,
                cfg: SyntheticRVOSConfig) -> Dict[str, int]:
    """Generate and write one split in the Ref-YouTube-VOS layout.

    Writes ``<split>/JPEGImages``, ``<split>/Annotations`` (also for ``valid``), ``<split>/meta.json``,
    ``meta_expressions/<split>/meta_expressions.json`` (each expression with ``obj_id`` and the extra key
    ``kind``), ``meta_expressions/<split>/expression_kinds.json`` and ``<split>/synthetic_scenes.json``
    (objects, motion facts and expression structure). Video ``i`` depends only on ``(seed, split, i)``.

    Returns:
        dict: number of videos and of expressions of each kind.
    """
    if split not in SPLITS:
        raise ValueError(f'unknown split {split!r}; known: {tuple(SPLITS)}')
    split_dir = osp.join(data_root, split)
    meta, expressions, kinds, scenes = {}, {}, {}, {}
    counts = {'videos': num_videos, **{kind: 0 for kind in EXPRESSION_KINDS}}
    for index in range(num_videos):
        video = generate_video(np.random.default_rng([seed, SPLITS[split], index]), cfg)
        video_id = f'{split}_{index:04d}'
        names = write_video(video, split_dir, video_id, cfg)
        meta[video_id] = {'objects': {
            str(o.obj_id): dict(category=o.shape, frames=[n for n, a in zip(names, o.visible_area) if a > 0])
            for o in video.objects}}
        expressions[video_id] = {'expressions': {
            str(k): {'exp': e.text, 'obj_id': str(e.obj_id), 'kind': e.kind}
            for k, e in enumerate(video.expressions)}, 'frames': names}
        kinds[video_id] = {str(k): e.kind for k, e in enumerate(video.expressions)}
        scenes[video_id] = _scene_record(video, cfg.unit)
        for e in video.expressions:
            counts[e.kind] += 1
    expression_dir = osp.join(data_root, 'meta_expressions', split)
    _dump_json({'videos': meta}, osp.join(split_dir, 'meta.json'))
    _dump_json({'videos': scenes}, osp.join(split_dir, SCENES_FILE))
    _dump_json({'videos': expressions}, osp.join(expression_dir, 'meta_expressions.json'))
    kinds = {'kinds': list(EXPRESSION_KINDS), 'videos': kinds}
    _dump_json(kinds, osp.join(expression_dir, 'expression_kinds.json'))
    return counts


def generate_dataset(data_root: str, num_train: int = 200, num_valid: int = 30, seed: int = 0,
                     cfg: Optional[SyntheticRVOSConfig] = None) -> dict:
    """Write the whole benchmark under ``data_root`` (see ``docs/synthetic_benchmark.md``).

    Besides both splits it writes an empty ``meta_expressions/test/meta_expressions.json`` (loaders
    that drop the test videos from valid find nothing to drop), ``vocab.txt`` and ``sentences.txt``
    (tokenizer training text, see :func:`all_sentences`) and ``synthetic_info.json``.

    Returns:
        dict: the content of ``synthetic_info.json``.
    """
    cfg = cfg or SyntheticRVOSConfig()
    if seed < 0 or num_train < 0 or num_valid < 0:
        raise ValueError(f'seed and video counts must be >= 0, got seed={seed}, num_train={num_train}, '
                         f'num_valid={num_valid}')
    counts = {split: write_split(data_root, split, num, seed, cfg)
              for split, num in (('train', num_train), ('valid', num_valid))}
    _dump_json({'videos': {}}, osp.join(data_root, 'meta_expressions', 'test', 'meta_expressions.json'))
    with open(osp.join(data_root, 'vocab.txt'), 'w') as f:
        f.write('\n'.join(vocabulary()) + '\n')
    with open(osp.join(data_root, 'sentences.txt'), 'w') as f:
        f.write('\n'.join(all_sentences()) + '\n')
    info = {'generator': 'mmrvos.datasets.synthetic_generator', 'version': GENERATOR_VERSION, 'seed': seed,
            'config': asdict(cfg), 'counts': counts}
    _dump_json(info, osp.join(data_root, 'synthetic_info.json'))
    return info
