# Copyright (c) mmrvos contributors. All rights reserved.
"""Lazy frame sources for inference: a video file (PyAV) or a folder of frames.

Frames are decoded one at a time while iterating, so a source never holds more than the frame being
read. Bad input raises :class:`RVOSInputError` with a message that names the file or folder.
"""
import os
import os.path as osp
from typing import Iterator, List, Optional, Tuple

import mmcv
import numpy as np

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg', '.gif')


class RVOSInputError(ValueError):
    """Input the inferencer cannot use (unreadable video, empty sentence list, mixed frame sizes...)."""


class FrameSource:
    """Base class of the frame sources: a named sequence of BGR frames of one size.

    Attributes:
        name (str): video name (file stem or folder name).
        height (int): frame height in pixels.
        width (int): frame width in pixels.
        fps (float): frame rate used when writing the overlay video.
        num_frames (int, optional): number of frames if known before decoding.
    """

    name: str
    height: int
    width: int
    fps: float = 25.
    num_frames: Optional[int] = None

    def __iter__(self) -> Iterator[Tuple[str, np.ndarray]]:
        """Yield ``(frame_name, frame)`` pairs, ``frame`` of shape ``(H, W, 3)`` uint8 BGR."""
        raise NotImplementedError


class FrameFolderSource(FrameSource):
    """The image files of a folder, sorted by name, read one at a time with mmcv.

    All frames must have the same size; this is checked from the file headers when the source is opened.

    Args:
        folder (str): folder with the frames (e.g. ``00000.jpg``, ``00001.jpg``...).
        fps (float): frame rate for the overlay video. Defaults to 25.
    """

    def __init__(self, folder: str, fps: float = 25.) -> None:
        from PIL import Image, UnidentifiedImageError

        if not osp.isdir(folder):
            raise RVOSInputError(f'frame folder {folder!r} does not exist')
        names = sorted(f for f in os.listdir(folder) if f.lower().endswith(IMG_EXTENSIONS))
        if not names:
            raise RVOSInputError(
                f'frame folder {folder!r} contains no image files ({", ".join(IMG_EXTENSIONS)})')
        sizes = {}
        for name in names:
            try:
                with Image.open(osp.join(folder, name)) as img:
                    sizes.setdefault(img.size, name)  # (W, H), read from the header only
            except (OSError, UnidentifiedImageError) as e:
                raise RVOSInputError(f'cannot read frame {osp.join(folder, name)!r}: {e}') from None
        if len(sizes) > 1:
            found = ', '.join(f'{w}x{h} (e.g. {n})' for (w, h), n in sizes.items())
            raise RVOSInputError(f'frames of {folder!r} have different sizes: {found}; all frames of a video '
                                 'must have the same size')
        (self.width, self.height), = sizes
        self.folder = folder
        self.frame_files = names
        self.num_frames = len(names)
        self.fps = fps
        self.name = osp.basename(osp.normpath(folder))

    def __iter__(self) -> Iterator[Tuple[str, np.ndarray]]:
        for name in self.frame_files:
            path = osp.join(self.folder, name)
            frame = mmcv.imread(path, channel_order='bgr')
            if frame is None:
                raise RVOSInputError(f'cannot decode frame {path!r}')
            yield osp.splitext(name)[0], frame


class VideoFileSource(FrameSource):
    """A video file decoded lazily with PyAV (one frame in memory at a time).

    Args:
        path (str): video file (``.mp4``, ``.avi``, ...).
    """

    def __init__(self, path: str) -> None:
        import av

        if not osp.isfile(path):
            raise RVOSInputError(f'video file {path!r} does not exist')
        self.path = path
        self.name = osp.splitext(osp.basename(path))[0]
        try:
            with av.open(path) as container:
                if not container.streams.video:
                    raise RVOSInputError(f'{path!r} has no video stream')
                stream = container.streams.video[0]
                self.width, self.height = stream.codec_context.width, stream.codec_context.height
                self.fps = float(stream.average_rate) if stream.average_rate else 25.
                self.num_frames = int(stream.frames) or None
                # decode the first frame now, so that a corrupt file fails before any output is written
                next(container.decode(stream))
        except RVOSInputError:
            raise
        except (av.FFmpegError, StopIteration, ValueError, OSError) as e:
            reason = 'no decodable frame' if isinstance(e, StopIteration) else str(e)
            raise RVOSInputError(f'cannot read video {path!r}: {reason}') from None
        if not self.width or not self.height:
            raise RVOSInputError(f'cannot read video {path!r}: unknown frame size')

    def __iter__(self) -> Iterator[Tuple[str, np.ndarray]]:
        """Yield the frames; a stream corrupt mid-way raises :class:`RVOSInputError` naming the first
        undecodable frame index after the decodable frames before it were yielded."""
        import av

        index = 0
        try:
            with av.open(self.path) as container:
                stream = container.streams.video[0]
                stream.thread_type = 'AUTO'
                for frame in container.decode(stream):
                    yield f'{index:05d}', frame.to_ndarray(format='bgr24')
                    index += 1
        except av.FFmpegError as e:
            decoded = f'frames 0-{index - 1} were decoded' if index else 'no frame was decoded'
            raise RVOSInputError(f'error while decoding video {self.path!r} at frame {index} (the first '
                                 f'undecodable frame; {decoded}): {e}') from None


