# Copyright (c) mmrvos contributors. All rights reserved.
"""Extract the frames of the A2D-Sentences clips (``Release/clips320H/<video>.mp4``) with PyAV.

Writes ``<out>/<video>/<frame:05d>.jpg`` with **1-based** frame numbers, so that frame ``00015.jpg``
is the frame annotated by ``text_annotations/a2d_annotation_with_instances/<video>/00015.h5``. All
frames are decoded in presentation order, as ``torchvision.io.read_video(pts_unit='sec')`` (which
uses PyAV) does in MTTR/ReferFormer/SOC.

Usage::

    python tools/dataset_converters/a2d_extract_frames.py data/a2d_sentences [--out Release/frames] \
        [--workers 8] [--ext .jpg] [--quality 95]
"""
import argparse
import os
import os.path as osp
from functools import partial
from multiprocessing import Pool
from typing import Tuple

import av
import cv2


def extract_video(video_path: str, out_dir: str, ext: str = '.jpg', quality: int = 95) -> int:
    """Decode every frame of ``video_path`` into ``out_dir/<frame:05d><ext>`` (1-based); return the count."""
    os.makedirs(out_dir, exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if ext == '.jpg' else []
    count = 0
    try:
        with av.open(video_path) as container:
            for frame in container.decode(video=0):
                count += 1
                path = osp.join(out_dir, f'{count:05d}{ext}')
                if not cv2.imwrite(path, frame.to_ndarray(format='bgr24'), params):
                    raise OSError(f'cannot write {path}')
    except av.error.FFmpegError as e:
        raise OSError(f'cannot decode {video_path}: {e}') from e
    if count == 0:
        raise OSError(f'no video frames decoded from {video_path}')
    return count


def _extract_one(name: str, clips_dir: str, out_root: str, ext: str, quality: int) -> Tuple[str, int]:
    video = osp.splitext(name)[0]
    return video, extract_video(osp.join(clips_dir, name), osp.join(out_root, video), ext, quality)


def extract_all(data_root: str, out: str = 'Release/frames', workers: int = 1, ext: str = '.jpg',
                quality: int = 95) -> dict:
    """Extract every ``Release/clips320H/*.mp4`` under ``data_root``; return ``{video: frame count}``."""
    clips_dir = osp.join(data_root, 'Release', 'clips320H')
    out_root = osp.join(data_root, out)
    names = sorted(n for n in os.listdir(clips_dir) if n.endswith('.mp4'))
    job = partial(_extract_one, clips_dir=clips_dir, out_root=out_root, ext=ext, quality=quality)
    if workers > 1:
        with Pool(workers) as pool:
            return dict(pool.map(job, names))
    return dict(map(job, names))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', help='the a2d_sentences folder (with Release/clips320H)')
    parser.add_argument('--out', default='Release/frames', help='output folder, relative to data_root')
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument('--ext', default='.jpg', choices=['.jpg', '.png'])
    parser.add_argument('--quality', type=int, default=95, help='JPEG quality')
    args = parser.parse_args()
    counts = extract_all(args.data_root, args.out, args.workers, args.ext, args.quality)
    print(f'extracted {sum(counts.values())} frames of {len(counts)} videos')


if __name__ == '__main__':
    main()
