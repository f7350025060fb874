# Copyright (c) mmrvos contributors. All rights reserved.
"""Tiny Mini-Ref-YouTube-VOS and Mini-Ref-SAIL-VOS trees in the paths the official CMA code reads.

Frame ``i`` of every video is a uniform grey ``30 + 20 * (i % 10)`` with a white bar on its 3 leftmost columns
(as tools/misc/make_test_fixtures.py); object 1 is a rectangle on the left, object 2 one on the right.
"""
import json
import os
import os.path as osp
from pathlib import Path

import numpy as np
from PIL import Image

#: Mini-Ref-YouTube-VOS videos: video -> (category, number of frames, frame (H, W), object ids).
#: Fold 1 tests hat (1) and hedgehog (13, a single video) and trains on lion (14), tiger (23) and person (48).
YTVOS_VIDEOS = {
    'hat_a': ('hat', 6, (32, 48), (1, 2)),
    'hat_b': ('hat', 7, (32, 48), (1, )),
    'hat_c': ('hat', 8, (40, 56), (1, )),
    'hedgehog_a': ('hedgehog', 6, (32, 48), (1, )),
    'lion_a': ('lion', 6, (32, 48), (1, )),
    'lion_b': ('lion', 8, (40, 56), (1, 2)),
    'tiger_a': ('tiger', 3, (32, 48), (1, )),  # shorter than a 5-frame clip
    'tiger_b': ('tiger', 7, (32, 48), (1, )),
    'person_a': ('person', 6, (32, 48), (1, )),
    'person_b': ('person', 6, (32, 48), (1, )),
}
#: Mini-Ref-SAIL-VOS videos (single object 1, whose mask PNG uses the values 1 and 2).
SAIL_VIDEOS = {
    'dog_a': ('dog', 6, (32, 48), (1, )),
    'dog_b': ('dog', 6, (32, 48), (1, )),
    'car_a': ('car', 7, (32, 48), (1, )),
    'car_b': ('car', 6, (40, 56), (1, )),
    'person_a': ('person', 6, (32, 48), (1, )),
}
BOXES = {1: (8, 20, 4, 16), 2: (4, 12, 30, 44)}  # object id -> (y1, y2, x1, x2)


def frame_value(index: int) -> int:
    return 30 + 20 * (index % 10)


def frame_names(num_frames: int):
    return [f'{5 * i:05d}' for i in range(num_frames)]


def expressions_of(video: str, obj_ids) -> dict:
    """Two expressions of object 1 (one with "left"), one of each other object; ids "0".."n-1"."""
    sentences = [(1, f'the {video} on the left'), (1, f'the {video} that moves')]
    sentences += [(obj, f'the other {video} object {obj}') for obj in obj_ids[1:]]
    return {str(i): dict(exp=text, obj_id=str(obj)) for i, (obj, text) in enumerate(sentences)}


def _write_tree(videos: dict, img_dir: Path, ann_dir: Path, meta_file: Path, exp_file: Path, img_ext: str,
                sail_values: bool) -> None:
    metas, expressions = {}, {}
    for video, (category, num_frames, (h, w), obj_ids) in videos.items():
        names = frame_names(num_frames)
        os.makedirs(img_dir / video, exist_ok=True)
        os.makedirs(ann_dir / video, exist_ok=True)
        for i, name in enumerate(names):
            img = np.full((h, w, 3), frame_value(i), np.uint8)
            img[:, :3] = 255
            Image.fromarray(img).save(img_dir / video / (name + img_ext))
            ids = np.zeros((h, w), np.uint8)
            for obj in obj_ids:
                y1, y2, x1, x2 = BOXES[obj]
                ids[y1:y2, x1:x2] = obj
            if sail_values:  # SAIL-VOS masks: other values than 1 on the object (clipped to 1 by the loader)
                ids[ids > 0] = 1
                ids[BOXES[1][0]:BOXES[1][0] + 2, BOXES[1][2]:BOXES[1][3]] = 2
            png = Image.fromarray(ids, 'L')
            png.putpalette([0, 0, 0, 236, 95, 103, 249, 145, 87] + [0] * (256 * 3 - 9))
            png.save(ann_dir / video / (name + '.png'))
        metas[video] = dict(objects={str(o): dict(category=category, frames=names) for o in obj_ids})
        expressions[video] = dict(frames=names, expressions=expressions_of(video, obj_ids))
    for path, content in ((meta_file, metas), (exp_file, expressions)):
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(dict(videos=content), f, indent=1)


def make_mini_ref_ytvos(data_path: Path, videos: dict = YTVOS_VIDEOS) -> Path:
    """``<data_path>/data/mini-ref-youtube-vos`` as the official ``datasets/ref_ytvos.py`` reads it."""
    root = Path(data_path) / 'data' / 'mini-ref-youtube-vos'
    train = root / 'train'
    _write_tree(videos, train / 'JPEGImages', train / 'Annotations', train / 'meta.json',
                root / 'meta_expressions' / 'train' / 'meta_expressions.json', '.jpg', False)
    return root


def make_mini_ref_sailvos(data_path: Path, videos: dict = SAIL_VIDEOS) -> Path:
    """``<data_path>/data/mini-SAIL-VOS`` as the official ``datasets/ref_sailvos.py`` reads it."""
    root = Path(data_path) / 'data' / 'mini-SAIL-VOS'
    _write_tree(videos, root / 'Images', root / 'Annotations', root / 'meta.json',
                root / 'meta_expressions.json', '.bmp', True)
    return root
