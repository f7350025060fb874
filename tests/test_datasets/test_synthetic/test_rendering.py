# Copyright (c) mmrvos contributors. All rights reserved.
"""mmrvos.datasets.synthetic.rendering: sprites and masks under occlusion."""
import numpy as np
from synthetic_test_utils import make_object

from mmrvos.datasets.synthetic import object_sprite, render_video


def test_masks_are_the_visible_pixels_under_occlusion():
    background = np.full((96, 160, 3), 77, np.uint8)
    back = make_object(1, 'square', 'red', [[50, 40], [60, 40]], depth=0, radius=12, texture='striped')
    front = make_object(2, 'circle', 'blue', [[62, 44], [62, 44]], depth=1, radius=10)
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
