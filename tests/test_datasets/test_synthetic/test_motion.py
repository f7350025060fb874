# Copyright (c) mmrvos contributors. All rights reserved.
"""mmrvos.datasets.synthetic.motion: motion facts of tracks, directions in the written masks."""
import numpy as np
from synthetic_test_utils import SPLITS, load_json, make_object, read_labels

from mmrvos.datasets.synthetic import DIRECTIONS, RELATIVE_PHRASES, motion_facts, render_video, shape_mask


def test_motion_facts_of_hand_made_tracks():
    t = np.arange(12, dtype=np.float64)
    x_stop = np.maximum(100 - 3 * t, 100 - 3 * 6)  # 6 steps left, then 5 still
    tracks = {
        'still': np.tile([50.0, 40.0], (12, 1)),
        'left_then_stop': np.stack([x_stop, np.full(12, 40.0)], 1),
        'right_slow': np.stack([30 + t, np.full(12, 40.0)], 1),
        'down_fast': np.stack([np.full(12, 60.0), 15 + 3 * t], 1),
        'enter_right': np.stack([-40 + 6 * t, np.full(12, 40.0)], 1),
        # 1.8 px per frame (between slow and quick), 5.4 px in all; only frame 0 outside the picture
        'medium_short': np.stack([np.full(12, 60.0), np.r_[-20, 40 - 1.8 * np.minimum(t[1:] - 1, 3)]], 1),
    }
    facts = {}
    for name, centres in tracks.items():
        obj = make_object(1, 'circle', 'red', centres, 0)
        render_video([obj], np.zeros((96, 160, 3), np.uint8), np.random.default_rng(0))
        facts[name] = motion_facts(obj)
    assert facts['still'] == {'still'}
    assert facts['left_then_stop'] == {'moves_left', 'moves_left_then_stops', 'moves_left_quickly'}
    assert facts['right_slow'] == {'moves_right', 'keeps_moving_right', 'moves_right_slowly'}
    assert facts['down_fast'] == {'moves_down', 'keeps_moving_down', 'moves_down_quickly'}
    assert facts['enter_right'] == {'enters', 'moves_right', 'moves_right_quickly'}
    assert facts['medium_short'] == {'?moves_up', '?moves_up_quickly', '?moves_up_slowly', '?enters'}


def test_directions_visible_in_written_masks(synthetic_root):
    """Direction / still phrases agree with the mask centroids of the frames where the object is whole."""
    checked = moved = 0
    for split in SPLITS:
        scenes = load_json(synthetic_root, split, 'synthetic_scenes.json')['videos']
        expressions = load_json(synthetic_root, 'meta_expressions', split, 'meta_expressions.json')['videos']
        for video, scene in scenes.items():
            for spec in scene['expressions'].values():
                if spec['kind'] != 'motion' or spec['motion'] in ('enters', 'leaves') + RELATIVE_PHRASES:
                    continue
                obj = scene['objects'][spec['obj_id']]
                full_area = shape_mask(obj['shape'], obj['radius']).sum()
                centres = []
                for frame in expressions[video]['frames']:
                    labels = read_labels(synthetic_root, split, video, frame)
                    ys, xs = np.nonzero(labels == int(spec['obj_id']))
                    if len(xs) == full_area:  # neither hidden nor cut by the border
                        centres.append((xs.mean(), ys.mean()))
                if len(centres) < 2:
                    continue
                steps = np.diff(np.array(centres), axis=0)
                if spec['motion'] == 'still':
                    assert not steps.any(), (video, spec['text'], centres)
                else:
                    name = next(w for w in spec['motion'].split('_') if w in DIRECTIONS)
                    vec = np.array(DIRECTIONS[name])
                    along, across = steps @ vec, steps @ vec[::-1]
                    assert (along >= 0).all() and not across.any(), (video, spec['text'], centres)
                    moved += along.sum()
                checked += 1
    assert checked >= 5 and moved > 20
