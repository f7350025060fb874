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

Modules: ``appearance`` (attribute values), ``structures`` (objects, expressions, videos), ``motion``
(trajectories and motion facts), ``language`` (phrases, sentence grammar, parser, resolution), ``config``
(:class:`SyntheticRVOSConfig`), ``rendering`` (sprites, background, compositing), ``scenes`` (sampling and
describing one video) and ``writing`` (the on-disk benchmark and :func:`read_scenes`).

The code needs only numpy, OpenCV and Pillow. ``tools/dataset_converters/make_synthetic_rvos.py`` is
the command line; ``docs/synthetic_benchmark.md`` describes the output.
"""
from .appearance import ADJECTIVES, COLOURS, SHAPES, SIZES, TEXTURES
from .config import SyntheticRVOSConfig
from .language import (
    BENCHMARK_MOTION_PHRASES,
    MOTION_PHRASES,
    RELATIVE_PHRASES,
    all_sentences,
    expression_text,
    noun_phrase,
    parse_expression,
    resolve_expression,
    vocabulary,
)
from .motion import DIRECTIONS, MOTION_KINDS, motion_facts, sample_track
from .rendering import object_sprite, render_background, render_video, shape_mask
from .scenes import check_expressions, generate_video, make_expressions, sample_objects
from .structures import EXPRESSION_KINDS, ExpressionSpec, SyntheticObject, SyntheticVideo
from .writing import (
    GENERATOR_NAME,
    GENERATOR_VERSION,
    SCENES_FILE,
    SPLITS,
    generate_dataset,
    read_scenes,
    write_split,
    write_video,
)

__all__ = [
    'SyntheticRVOSConfig', 'BENCHMARK_MOTION_PHRASES', 'MOTION_PHRASES', 'RELATIVE_PHRASES', 'all_sentences',
    'expression_text', 'noun_phrase', 'parse_expression', 'resolve_expression', 'vocabulary', 'DIRECTIONS',
    'MOTION_KINDS', 'motion_facts', 'sample_track', 'object_sprite', 'render_background', 'render_video',
    'shape_mask', 'check_expressions', 'generate_video', 'make_expressions', 'sample_objects', 'ADJECTIVES',
    'COLOURS', 'EXPRESSION_KINDS', 'SHAPES', 'SIZES', 'TEXTURES', 'ExpressionSpec', 'SyntheticObject',
    'SyntheticVideo', 'GENERATOR_NAME', 'GENERATOR_VERSION', 'SCENES_FILE', 'SPLITS',
    'generate_dataset', 'read_scenes', 'write_split', 'write_video'
]
