# Copyright (c) mmrvos contributors. All rights reserved.
import os.path as osp
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform, LoadImageFromFile
from mmdet.structures.mask import BitmapMasks

from mmrvos.registry import TRANSFORMS

from ..annotation_readers import (
    decode_rles,
    polygons_to_mask,
    read_a2d_masks,
    read_palette_png,
    read_puppet_mask,
)


def describe(results: dict) -> str:
    """``video <id> expression <id> frame <name>`` of one frame's results, for error messages."""
    return (f'video {results.get("video_id")!r} expression {results.get("exp_id")!r} '
            f'frame {results.get("frame_name")!r}')


@TRANSFORMS.register_module()
class LoadRVOSFrame(LoadImageFromFile):
    """Load one frame (mmcv's ``LoadImageFromFile``) with errors that name the file, video and expression.

    Use it inside ``TransformBroadcaster`` after :class:`RVOSClipSample`. Adds ``img``, ``img_shape``
    and ``ori_shape``. A missing file raises ``FileNotFoundError``, an undecodable one ``OSError``.
    """

    def transform(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        if not osp.isfile(path) and '://' not in path:
            raise FileNotFoundError(f'frame file not found: {path} ({describe(results)})')
        try:
            out = super().transform(results)
        except Exception as e:  # undecodable bytes give None -> AssertionError in mmcv, or a decoder error
            raise OSError(f'cannot decode frame {path} ({describe(results)}): {e}') from e
        return out


@TRANSFORMS.register_module()
class LoadRVOSAnnotations(BaseTransform):
    """Load the masks of the referred object(s) of one frame, whatever the benchmark's format.

    Use it inside ``TransformBroadcaster``: before the geometric transforms for training, **after**
    them in test mode (the masks then stay at the original resolution ``ori_shape``, which is what the
    official metrics score). Frames without ground truth (``has_gt`` False) get an empty
    ``(0, H, W)`` mask set, so every frame has the same keys.

    Formats (``mask_format`` of the item): ``'palette_png'`` (``mask_path``, pixel value = object id;
    Ref-YouTube-VOS, Ref-DAVIS17; values clipped to ``mask_max_id`` first where the item has one, Mini-Ref-
    SAIL-VOS), ``'a2d_h5'`` (``mask_path``, transposed ``reMask``), ``'jhmdb_mat'``
    (``mask_path``, ``mask_index``), ``'rle'`` (``frame_masks``: one COCO RLE or None per object; MeViS),
    ``'polygon'`` (``frame_masks``: one COCO segmentation per object; RefCOCO).

    Added keys: ``gt_masks`` (:obj:`BitmapMasks` ``(n, H, W)``), ``gt_instances_ids`` (``(n,)`` int64),
    and ``gt_seg_map`` (``(H, W)`` uint8, 1 = void) when the item has a ``void_value`` (DAVIS 255), so
    that mmdet's Resize/RandomFlip transform it with the frame.
    """

    def read_masks(self, results: dict, height: int, width: int):
        """``(masks (n, H, W) uint8, void (H, W) uint8 or None)`` of the frame."""
        fmt = results['mask_format']
        obj_ids = results['obj_ids']
        if fmt == 'palette_png':
            return read_palette_png(results['mask_path'], obj_ids, results.get('void_value'),
                                    results.get('mask_max_id'))
        if fmt == 'a2d_h5':
            return read_a2d_masks(results['mask_path'], obj_ids), None
        if fmt == 'jhmdb_mat':
            return read_puppet_mask(results['mask_path'])[results['mask_index']][None], None
        if fmt == 'rle':
            masks = decode_rles(results['frame_masks'], height, width)
            if results.get('merge_objects'):
                masks = masks.max(axis=0, keepdims=True)
            return masks, None
        if fmt == 'polygon':
            return np.stack([polygons_to_mask(s, height, width) for s in results['frame_masks']]), None
        raise ValueError(f'unknown mask_format {fmt!r} ({describe(results)})')

    def transform(self, results: dict) -> dict:
        """Add ``gt_masks``, ``gt_instances_ids`` (and ``gt_seg_map``) for one frame."""
        height, width = results['ori_shape']
        void = None
        obj_ids = np.asarray(results.get('obj_ids', []), dtype=np.int64)
        if results.get('has_gt'):
            if 'mask_path' in results and not osp.isfile(results['mask_path']):
                raise FileNotFoundError(f'mask file not found: {results["mask_path"]} ({describe(results)})')
            try:
                masks, void = self.read_masks(results, height, width)
            except (OSError, ValueError, KeyError, IndexError) as e:
                raise type(e)(f'{e} ({describe(results)})') from e
            if masks.shape[1:] != (height, width):
                raise ValueError(
                    f'frame {results.get("img_path")} has size {height}x{width} (HxW) but its annotation '
                    f'({results.get("mask_path", "in-memory masks")}) has size '
                    f'{masks.shape[1]}x{masks.shape[2]} '
                    f'({describe(results)}); a frame must have the size of its masks')
            if results.get('merge_objects'):
                obj_ids = obj_ids[:1]
        else:
            masks = np.zeros((0, height, width), dtype=np.uint8)
            obj_ids = obj_ids[:0]
        results['gt_masks'] = BitmapMasks(masks, height, width)
        results['gt_instances_ids'] = obj_ids
        if results.get('void_value') is not None:
            results['gt_seg_map'] = void if void is not None else np.zeros((height, width), np.uint8)
        return results
