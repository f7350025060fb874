# Copyright (c) mmrvos contributors. All rights reserved.
"""The synthetic benchmark generator: determinism, on-disk format, expression semantics, masks."""
import filecmp
import json
import os
import os.path as osp
import time

import cv2
import numpy as np
import pytest
from PIL import Image

from mmrvos.datasets.synthetic_generator import (
    COLOURS,
    DIRECTIONS,
    EXPRESSION_KINDS,
    RELATIVE_PHRASES,
    ExpressionSpec,
    SyntheticObject,
    SyntheticRVOSConfig,
    all_sentences,
    check_expressions,
    davis_palette,
    generate_dataset,
    generate_video,
    make_expressions,
    motion_facts,
    object_sprite,
    parse_expression,
    render_video,
    resolve_expression,
    shape_mask,
    vocabulary,
)

SPLITS = ('train', 'valid')


def _load(root, *parts):
    with open(osp.join(root, *parts)) as f:
        return json.load(f)


def _files(root):
    return sorted(osp.relpath(osp.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def _labels(root, split, video, frame):
    png = Image.open(osp.join(root, split, 'Annotations', video, f'{frame}.png'))
    assert png.mode == 'P', f'{video}/{frame}.png is {png.mode}, not a palette PNG'
    return np.array(png)


def _object(obj_id, shape, colour, centres, depth, radius=10, texture='plain', size='large'):
    return SyntheticObject(obj_id, shape, colour, size, texture, radius, depth, 'linear', None,
                           np.asarray(centres, np.float64))


# --------------------------------------------------------------------------------------- determinism
def test_same_seed_same_bytes_and_videos_independent_of_counts(tmp_path, small_cfg):
    a, b, c, d = (str(tmp_path / name) for name in 'abcd')
    generate_dataset(a, num_train=3, num_valid=1, seed=7, cfg=small_cfg)
    generate_dataset(b, num_train=3, num_valid=1, seed=7, cfg=small_cfg)
    files = _files(a)
    assert files == _files(b) and len(files) > 50
    _, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert not mismatch and not errors

    # one more training video: the first three are unchanged, byte for byte
    generate_dataset(c, num_train=4, num_valid=1, seed=7, cfg=small_cfg)
    media = [f for f in files if f.endswith(('.jpg', '.png'))]
    _, mismatch, errors = filecmp.cmpfiles(a, c, media, shallow=False)
    assert not mismatch and not errors
    assert any('train_0003' in f for f in _files(c))

    # another seed: other videos
    generate_dataset(d, num_train=3, num_valid=1, seed=8, cfg=small_cfg)
    _, mismatch, _ = filecmp.cmpfiles(a, d, [f for f in media if f in set(_files(d))], shallow=False)
    assert mismatch


# -------------------------------------------------------------------------------------------- format
@pytest.mark.parametrize('split', SPLITS)
def test_ref_youtube_vos_layout(synthetic_root, small_cfg, split):
    root = synthetic_root
    expressions = _load(root, 'meta_expressions', split, 'meta_expressions.json')['videos']
    meta = _load(root, split, 'meta.json')['videos']
    kinds = _load(root, 'meta_expressions', split, 'expression_kinds.json')
    assert _load(root, 'meta_expressions', 'test', 'meta_expressions.json') == {'videos': {}}
    assert sorted(expressions) == sorted(meta) == sorted(os.listdir(osp.join(root, split, 'JPEGImages')))
    assert sorted(expressions) == sorted(os.listdir(osp.join(root, split, 'Annotations')))
    assert len(expressions) == {'train': 8, 'valid': 4}[split]
    assert kinds['kinds'] == list(EXPRESSION_KINDS)
    for video, entry in expressions.items():
        assert set(entry) == {'expressions', 'frames'}
        frames = entry['frames']
        assert frames == [f'{t * small_cfg.frame_step:05d}' for t in range(len(frames))]
        assert small_cfg.num_frames[0] <= len(frames) <= small_cfg.num_frames[1]
        for sub, ext in (('JPEGImages', '.jpg'), ('Annotations', '.png')):
            assert sorted(os.listdir(osp.join(root, split, sub, video))) == [f + ext for f in frames]
        objects = meta[video]['objects']
        assert sorted(objects, key=int) == [str(i) for i in range(1, len(objects) + 1)]
        seen = {obj_id: [] for obj_id in objects}
        for frame in frames:
            image = cv2.imread(osp.join(root, split, 'JPEGImages', video, f'{frame}.jpg'))
            assert image.shape == (small_cfg.height, small_cfg.width, 3)
            labels = _labels(root, split, video, frame)
            assert labels.shape == image.shape[:2] and labels.dtype == np.uint8
            ids = set(np.unique(labels).tolist()) - {0}
            assert ids <= {int(i) for i in objects}
            for obj_id in ids:
                seen[str(obj_id)].append(frame)
        for obj_id, obj in objects.items():
            assert obj['frames'] == seen[obj_id] and len(obj['frames']) >= 3
            assert obj['category'] in ('circle', 'square', 'triangle', 'diamond', 'star', 'cross')
        assert entry['expressions'] and kinds['videos'][video].keys() == entry['expressions'].keys()
        for exp_id, exp in entry['expressions'].items():
            assert set(exp) == {'exp', 'obj_id', 'kind'} and exp['obj_id'] in objects
            assert exp['exp'] == ' '.join(exp['exp'].lower().split())  # already clean
            assert exp['kind'] == kinds['videos'][video][exp_id] and exp['kind'] in EXPRESSION_KINDS
    palette = Image.open(osp.join(root, split, 'Annotations', video, '00000.png')).getpalette()
    assert tuple(palette[:9]) == davis_palette()[:9] == (0, 0, 0, 128, 0, 0, 0, 128, 0)


def test_both_kinds_and_vocabulary(synthetic_root):
    vocab = open(osp.join(synthetic_root, 'vocab.txt')).read().split()
    assert vocab == vocabulary() and {'left', 'circle', 'striped', 'appears', 'stops'} <= set(vocab)
    assert open(osp.join(synthetic_root, 'sentences.txt')).read().splitlines() == all_sentences()
    counts = _load(synthetic_root, 'synthetic_info.json')['counts']
    for split in SPLITS:
        expressions = _load(synthetic_root, 'meta_expressions', split, 'meta_expressions.json')['videos']
        texts = [e['exp'] for v in expressions.values() for e in v['expressions'].values()]
        assert set(w for t in texts for w in t.split()) <= set(vocab)
        found = [e['kind'] for v in expressions.values() for e in v['expressions'].values()]
        for kind in EXPRESSION_KINDS:
            assert found.count(kind) == counts[split][kind]
        assert min(found.count(k) for k in EXPRESSION_KINDS) >= len(expressions)  # >= 1 of each per video


# ------------------------------------------------------------------------------------------ semantics
def test_motion_expressions_have_identical_distractors(synthetic_root, small_cfg):
    checked = 0
    for split in SPLITS:
        scenes = _load(synthetic_root, split, 'synthetic_scenes.json')['videos']
        expressions = _load(synthetic_root, 'meta_expressions', split, 'meta_expressions.json')['videos']
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
                        mask = _labels(synthetic_root, split, video, frame) == int(obj_id)
                        mask = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
                        path = osp.join(synthetic_root, split, 'JPEGImages', video, f'{frame}.jpg')
                        pixels.append(cv2.imread(path)[mask])
                    colours.append(np.concatenate(pixels).mean(0))
                assert np.abs(colours[0] - colours[1]).max() < 25, (video, exp_id, colours)
    assert checked >= 12


def test_expressions_unambiguous_from_written_annotations(synthetic_root):
    """Re-resolve every sentence from the text and the written scene description alone."""
    for split in SPLITS:
        scenes = _load(synthetic_root, split, 'synthetic_scenes.json')['videos']
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


def test_borderline_phrases_are_never_used():
    t = np.arange(12, dtype=np.float64)
    medium = _object(1, 'circle', 'red', np.stack([100 - 1.8 * t, np.full(12, 30.0)], 1), 0)  # 1.8 px/frame
    still = _object(2, 'circle', 'red', np.tile([40.0, 70.0], (12, 1)), 1)
    render_video([medium, still], np.zeros((96, 160, 3), np.uint8), np.random.default_rng(0))
    assert resolve_expression('the circle that moves left quickly', [medium, still]) == [1]  # only borderline
    with pytest.raises(ValueError, match='borderline'):
        check_expressions([ExpressionSpec('the circle that moves left quickly', 1, 'motion', 'circle')],
                          [medium, still])
    check_expressions([ExpressionSpec('the circle that moves left', 1, 'motion', 'circle')], [medium, still])
    expressions = make_expressions(np.random.default_rng(0), [medium, still])
    assert all('quickly' not in e.text and 'slowly' not in e.text for e in expressions)
    assert {e.obj_id for e in expressions} == {1, 2} and all(e.distractors for e in expressions)


def test_parse_expression_errors_name_the_sentence():
    assert parse_expression('the small striped red circle that moves left and then stops') == (
        'circle', {'size': 'small', 'texture': 'striped', 'colour': 'red'}, 'moves_left_then_stops')
    for bad in ('a red circle', 'the red', 'the red red circle', 'the circle that dances'):
        with pytest.raises(ValueError, match=bad):
            parse_expression(bad)


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
        obj = _object(1, 'circle', 'red', centres, 0)
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
        scenes = _load(synthetic_root, split, 'synthetic_scenes.json')['videos']
        expressions = _load(synthetic_root, 'meta_expressions', split, 'meta_expressions.json')['videos']
        for video, scene in scenes.items():
            for spec in scene['expressions'].values():
                if spec['kind'] != 'motion' or spec['motion'] in ('enters', 'leaves') + RELATIVE_PHRASES:
                    continue
                obj = scene['objects'][spec['obj_id']]
                full_area = shape_mask(obj['shape'], obj['radius']).sum()
                centres = []
                for frame in expressions[video]['frames']:
                    ys, xs = np.nonzero(_labels(synthetic_root, split, video, frame) == int(spec['obj_id']))
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


# -------------------------------------------------------------------------------------------- pixels
def test_masks_are_the_visible_pixels_under_occlusion():
    background = np.full((96, 160, 3), 77, np.uint8)
    back = _object(1, 'square', 'red', [[50, 40], [60, 40]], depth=0, radius=12, texture='striped')
    front = _object(2, 'circle', 'blue', [[62, 44], [62, 44]], depth=1, radius=10)
    frames, labels = render_video([front, back], background, np.random.default_rng(0))
    for t in range(2):
        sprites = {}
        for obj in (back, front):
            full = np.zeros((96, 160), bool)
            mask, rgb = object_sprite(obj)
            cx, cy = (int(v) for v in obj.centres[t])
            full[cy - obj.radius:cy + obj.radius + 1, cx - obj.radius:cx + obj.radius + 1] = mask
            colours = np.zeros((96, 160, 3), np.uint8)
            colours[cy - obj.radius:cy + obj.radius + 1, cx - obj.radius:cx + obj.radius + 1] = rgb
            sprites[obj.obj_id] = full, colours
        np.testing.assert_array_equal(labels[t] == 2, sprites[2][0])
        np.testing.assert_array_equal(labels[t] == 1, sprites[1][0] & ~sprites[2][0])  # hidden part removed
        assert (sprites[1][0] & sprites[2][0]).sum() > 20  # the test really has an occlusion
        for obj_id, (_, colours) in sprites.items():
            np.testing.assert_array_equal(frames[t][labels[t] == obj_id], colours[labels[t] == obj_id])
        assert (frames[t][labels[t] == 0] == 77).all()
    np.testing.assert_array_equal(back.visible_area, (labels == 1).sum((1, 2)))
    assert (back.visible_area < back.area).all() and (front.visible_area == front.area).all()


def test_written_masks_align_with_jpeg_pixels(synthetic_root):
    """Inside each (eroded) mask the JPEG has the object's colour: masks and frames are aligned."""
    scenes = _load(synthetic_root, 'train', 'synthetic_scenes.json')['videos']
    checked = 0
    for video, scene in scenes.items():
        for obj_id, obj in scene['objects'].items():
            if obj['texture'] != 'plain':
                continue
            labels = _labels(synthetic_root, 'train', video, '00000')
            mask = cv2.erode((labels == int(obj_id)).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
            if mask.sum() < 10:
                continue
            image = cv2.imread(osp.join(synthetic_root, 'train', 'JPEGImages', video, '00000.jpg'))[..., ::-1]
            assert np.abs(image[mask].mean(0) - COLOURS[obj['colour']]).max() < 20, (video, obj_id)
            checked += 1
    assert checked >= 3


# --------------------------------------------------------------------------------------- config, speed
def test_config_errors():
    for bad in (dict(num_frames=(4, 10)), dict(num_frames=(20, 10)), dict(num_objects=(2, 4)),
                dict(num_twin_pairs=(0, 1)), dict(height=20)):
        with pytest.raises(ValueError):
            SyntheticRVOSConfig(**bad)
    with pytest.raises(ValueError, match='seed'):
        generate_dataset('unused', seed=-1)


def test_generation_is_fast():
    cfg = SyntheticRVOSConfig()  # the default size: 96x160, 12-24 frames
    start = time.perf_counter()
    for index in range(20):
        generate_video(np.random.default_rng([0, index]), cfg)
    assert time.perf_counter() - start < 10  # about 0.5 s on one core; generous for a loaded CI machine
