# Copyright (c) mmrvos contributors. All rights reserved.
"""mmrvos.datasets.synthetic.writing: determinism and the Ref-YouTube-VOS files on disk."""
import filecmp
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from PIL import Image
from synthetic_test_utils import SPLITS, list_files, load_json, read_labels

from mmrvos.datasets.synthetic import (
    COLOURS,
    EXPRESSION_KINDS,
    all_sentences,
    generate_dataset,
    vocabulary,
)
from mmrvos.utils import davis_palette


def test_same_seed_same_bytes_and_videos_independent_of_counts(tmp_path, small_cfg):
    a, b, c, d = (str(tmp_path / name) for name in 'abcd')
    generate_dataset(a, num_train=3, num_valid=1, seed=7, cfg=small_cfg)
    generate_dataset(b, num_train=3, num_valid=1, seed=7, cfg=small_cfg)
    files = list_files(a)
    assert files == list_files(b) and len(files) > 50
    _, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert not mismatch and not errors

    # one more training video: the first three are unchanged, byte for byte
    generate_dataset(c, num_train=4, num_valid=1, seed=7, cfg=small_cfg)
    media = [f for f in files if f.endswith(('.jpg', '.png'))]
    _, mismatch, errors = filecmp.cmpfiles(a, c, media, shallow=False)
    assert not mismatch and not errors
    assert any('train_0003' in f for f in list_files(c))

    # another seed: other videos
    generate_dataset(d, num_train=3, num_valid=1, seed=8, cfg=small_cfg)
    _, mismatch, _ = filecmp.cmpfiles(a, d, [f for f in media if f in set(list_files(d))], shallow=False)
    assert mismatch


@pytest.mark.parametrize('split', SPLITS)
def test_ref_youtube_vos_layout(synthetic_root, small_cfg, split):
    root = synthetic_root
    expressions = load_json(root, 'meta_expressions', split, 'meta_expressions.json')['videos']
    meta = load_json(root, split, 'meta.json')['videos']
    kinds = load_json(root, 'meta_expressions', split, 'expression_kinds.json')
    assert load_json(root, 'meta_expressions', 'test', 'meta_expressions.json') == {'videos': {}}
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
            labels = read_labels(root, split, video, frame)
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
    assert palette == davis_palette().reshape(-1).tolist()
    assert tuple(palette[:9]) == (0, 0, 0, 128, 0, 0, 0, 128, 0)


def test_both_kinds_and_vocabulary(synthetic_root):
    vocab = open(osp.join(synthetic_root, 'vocab.txt')).read().split()
    assert vocab == vocabulary() and {'left', 'circle', 'striped', 'appears', 'stops'} <= set(vocab)
    assert open(osp.join(synthetic_root, 'sentences.txt')).read().splitlines() == all_sentences()
    counts = load_json(synthetic_root, 'synthetic_info.json')['counts']
    for split in SPLITS:
        expressions = load_json(synthetic_root, 'meta_expressions', split, 'meta_expressions.json')['videos']
        texts = [e['exp'] for v in expressions.values() for e in v['expressions'].values()]
        assert set(w for t in texts for w in t.split()) <= set(vocab)
        found = [e['kind'] for v in expressions.values() for e in v['expressions'].values()]
        for kind in EXPRESSION_KINDS:
            assert found.count(kind) == counts[split][kind]
        assert min(found.count(k) for k in EXPRESSION_KINDS) >= len(expressions)  # >= 1 of each per video


def test_written_masks_align_with_jpeg_pixels(synthetic_root):
    """Inside each (eroded) mask the JPEG has the object's colour: masks and frames are aligned."""
    scenes = load_json(synthetic_root, 'train', 'synthetic_scenes.json')['videos']
    checked = 0
    for video, scene in scenes.items():
        for obj_id, obj in scene['objects'].items():
            if obj['texture'] != 'plain':
                continue
            labels = read_labels(synthetic_root, 'train', video, '00000')
            mask = cv2.erode((labels == int(obj_id)).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
            if mask.sum() < 10:
                continue
            image = cv2.imread(osp.join(synthetic_root, 'train', 'JPEGImages', video, '00000.jpg'))[..., ::-1]
            assert np.abs(image[mask].mean(0) - COLOURS[obj['colour']]).max() < 20, (video, obj_id)
            checked += 1
    assert checked >= 3


def test_generate_dataset_rejects_a_negative_seed():
    with pytest.raises(ValueError, match='seed'):
        generate_dataset('unused', seed=-1)
