# Copyright (c) mmrvos contributors. All rights reserved.
import numpy as np
import torch
from mmdet.structures.mask import BitmapMasks, PolygonMasks

from mmrvos.utils import masks_to_numpy


def _box_masks() -> np.ndarray:
    masks = np.zeros((2, 6, 8), dtype=np.uint8)
    masks[0, 1:3, 2:5] = 1
    masks[1, 4:6, 0:8] = 3  # any nonzero value is foreground
    return masks


def test_masks_to_numpy_from_each_container():
    expected = _box_masks() > 0
    containers = [_box_masks(), _box_masks().tolist(), BitmapMasks(_box_masks(), 6, 8),
                  torch.from_numpy(_box_masks()).float().requires_grad_()]
    for masks in containers:
        out = masks_to_numpy(masks)
        assert out.dtype == bool and out.shape == (2, 6, 8)
        assert np.array_equal(out, expected), type(masks)


def test_masks_to_numpy_rasterises_polygons():
    polygon = [[np.array([2., 1., 6., 1., 6., 5., 2., 5.])]]  # the square x 2..6, y 1..5
    out = masks_to_numpy(PolygonMasks(polygon, 8, 10))
    assert out.shape == (1, 8, 10) and out.dtype == bool
    assert out[0, 3, 4] and not out[0, 7, 9] and not out[0, 0, 0]
