# Copyright (c) mmrvos contributors. All rights reserved.
"""Rendering: object sprites, the cluttered background and the z-ordered compositing of a video with its
label maps."""
from typing import Sequence, Tuple

import cv2
import numpy as np

from .appearance import COLOURS, SHAPES, TEXTURES
from .structures import SyntheticObject


def shape_mask(shape: str, radius: int) -> np.ndarray:
    """Binary mask (2r+1, 2r+1) of a shape centred in its box, without anti-aliasing."""
    r, size = radius, 2 * radius + 1
    mask = np.zeros((size, size), np.uint8)
    if shape == 'circle':
        cv2.circle(mask, (r, r), r, 1, -1, lineType=cv2.LINE_8)
    elif shape == 'square':
        h = int(round(0.8 * r))
        mask[r - h:r + h + 1, r - h:r + h + 1] = 1
    elif shape == 'cross':
        h = max(1, int(round(0.3 * r)))
        mask[r - h:r + h + 1, :] = 1
        mask[:, r - h:r + h + 1] = 1
    else:
        if shape == 'triangle':
            pts = [(r, 0), (2 * r, 2 * r), (0, 2 * r)]
        elif shape == 'diamond':
            pts = [(r, 0), (2 * r, r), (r, 2 * r), (0, r)]
        elif shape == 'star':
            angles = -np.pi / 2 + np.arange(10) * np.pi / 5
            radii = np.where(np.arange(10) % 2 == 0, r, 0.45 * r)
            pts = np.stack([r + radii * np.cos(angles), r + 1 + radii * np.sin(angles)], 1)
        else:
            raise ValueError(f'unknown shape {shape!r}; known: {SHAPES}')
        cv2.fillPoly(mask, [np.round(np.asarray(pts)).astype(np.int32)], 1, lineType=cv2.LINE_8)
    return mask.astype(bool)


def object_sprite(obj: SyntheticObject) -> Tuple[np.ndarray, np.ndarray]:
    """The object's pixels: mask (S, S) bool and colours (S, S, 3) uint8 with S = 2 * radius + 1."""
    mask = shape_mask(obj.shape, obj.radius)
    base = np.array(COLOURS[obj.colour], np.float32)
    yy, xx = np.mgrid[:mask.shape[0], :mask.shape[1]]
    if obj.texture == 'plain':
        dark = np.zeros(mask.shape, bool)
    elif obj.texture == 'striped':
        dark = ((xx + yy) // max(2, obj.radius // 3)) % 2 == 1
    elif obj.texture == 'checkered':
        cell = max(2, obj.radius // 3)
        dark = ((xx // cell) + (yy // cell)) % 2 == 1
    else:
        raise ValueError(f'unknown texture {obj.texture!r}; known: {TEXTURES}')
    rgb = np.where(dark[..., None], 0.45 * base, base)
    return mask, np.round(rgb).astype(np.uint8)


def render_background(rng: np.random.Generator, height: int, width: int, num_clutter: int) -> np.ndarray:
    """A static cluttered background (H, W, 3) uint8: smooth colour noise and faint random strokes."""
    base = rng.uniform(80, 150) + rng.normal(0, 12, size=3)  # a muted colour
    grid = (height // 16 + 2, width // 16 + 2)
    coarse = rng.normal(0, 16, size=grid + (1, )) + rng.normal(0, 5, size=grid + (3, ))  # brightness, tint
    background = base + cv2.resize(coarse.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    background += rng.normal(0, 6, size=(height, width, 1))
    overlay = np.clip(background, 0, 255).astype(np.uint8)
    for _ in range(num_clutter):
        grey = rng.uniform(50, 190)
        colour = tuple(float(c) for c in np.clip(grey + rng.normal(0, 20, 3), 0, 255))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        kind = rng.integers(3)
        if kind == 0:
            end = (x + int(rng.integers(-30, 31)), y + int(rng.integers(-30, 31)))
            cv2.line(overlay, (x, y), end, colour, int(rng.integers(1, 4)))
        elif kind == 1:
            axes = (int(rng.integers(3, 14)), int(rng.integers(3, 14)))
            cv2.ellipse(overlay, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, colour, -1)
        else:
            pts = np.stack([x + rng.integers(-12, 13, 4), y + rng.integers(-12, 13, 4)], 1).astype(np.int32)
            cv2.fillPoly(overlay, [pts], colour)
    return np.round(0.5 * overlay + 0.5 * np.clip(background, 0, 255)).astype(np.uint8)


def render_video(objects: Sequence[SyntheticObject], background: np.ndarray, rng: np.random.Generator,
                 noise: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Composite the objects far to near over the background, frame by frame.

    Sets ``present``, ``area`` and ``visible_area`` of every object. The label map holds, per pixel, the
    id of the nearest object there (0 = background), so an object's mask is exactly its visible pixels.

    Returns:
        tuple: frames (T, H, W, 3) uint8 RGB and labels (T, H, W) uint8.
    """
    height, width = background.shape[:2]
    num_frames = len(objects[0].centres)
    frames = np.empty((num_frames, height, width, 3), np.uint8)
    labels = np.zeros((num_frames, height, width), np.uint8)
    sprites = {obj.obj_id: object_sprite(obj) for obj in objects}
    for obj in objects:
        obj.area = np.zeros(num_frames, np.int64)
    for t in range(num_frames):
        frame = background.copy()
        for obj in sorted(objects, key=lambda o: o.depth):
            mask, rgb = sprites[obj.obj_id]
            x0, y0 = (int(v) - obj.radius for v in np.round(obj.centres[t]))
            xs, ys = max(x0, 0), max(y0, 0)
            xe, ye = min(x0 + mask.shape[1], width), min(y0 + mask.shape[0], height)
            if xs >= xe or ys >= ye:
                continue
            m = mask[ys - y0:ye - y0, xs - x0:xe - x0]
            frame[ys:ye, xs:xe][m] = rgb[ys - y0:ye - y0, xs - x0:xe - x0][m]
            labels[t, ys:ye, xs:xe][m] = obj.obj_id
            obj.area[t] = m.sum()
        frames[t] = frame
    if noise > 0:  # sensor noise, different in every frame
        noisy = rng.integers(-noise, noise + 1, frames.shape, dtype=np.int16)
        noisy += frames
        frames = np.clip(noisy, 0, 255, out=noisy).astype(np.uint8)
    ids = np.array([obj.obj_id for obj in objects])
    areas = np.stack([np.bincount(frame_labels.ravel(), minlength=256) for frame_labels in labels])[:, ids]
    for i, obj in enumerate(objects):
        obj.present, obj.visible_area = obj.area > 0, areas[:, i]
    return frames, labels