class SyntheticFrameSource(FrameSource):
    """Generated frames (a moving square and a moving disc on a gradient), for benchmarks and tests.

    Frames are made one at a time, so a long synthetic video costs no memory.

    Args:
        num_frames (int): number of frames.
        height (int): frame height.
        width (int): frame width.
        name (str): video name. Defaults to ``'synthetic'``.
        fps (float): frame rate. Defaults to 25.
    """

    def __init__(self, num_frames: int, height: int, width: int, name: str = 'synthetic', fps: float = 25.):
        self.num_frames, self.height, self.width, self.name, self.fps = num_frames, height, width, name, fps

    def __iter__(self) -> Iterator[Tuple[str, np.ndarray]]:
        ys, xs = np.mgrid[:self.height, :self.width]
        background = np.stack([xs * 60 // max(self.width, 1), ys * 60 // max(self.height, 1),
                               np.full_like(xs, 30)], -1).astype(np.uint8)
        side = max(2, min(self.height, self.width) // 4)
        for t in range(self.num_frames):
            frame = background.copy()
            phase = t / max(self.num_frames - 1, 1)
            x0 = int(phase * (self.width - side))
            frame[self.height // 4:self.height // 4 + side, x0:x0 + side] = (40, 40, 230)  # red square (BGR)
            cy, cx = 3 * self.height // 4, int((1 - phase) * (self.width - side) + side // 2)
            frame[(ys - cy) ** 2 + (xs - cx) ** 2 < (side // 2) ** 2] = (40, 220, 40)  # green disc
            yield f'{t:05d}', frame


def open_frame_source(path: str, fps: float = 25.) -> FrameSource:
    """Open a video file or a frame folder as a lazy :class:`FrameSource`.

    Args:
        path (str): a video file or a folder of frames.
        fps (float): frame rate of a frame folder (video files keep their own). Defaults to 25.

    Returns:
        FrameSource: the source.
    """
    if osp.isdir(path):
        return FrameFolderSource(path, fps=fps)
    if not osp.exists(path):
        raise RVOSInputError(f'input {path!r} does not exist (expected a video file or a folder of frames)')
    return VideoFileSource(path)


def iter_windows(frames: Iterator[Tuple[str, np.ndarray]], window_size: int,
                 overlap: int) -> Iterator[Tuple[List[Tuple[str, np.ndarray]], int]]:
    """Group a frame stream into overlapping windows, holding at most ``window_size`` frames.

    Consecutive windows share ``overlap`` frames; the last window holds the frames left (plus the
    overlap), so every frame is in at least one window and a video of at most ``window_size`` frames is
    one window. When the stream raises :class:`RVOSInputError` (a video corrupt mid-way), the frames read
    before it are still yielded as a last window, then the error is raised: nothing decodable is lost.

    Args:
        frames (Iterator[tuple[str, np.ndarray]]): ``(frame_name, frame)`` pairs.
        window_size (int): frames per window.
        overlap (int): frames shared by consecutive windows, ``0 <= overlap < window_size``.

    Yields:
        tuple[list, int]: the window's frames and how many of them were in the previous window.
    """
    if window_size < 1 or not 0 <= overlap < window_size:
        raise ValueError(
            f'need window_size >= 1 and 0 <= overlap < window_size, got {window_size}, {overlap}')
    buffer: List[Tuple[str, np.ndarray]] = []
    carried = 0
    broken: Optional[RVOSInputError] = None
    try:
        for item in frames:
            buffer.append(item)
            if len(buffer) == window_size:
                yield buffer, carried
                buffer = buffer[window_size - overlap:] if overlap else []
                carried = len(buffer)
    except RVOSInputError as err:
        broken = err
    if len(buffer) > carried:
        yield buffer, carried
    if broken is not None:
        raise broken
