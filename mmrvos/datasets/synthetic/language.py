# Copyright (c) mmrvos contributors. All rights reserved.
"""Language: the motion phrases, the sentence grammar ("the <adjectives> <shape> [that <motion phrase>]"),
its parser and the resolution of a sentence against a rendered scene."""
import itertools
from typing import Dict, List, Optional, Sequence, Set, Tuple

import numpy as np

from .appearance import ADJECTIVES, COLOURS, SHAPES, SIZES, TEXTURES
from .motion import DIRECTIONS, motion_facts
from .structures import SyntheticObject

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
