# Copyright (c) mmrvos contributors. All rights reserved.
"""mmrvos.datasets.synthetic.scenes: twins, expression checks, restricted phrases, speed."""
import os.path as osp
import time

import cv2
import numpy as np
import pytest
from synthetic_test_utils import SPLITS, load_json, read_labels

from mmrvos.datasets.synthetic import (
    SyntheticRVOSConfig,
    check_expressions,
    generate_video,
    resolve_expression,
)


def test_motion_expressions_have_identical_distractors(synthetic_root, small_cfg):
    checked = 0
    for split in SPLITS:
        scenes = load_json(synthetic_root, split, 'synthetic_scenes.json')['videos']
        expressions = load_json(synthetic_root, 'meta_expressions', split, 'meta_expressions.json')['videos']
        for video, scene in scenes.items():
            objects = scene['objects']
            look = lambda i: tuple(objects[i][k] for k in ('shape', 'colour', 'size', 'texture', 'radius'))
            for exp_id, spec in scene['expressions'].items():
                assert spec['text'] == expressions[video]['expressions'][exp_id]['exp']
                same = [i for i in objects if i != spec['obj_id'] and look(i) == look(spec['obj_id'])]
                assert sorted(spec['distractors']) == sorted(same)
                assert bool(same) == (spec['kind'] == 'motion')
                if spec['kind'] != 'motion':
                    continue
                checked += 1
                # same look in the pixels too: the twins' mean colours agree
                colours = []
                for obj_id in [spec['obj_id']] + same:
                    pixels = []
                    for frame in expressions[video]['frames']:
                        mask = read_labels(synthetic_root, split, video, frame) == int(obj_id)
                        mask = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
                        path = osp.join(synthetic_root, split, 'JPEGImages', video, f'{frame}.jpg')
                        pixels.append(cv2.imread(path)[mask])
                    colours.append(np.concatenate(pixels).mean(0))
                assert np.abs(colours[0] - colours[1]).max() < 25, (video, exp_id, colours)
    assert checked >= 12


def test_generated_videos_pass_the_in_code_check(small_cfg):
    for index in range(6):
        video = generate_video(np.random.default_rng([11, index]), small_cfg)
        check_expressions(video.expressions, video.objects, small_cfg.unit)
        described = {e.obj_id for e in video.expressions}
        for obj in video.objects:
            twins = {o.obj_id for o in video.objects if o.appearance == obj.appearance}
            assert described & twins  # unique looks: an appearance expression; twin pairs: >= 1 motion
        for spec in video.expressions:
            assert resolve_expression(spec.text, video.objects, small_cfg.unit) == [spec.obj_id]


def test_restricted_motion_phrases(small_cfg):
    cfg = SyntheticRVOSConfig(num_frames=(10, 14), motion_phrases=('still', 'moves_left', 'moves_right'))
    for index in range(4):
        video = generate_video(np.random.default_rng([12, index]), cfg)
        motions = [e.motion for e in video.expressions if e.kind == 'motion']
        assert motions and set(motions) <= set(cfg.motion_phrases)
    with pytest.raises(ValueError, match='dances'):
        SyntheticRVOSConfig(motion_phrases=('still', 'dances'))


def test_check_expressions_rejects_an_ambiguous_sentence(small_cfg):
    video = generate_video(np.random.default_rng(5), small_cfg)
    motion = next(e for e in video.expressions if e.kind == 'motion')
    motion.text = motion.text.split(' that ')[0]  # without its motion phrase it matches the twin too
    with pytest.raises(ValueError, match='selects objects'):
        check_expressions(video.expressions, video.objects, small_cfg.unit)


def test_generation_is_fast():
    cfg = SyntheticRVOSConfig()  # the default size: 96x160, 12-24 frames
    start = time.perf_counter()
    for index in range(20):
        generate_video(np.random.default_rng([0, index]), cfg)
    assert time.perf_counter() - start < 10  # about 0.5 s on one core; generous for a loaded CI machine
