# Copyright (c) mmrvos contributors. All rights reserved.
"""projects/synthetic_rvos: probe_object_features.py (ridge probes, pooling) and grounding_bound.py
(attribute oracles, the small grounding model on a generated dataset)."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch

from mmrvos.testing import load_script


def _load(name):
    return load_script(f'projects/synthetic_rvos/{name}.py')


def test_probe_object_features_ridge_probe_and_pooling():
    probe = _load('probe_object_features')
    rng = np.random.default_rng(0)
    labels = ['red', 'green', 'blue']
    train_y = [labels[i % 3] for i in range(60)]
    test_y = [labels[i % 3] for i in range(30)]
    # the label is one coordinate among noise: perfectly decodable
    codes = {'red': 0.0, 'green': 1.0, 'blue': 2.0}
    train_x = np.c_[[codes[y] for y in train_y], rng.normal(size=(60, 5))]
    test_x = np.c_[[codes[y] for y in test_y], rng.normal(size=(30, 5))]
    onehot = lambda ys: np.eye(3)[[labels.index(y) for y in ys]]  # noqa: E731
    acc, majority = probe.ridge_probe(np.c_[onehot(train_y), train_x], train_y,
                                      np.c_[onehot(test_y), test_x], test_y, alpha=1.0)
    assert acc == 1.0 and majority == pytest.approx(1 / 3)
    # pure noise: no better than a coin
    acc, _ = probe.ridge_probe(rng.normal(size=(60, 6)), train_y, rng.normal(size=(30, 6)), test_y)
    assert acc < 0.7
    # pooling averages a map over the mask's pixels, at the map's resolution
    fmap = torch.zeros(2, 1, 4, 4)
    fmap[:, :, :2, :2] = 3.0
    mask = torch.zeros(2, 8, 8)
    mask[:, :4, :4] = 1
    assert probe.pool(fmap, mask) == pytest.approx([3.0])
    mask[:, :4, :8] = 1  # half inside the 3s, half outside
    assert probe.pool(fmap, mask) == pytest.approx([1.5])


def _scene(objects, expressions):
    """A synthetic_scenes.json video: objects {id: (shape, colour, facts)}, expressions as written."""
    objs = {i: dict(shape=shape, colour=colour, size='large', texture='plain', facts=facts)
            for i, (shape, colour, facts) in objects.items()}
    return dict(objects=objs, expressions={str(k): e for k, e in enumerate(expressions)})


def test_grounding_bound_attribute_oracles():
    bound = _load('grounding_bound')
    objects = {'1': ('circle', 'red', ['still']), '2': ('circle', 'red', ['moves_left']),
               '3': ('square', 'red', ['moves_left']), '4': ('circle', 'blue', ['?moves_left'])}
    motion = dict(text='the red circle that moves left', obj_id='2', kind='motion', shape='circle',
                  attributes={'colour': 'red'}, motion='moves_left', distractors=['1'])
    appearance = dict(text='the square', obj_id='3', kind='appearance', shape='square', attributes={},
                      motion=None, distractors=[])
    scenes = {'v': _scene(objects, [motion, appearance])}
    cands = bound.oracle_candidates(scenes['v']['objects'], motion, bound.ORACLES['all'])
    assert cands == ['2']
    # without the colour, the blue circle's borderline "moves left" keeps it a candidate
    assert bound.oracle_candidates(scenes['v']['objects'], motion, ('shape', 'motion')) == ['2', '4']
    assert bound.oracle_candidates(scenes['v']['objects'], motion, ('shape', 'colour')) == ['1', '2']
    relative = dict(motion, motion='appears_first')
    assert bound.oracle_candidates(scenes['v']['objects'], relative, ('colour', 'motion')) == ['2']
    acc = {name: bound.oracle_accuracy(scenes, known) for name, known in bound.ORACLES.items()}
    assert acc['all'] == {'appearance': 1.0, 'motion': 1.0}
    assert acc['none'] == {'appearance': 0.25, 'motion': 0.25}
    assert acc['no shape'] == {'appearance': 0.25, 'motion': 0.5}  # red: 1-3, of which 2 and 3 move left
    assert acc['shape only'] == {'appearance': 1.0, 'motion': pytest.approx(1 / 3)}
    bad = {'v': _scene(objects, [dict(appearance, kind='colour')])}
    with pytest.raises(ValueError, match='video v expression 0: unknown kind'):
        bound.oracle_accuracy(bad, ())


def test_grounding_bound_trains_on_a_generated_dataset(tmp_path, capsys):
    from mmrvos.datasets.synthetic import SyntheticRVOSConfig, generate_dataset
    bound = _load('grounding_bound')
    root = str(tmp_path / 'data')
    generate_dataset(root, num_train=4, num_valid=2, seed=3, cfg=SyntheticRVOSConfig(num_frames=(8, 8)))
    out = str(tmp_path / 'bound.json')
    for encoder in ('spatial', 'pooled'):
        assert bound.main([root, '--steps', '3', '--eval-interval', '2', '--videos-per-step', '2',
                           '--encoder', encoder, '--json', out]) == 0
        result = json.load(open(out))
        assert result['oracles']['all'] == {'appearance': 1.0, 'motion': 1.0}
        curve = result['grounding']['curve']
        assert [row['step'] for row in curve] == [2, 3] and result['grounding']['encoder'] == encoder
        assert all(0.0 <= row['test'][kind] <= 1.0 for row in curve for kind in ('appearance', 'motion'))
        assert result['grounding']['num_train_videos'] == 4
    train = bound.load_objects(root, 'train', bound.read_scenes(root, 'train'), None)
    video = train[0]
    assert video['crops'].shape[1:] == (8, 3, 32, 32) and video['crops'].dtype == torch.uint8
    # every object of a generated video is visible in some frame
    assert (video['tracks'][..., 2].sum(1) > 0).all()
    assert 'attribute oracles on valid' in capsys.readouterr().out
    os.remove(osp.join(root, 'valid', 'synthetic_scenes.json'))
    with pytest.raises(FileNotFoundError, match='synthetic_scenes.json not found'):
        bound.main([root, '--steps', '0'])


def test_chance_jf(tmp_path):
    """chance_jf.py: with 3 objects that rarely overlap, a random object's masks score J about 1/3."""
    from mmrvos.datasets.synthetic import SyntheticRVOSConfig, generate_dataset
    chance = _load('chance_jf')
    root = str(tmp_path / 'data')
    generate_dataset(root, num_train=1, num_valid=3, seed=3,
                     cfg=SyntheticRVOSConfig(num_frames=(8, 8), num_objects=(3, 3)))
    out = str(tmp_path / 'chance.json')
    assert chance.main([root, '--json', out]) == 0
    table = json.load(open(out))
    kinds = json.load(open(osp.join(root, 'meta_expressions', 'valid', 'expression_kinds.json')))['videos']
    assert table['all']['num_expressions'] == sum(len(e) for e in kinds.values())
    assert sum(table[k]['num_expressions'] for k in ('appearance', 'motion') if k in table) == \
        table['all']['num_expressions']
    assert 1 / 3 <= table['all']['J'] < 0.4
    assert table['all']['J&F'] == pytest.approx((table['all']['J'] + table['all']['F']) / 2)
    os.remove(osp.join(root, 'valid', 'meta.json'))
    with pytest.raises(FileNotFoundError, match='meta.json not found'):
        chance.chance_jf(root)
