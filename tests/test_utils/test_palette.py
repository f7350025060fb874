# Copyright (c) mmrvos contributors. All rights reserved.
import numpy as np
import pytest

from mmrvos.utils import davis_palette


def _voc_colour(index: int) -> tuple:
    """The colour of ``index`` from the definition of the PASCAL VOC / DAVIS map, read in base 8.

    The ``b``-th octal digit of the id (its bits ``3b``, ``3b + 1``, ``3b + 2``) gives bit ``7 - b`` of R, G
    and B respectively.
    """
    rgb, value = [0, 0, 0], 128
    while index:
        index, digit = divmod(index, 8)
        for channel in range(3):
            if digit & (1 << channel):
                rgb[channel] += value
        value //= 2
    return tuple(rgb)


def test_known_colours():
    palette = davis_palette()
    assert palette.shape == (256, 3) and palette.dtype == np.uint8
    known = {0: (0, 0, 0), 1: (128, 0, 0), 2: (0, 128, 0), 3: (128, 128, 0), 4: (0, 0, 128),
             7: (128, 128, 128), 8: (64, 0, 0), 9: (192, 0, 0), 20: (0, 64, 128), 255: (224, 224, 192)}
    for index, colour in known.items():
        assert tuple(palette[index]) == colour == _voc_colour(index)


def test_flat_palette_is_the_png_palette_of_the_synthetic_generator():
    # the synthetic generator writes this flat 768-list into its PNGs (the argument of Image.putpalette)
    expected = tuple(c for index in range(256) for c in _voc_colour(index))
    assert len(expected) == 768
    assert tuple(davis_palette().reshape(-1).tolist()) == expected


def test_num_colors():
    assert np.array_equal(davis_palette(5), davis_palette()[:5])
    assert davis_palette(1).tolist() == [[0, 0, 0]]
    for bad in (0, 257):
        with pytest.raises(ValueError, match=f'got {bad}'):
            davis_palette(bad)
