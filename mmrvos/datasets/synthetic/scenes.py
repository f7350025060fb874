# Copyright (c) mmrvos contributors. All rights reserved.
"""Scenes: sampling the objects of a video, rendering it and describing every object with an unambiguous
expression (appearance for unique looks, motion for twins), resampling until all of that holds."""
import itertools
from typing import Dict, List, Optional, Sequence, Set, Tuple

import numpy as np

from .appearance import ADJECTIVES, COLOURS, SHAPES, SIZES, TEXTURES
from .config import SyntheticRVOSConfig
from .language import MOTION_PHRASES, RELATIVE_PHRASES, expression_text, parse_expression, resolve_expression
from .motion import MOTION_KINDS, motion_facts, sample_track
from .rendering import render_background, render_video
from .structures import ExpressionSpec, SyntheticObject, SyntheticVideo


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
