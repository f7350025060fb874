# Copyright (c) mmrvos contributors. All rights reserved.
"""Helpers of the synthetic benchmark tests: JSON, file lists, label maps, hand-made objects."""
import json
import os
import os.path as osp

import numpy as np
from PIL import Image

from mmrvos.datasets.synthetic import SyntheticObject

SPLITS = ('train', 'valid')


def load_json(root, *parts):
    with open(osp.join(root, *parts)) as f:
        return json.load(f)


def list_files(root):
    return sorted(osp.relpath(osp.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def read_labels(root, split, video, frame):
    png = Image.open(osp.join(root, split, 'Annotations', video, f'{frame}.png'))
    assert png.mode == 'P', f'{video}/{frame}.png is {png.mode}, not a palette PNG'
    return np.array(png)


def make_object(obj_id, shape, colour, centres, depth, radius=10, texture='plain', size='large'):
    return SyntheticObject(obj_id, shape, colour, size, texture, radius, depth, 'linear', None,
                           np.asarray(centres, np.float64))
