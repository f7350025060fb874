# Copyright (c) mmrvos contributors. All rights reserved.
"""Appearance: the values of the four attributes of an object's look (shape, colour with its RGB, size
with its radius range, texture) and the order of the adjectives in a sentence."""
SHAPES = ('circle', 'square', 'triangle', 'diamond', 'star', 'cross')
COLOURS = {
    'red': (220, 40, 40), 'green': (40, 170, 60), 'blue': (40, 90, 230), 'yellow': (235, 215, 40),
    'purple': (150, 60, 200), 'orange': (245, 135, 30), 'white': (240, 240, 240)
}
SIZES = {'small': (8.0, 10.0), 'large': (13.0, 16.0)}  # radius in pixels at a frame height of 96
TEXTURES = ('plain', 'striped', 'checkered')
ADJECTIVES = ('size', 'texture', 'colour')  # the order of the adjectives in a sentence
