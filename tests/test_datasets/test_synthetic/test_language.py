# Copyright (c) mmrvos contributors. All rights reserved.
"""mmrvos.datasets.synthetic.language: parsing and resolving the generated sentences."""
import numpy as np
import pytest
from synthetic_test_utils import SPLITS, load_json, make_object

from mmrvos.datasets.synthetic import (
    RELATIVE_PHRASES,
    ExpressionSpec,
    check_expressions,
    make_expressions,
    parse_expression,
    render_video,
    resolve_expression,
)


def test_parse_expression_errors_name_the_sentence():
    assert parse_expression('the small striped red circle that moves left and then stops') == (
        'circle', {'size': 'small', 'texture': 'striped', 'colour': 'red'}, 'moves_left_then_stops')
    for bad in ('a red circle', 'the red', 'the red red circle', 'the circle that dances'):
        with pytest.raises(ValueError, match=bad):
            parse_expression(bad)


def test_expressions_unambiguous_from_written_annotations(synthetic_root):
    """Re-resolve every sentence from the text and the written scene description alone."""
    for split in SPLITS:
        scenes = load_json(synthetic_root, split, 'synthetic_scenes.json')['videos']
        for video, scene in scenes.items():
            objects = scene['objects']
            for spec in scene['expressions'].values():
                shape, attributes, motion = parse_expression(spec['text'])
                assert (shape, attributes, motion) == (spec['shape'], spec['attributes'], spec['motion'])
                candidates = [i for i, o in objects.items()
                              if o['shape'] == shape and all(o[k] == v for k, v in attributes.items())]
                assert spec['obj_id'] in candidates
                if motion is None:
                    assert candidates == [spec['obj_id']], (video, spec['text'])
                    continue
                assert set(spec['distractors']) <= set(candidates)
                if motion not in RELATIVE_PHRASES:  # true of the object; not even borderline for the others
                    assert motion in objects[spec['obj_id']]['facts']
                    matches = [i for i in candidates if {motion, '?' + motion} & set(objects[i]['facts'])]
                    assert matches == [spec['obj_id']], (video, spec['text'])


def test_borderline_phrases_are_never_used():
    t = np.arange(12, dtype=np.float64)
    # 1.8 px/frame
    medium = make_object(1, 'circle', 'red', np.stack([100 - 1.8 * t, np.full(12, 30.0)], 1), 0)
    still = make_object(2, 'circle', 'red', np.tile([40.0, 70.0], (12, 1)), 1)
    render_video([medium, still], np.zeros((96, 160, 3), np.uint8), np.random.default_rng(0))
    assert resolve_expression('the circle that moves left quickly', [medium, still]) == [1]  # only borderline
    with pytest.raises(ValueError, match='borderline'):
        check_expressions([ExpressionSpec('the circle that moves left quickly', 1, 'motion', 'circle')],
                          [medium, still])
    check_expressions([ExpressionSpec('the circle that moves left', 1, 'motion', 'circle')], [medium, still])
    expressions = make_expressions(np.random.default_rng(0), [medium, still])
    assert all('quickly' not in e.text and 'slowly' not in e.text for e in expressions)
    assert {e.obj_id for e in expressions} == {1, 2} and all(e.distractors for e in expressions)
