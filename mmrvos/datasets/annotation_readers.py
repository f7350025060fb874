# Copyright (c) mmrvos contributors. All rights reserved.
"""Readers of the mask annotations of the RVOS benchmarks, for the datasets and their loading transforms:
DAVIS / YouTube-VOS palette PNGs, A2D ``.h5``, JHMDB ``puppet_mask.mat``, MeViS RLEs, RefCOCO polygons.

Each reader returns ``uint8`` 0/1 masks of shape ``(n, H, W)`` for the requested objects, in the
requested order, with all-zero masks for objects absent from the frame. Errors name the file.
"""
from typing import List, Optional, Sequence, Tuple, Union

import h5py
import numpy as np
import pycocotools.mask as mask_utils
import scipy.io

from mmrvos.evaluation.functional.mask_files import decode_rle, read_index_png


def read_palette_png(path: str,
                     obj_ids: Sequence[int],
                     void_value: Optional[int] = None,
                     max_id: Optional[int] = None) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Read an index ('P' or 'L') PNG where the pixel value is the object id (YouTube-VOS, DAVIS).

    Args:
        path (str): the PNG file.
        obj_ids (Sequence[int]): object ids to extract.
        void_value (int, optional): value of void pixels (DAVIS: 255). Defaults to None.
        max_id (int, optional): clip the pixel values to at most ``max_id`` before selecting the objects
            (Mini-Ref-SAIL-VOS: 1, as its official loader). Defaults to None.

    Returns:
        tuple: masks ``(n, H, W)`` uint8, and the void mask ``(H, W)`` uint8 (``None`` without
        ``void_value``).
    """
    try:
        ids = read_index_png(path, require_index_mode=True)
    except (OSError, ValueError, SyntaxError) as e:
        raise OSError(f'cannot read mask {path}: {e}') from e
    if max_id is not None:
        ids = np.minimum(ids, max_id)
    masks = np.stack([ids == obj_id for obj_id in obj_ids]) if len(obj_ids) else \
        np.zeros((0, *ids.shape), dtype=bool)
    void = None if void_value is None else (ids == void_value).astype(np.uint8)
    return masks.astype(np.uint8), void


def read_a2d_instances(path: str) -> List[int]:
    """The instance ids of an A2D ``.h5`` annotation (its 1-D ``instance`` dataset)."""
    try:
        with h5py.File(path, 'r') as f:
            if 'instance' not in f:
                raise ValueError(f'no "instance" dataset (keys: {sorted(f.keys())})')
            return [int(v) for v in np.asarray(f['instance']).reshape(-1)]
    except (OSError, ValueError) as e:
        raise OSError(f'cannot read A2D annotation {path}: {e}') from e


def read_a2d_masks(path: str, instance_ids: Sequence[int]) -> np.ndarray:
    """Masks of ``instance_ids`` from an A2D ``.h5`` annotation.

    ``reMask`` is stored transposed (MATLAB order): ``(W, H)`` for one instance, ``(N, W, H)`` for
    several; it is transposed back to ``(H, W)``.
    """
    try:
        with h5py.File(path, 'r') as f:
            for key in ('instance', 'reMask'):
                if key not in f:
                    raise ValueError(f'no "{key}" dataset (keys: {sorted(f.keys())})')
            instances = [int(v) for v in np.asarray(f['instance']).reshape(-1)]
            masks = np.asarray(f['reMask'])
    except (OSError, ValueError) as e:
        raise OSError(f'cannot read A2D annotation {path}: {e}') from e
    if masks.ndim == 2:
        masks = masks[None]
    if masks.ndim != 3 or masks.shape[0] != len(instances):
        raise ValueError(f'malformed A2D annotation {path}: reMask shape {masks.shape} does not match '
                         f'{len(instances)} instances')
    masks = masks.transpose(0, 2, 1)
    out = []
    for instance_id in instance_ids:
        if instance_id not in instances:
            raise ValueError(f'A2D annotation {path} has no instance {instance_id} (has {instances})')
        out.append(masks[instances.index(instance_id)] > 0)
    return np.stack(out).astype(np.uint8) if out else np.zeros((0, *masks.shape[1:]), np.uint8)


def read_puppet_mask(path: str) -> np.ndarray:
    """The ``part_mask`` of a JHMDB ``puppet_mask.mat`` as a ``(T, H, W)`` uint8 0/1 array."""
    try:
        mat = scipy.io.loadmat(path)
    except (OSError, ValueError, TypeError) as e:
        raise OSError(f'cannot read JHMDB mask file {path}: {e}') from e
    if 'part_mask' not in mat or mat['part_mask'].ndim != 3:
        raise ValueError(f'malformed JHMDB mask file {path}: expected a 3-D "part_mask" (H, W, T)')
    return (mat['part_mask'] > 0).astype(np.uint8).transpose(2, 0, 1)


def decode_rles(rles: Sequence[Optional[dict]], height: int, width: int) -> np.ndarray:
    """Decode COCO RLEs (``None`` = absent object) into ``(n, H, W)`` uint8 masks (MeViS)."""
    masks = np.zeros((len(rles), height, width), dtype=np.uint8)
    for i, rle in enumerate(rles):
        if rle is None:
            continue
        if tuple(rle['size']) != (height, width):
            raise ValueError(f'RLE of size {rle["size"]} for a {height}x{width} frame')
        masks[i] = decode_rle(rle)
    return masks


def polygons_to_mask(segmentation: Union[list, dict], height: int, width: int) -> np.ndarray:
    """One COCO segmentation (polygon list or RLE) as an ``(H, W)`` uint8 mask (RefCOCO)."""
    if isinstance(segmentation, list):
        rle = mask_utils.merge(mask_utils.frPyObjects(segmentation, height, width))
    elif isinstance(segmentation.get('counts'), list):
        rle = mask_utils.frPyObjects(segmentation, height, width)
    else:
        rle = segmentation
    return mask_utils.decode(rle).astype(np.uint8)
