# Copyright (c) mmrvos contributors. All rights reserved.
"""Streaming writers for inference outputs: palette PNGs, an overlay video and a JSON of RLE masks.

Each writer receives one frame at a time (``write(...)``) and keeps nothing of the frames already
written, so the memory they use does not grow with the video length.
"""
import json
import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np

from mmrvos.utils import davis_palette


def masks_to_index_map(masks: np.ndarray, scores: Sequence[float]) -> np.ndarray:
    """Merge per-sentence binary masks into one index map (0 background, sentence ``i`` -> ``i + 1``).

    Where masks overlap, the pixel goes to the sentence with the higher score.

    Args:
        masks (np.ndarray): ``(n, H, W)`` bool masks, one per sentence.
        scores (Sequence[float]): ``(n,)`` scores of the masks.

    Returns:
        np.ndarray: ``(H, W)`` uint8 index map.
    """
    index_map = np.zeros(masks.shape[1:], dtype=np.uint8)
    for i in np.argsort(np.asarray(scores, dtype=np.float64), kind='stable'):
        index_map[masks[i]] = i + 1  # higher scores are written last and win
    return index_map


class PaletteMaskWriter:
    """Write one palette PNG per frame (``<out_dir>/<frame_name>.png``), object id ``i + 1`` for sentence
    ``i``, with the DAVIS colour map (readable by the Ref-DAVIS/Ref-YouTube-VOS tooling).

    Args:
        out_dir (str): output folder (created if missing).
    """

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)
        self.palette = davis_palette().reshape(-1).tolist()

    def write(self, frame_name: str, index_map: np.ndarray) -> str:
        from PIL import Image

        img = Image.fromarray(index_map, mode='P')
        img.putpalette(self.palette)
        path = osp.join(self.out_dir, f'{frame_name}.png')
        img.save(path)
        return path

    def close(self) -> None:
        pass


class OverlayVideoWriter:
    """Encode drawn frames into an ``.mp4`` (H.264) or ``.gif`` with PyAV, one frame at a time.

    Args:
        path (str): output file; the suffix picks the format (``.mp4`` or ``.gif``).
        fps (float): frame rate.
    """

    def __init__(self, path: str, fps: float = 25.) -> None:
        suffix = osp.splitext(path)[1].lower()
        if suffix not in ('.mp4', '.gif'):
            raise ValueError(f'overlay video must be .mp4 or .gif, got {path!r}')
        self.path = path
        self.fps = fps
        self.codec, self.pix_fmt = ('libx264', 'yuv420p') if suffix == '.mp4' else ('gif', 'rgb8')
        self.container = None
        self.stream = None
        self.size = None

    def _open(self, height: int, width: int) -> None:
        from fractions import Fraction

        import av

        os.makedirs(osp.dirname(osp.abspath(self.path)), exist_ok=True)
        self.container = av.open(self.path, mode='w')
        self.stream = self.container.add_stream(self.codec, rate=Fraction(self.fps).limit_denominator(1001))
        # yuv420p needs even sizes
        self.size = (height + height % 2, width + width % 2) if self.codec == 'libx264' else (height, width)
        self.stream.height, self.stream.width = self.size
        self.stream.pix_fmt = self.pix_fmt

    def write(self, frame_rgb: np.ndarray) -> None:
        """Append one ``(H, W, 3)`` uint8 RGB frame."""
        import av

        if self.container is None:
            self._open(*frame_rgb.shape[:2])
        height, width = self.size
        if frame_rgb.shape[:2] != (height, width):
            frame_rgb = np.pad(frame_rgb, ((0, height - frame_rgb.shape[0]), (0, width - frame_rgb.shape[1]),
                                           (0, 0)), mode='edge')
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame_rgb), format='rgb24')
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self) -> None:
        if self.container is None:
            return
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()
        self.container = None


class RLEJsonWriter:
    """Stream per-frame COCO RLE masks into a JSON file.

    The file holds ``{"video", "height", "width", "sentences": [{"obj_id", "text"}],
    "frames": [{"frame_id", "frame_name", "objects": [{"obj_id", "score", "segmentation": RLE}]}]}``;
    frames are appended as they are written, so the whole result never sits in memory.

    Args:
        path (str): output ``.json`` file.
        video (str): video name.
        height (int): frame height.
        width (int): frame width.
        texts (list[str]): the sentences; sentence ``i`` is object ``i + 1``.
    """

    def __init__(self, path: str, video: str, height: int, width: int, texts: List[str]) -> None:
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        self.path = path
        self.file = open(path, 'w')
        header = dict(video=video, height=height, width=width,
                      sentences=[dict(obj_id=i + 1, text=t) for i, t in enumerate(texts)])
        self.file.write(json.dumps(header)[:-1] + ', "frames": [')
        self.num_written = 0

    def write(self, frame_id: int, frame_name: str, masks: np.ndarray, scores: Sequence[float]) -> None:
        """Append one frame: ``masks`` ``(n, H, W)`` bool, one per sentence, and their ``(n,)`` scores."""
        from pycocotools import mask as mask_util

        rles = mask_util.encode(np.asfortranarray(masks.transpose(1, 2, 0).astype(np.uint8)))
        objects = []
        for i, (rle, score) in enumerate(zip(rles, scores)):
            objects.append(dict(obj_id=i + 1, score=round(float(score), 5),
                                segmentation=dict(size=[int(s) for s in rle['size']],
                                                  counts=rle['counts'].decode('ascii'))))
        entry = dict(frame_id=frame_id, frame_name=frame_name, objects=objects)
        self.file.write((', ' if self.num_written else '') + json.dumps(entry))
        self.num_written += 1

    def close(self) -> Optional[str]:
        if self.file.closed:
            return None
        self.file.write(']}\n')
        self.file.close()
        return self.path
