# Copyright (c) mmrvos contributors. All rights reserved.
"""Minimal readers of benchmark masks, shared by the metrics, ``tools/evaluate_predictions.py`` and the
dataset annotation readers of ``mmrvos/datasets/annotation_readers.py``.

They read exactly what the official evaluators read: index PNGs through PIL (DAVIS), binary PNGs
through OpenCV in grayscale (MeViS, Ref-YouTube-VOS submissions; any nonzero pixel is foreground),
COCO RLEs through pycocotools.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils

__all__ = [
    'read_index_png', 'read_binary_png', 'read_index_sequence', 'read_binary_sequence',
    'read_davis_gt', 'decode_rle', 'decode_rle_union', 'write_binary_png'
]

DAVIS_VOID_LABEL = 255


def read_index_png(path: str, require_index_mode: bool = False) -> np.ndarray:
    """Read a palette/grayscale PNG as its (H, W) array of indices (object ids).

    Args:
        path (str): The PNG file.
        require_index_mode (bool): Refuse a PNG that is not an index ('P') or grayscale ('L') image,
            e.g. an RGB rendering of a palette mask, whose pixel values are not object ids. The
            official evaluators read whatever PIL returns, hence the default False.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'mask file not found: {path}')
    try:
        with Image.open(path) as img:
            if require_index_mode and img.mode not in ('P', 'L'):
                raise ValueError(f'expected an index (P or L mode) PNG, got mode {img.mode}')
            return np.array(img)
    except OSError as e:  # PIL's UnidentifiedImageError, truncated data
        raise OSError(f'cannot decode mask file {path}: {e}') from e


def read_binary_png(path: str) -> np.ndarray:
    """Read a PNG as grayscale with OpenCV (as MeViS's evaluator does); returns (H, W) bool.

    A missing file raises ``FileNotFoundError``, an undecodable one ``OSError``, both naming the file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'mask file not found: {path}')
    mask = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if mask is None:
        raise OSError(f'cannot decode mask file {path} (not a readable image)')
    return mask > 0


def read_index_sequence(folder: str, frame_names: Sequence[str]) -> np.ndarray:
    """Read ``<folder>/<frame>.png`` index PNGs into a (T, H, W) array."""
    frames = [read_index_png(osp.join(folder, f'{name}.png')) for name in frame_names]
    _check_same_size(frames, folder)
    return np.stack(frames)


def read_binary_sequence(folder: str, frame_names: Sequence[str]) -> np.ndarray:
    """Read ``<folder>/<frame>.png`` binary PNGs into a (T, H, W) bool array."""
    frames = [read_binary_png(osp.join(folder, f'{name}.png')) for name in frame_names]
    _check_same_size(frames, folder)
    return np.stack(frames)


def _check_same_size(frames: List[np.ndarray], folder: str) -> None:
    shapes = {f.shape for f in frames}
    if len(shapes) > 1:
        raise ValueError(f'masks in {folder} have different sizes: {sorted(shapes)}')
    if len(frames) == 0:
        raise ValueError(f'no frames to read in {folder}')


def read_davis_gt(sequence_dir: str) -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """Read one DAVIS sequence of index PNGs and separate the objects from the void label.

    As ``DAVIS.get_all_masks(separate_objects_masks=True)``: every PNG of the folder in sorted
    order, void = (label == 255) then set to 0, and the objects are the ids 1..n with n the largest
    id in the FIRST frame.

    Args:
        sequence_dir (str): Folder such as ``DAVIS/Annotations_unsupervised/480p/<seq>``.

    Returns:
        tuple: (G, T, H, W) bool object masks, (T, H, W) bool void, the T frame names.
    """
    if not osp.isdir(sequence_dir):
        raise FileNotFoundError(f'gt sequence folder not found: {sequence_dir}')
    names = sorted(f[:-4] for f in os.listdir(sequence_dir) if f.endswith('.png'))
    labels = read_index_sequence(sequence_dir, names)
    void = labels == DAVIS_VOID_LABEL
    labels = np.where(void, 0, labels)
    num_objects = int(labels[0].max())
    objects = labels[None] == np.arange(1, num_objects + 1)[:, None, None, None]
    return objects, void, names


def decode_rle(rle: dict) -> np.ndarray:
    """Decode one COCO RLE (``counts`` as str or bytes) into an (H, W) uint8 mask."""
    rle = dict(rle)
    if isinstance(rle['counts'], str):
        rle['counts'] = rle['counts'].encode('ascii')
    return mask_utils.decode(rle)


def decode_rle_union(rles: Sequence[Optional[dict]], shape: Optional[Tuple[int, int]] = None) -> np.ndarray:
    """Union of COCO RLE masks of one frame, ``None`` entries meaning absent (MeViS ``mask_dict``).

    Args:
        rles (Sequence[dict | None]): RLEs (``counts`` as str or bytes) of the referred objects.
        shape (tuple[int, int], optional): (H, W) of the frame, needed when every entry is None.

    Returns:
        np.ndarray: (H, W) bool mask.
    """
    union = None if shape is None else np.zeros(shape, dtype=bool)
    for rle in rles:
        if not rle:
            continue
        mask = decode_rle(rle).astype(bool)
        if union is None:
            union = mask
        elif mask.shape != union.shape:
            raise ValueError(f'RLE of size {mask.shape} does not match the frame size {union.shape}')
        else:
            union |= mask
    if union is None:
        raise ValueError('cannot infer the frame size: every RLE is empty and no shape was given')
    return union


def write_binary_png(mask: np.ndarray, path: str) -> None:
    """Write a (H, W) mask as a single-channel 'L' PNG of 0/255 (Ref-YouTube-VOS / MeViS format)."""
    Image.fromarray(np.asarray(mask).astype(bool).astype(np.uint8) * 255).convert('L').save(path)

