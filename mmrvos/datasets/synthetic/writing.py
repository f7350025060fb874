# Copyright (c) mmrvos contributors. All rights reserved.
"""Writing a generated benchmark in the Ref-YouTube-VOS layout, and reading its scene descriptions back."""
import json
import os
import os.path as osp
from dataclasses import asdict
from typing import Dict, List, Optional

import cv2
import numpy as np
from PIL import Image

from mmrvos.utils import davis_palette

from .config import SyntheticRVOSConfig
from .language import all_sentences, vocabulary
from .motion import motion_facts
from .scenes import generate_video
from .structures import EXPRESSION_KINDS, SyntheticVideo

GENERATOR_VERSION = 2  # bump whenever the same arguments give other files
# The 'generator' of synthetic_info.json: the generator's module before it became this package, kept so that
# the same arguments still give the same bytes and data written before counts as this generator's.
GENERATOR_NAME = 'mmrvos.datasets.synthetic_generator'
SCENES_FILE = 'synthetic_scenes.json'  # per split: every object's attributes and expression structure
SPLITS = {'train': 0, 'valid': 1}  # split -> code in the per-video seed [seed, code, index]


def _dump_json(obj: dict, path: str) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(obj, f)


def write_video(video: SyntheticVideo, split_dir: str, video_id: str, cfg: SyntheticRVOSConfig) -> List[str]:
    """Write the JPEG frames and palette-PNG label maps of one video; return the frame names."""
    names = [f'{t * cfg.frame_step:05d}' for t in range(video.num_frames)]
    image_dir, mask_dir = (osp.join(split_dir, sub, video_id) for sub in ('JPEGImages', 'Annotations'))
    os.makedirs(image_dir, exist_ok=True)
    os.makedirs(mask_dir, exist_ok=True)
    palette = davis_palette().reshape(-1).tolist()
    for name, frame, labels in zip(names, video.frames, video.labels):
        path = osp.join(image_dir, f'{name}.jpg')
        if not cv2.imwrite(path, frame[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, cfg.jpeg_quality]):
            raise OSError(f'could not write {path}')
        png = Image.fromarray(labels)
        png.putpalette(palette)  # 'L' -> 'P' with the same indices
        png.save(osp.join(mask_dir, f'{name}.png'))
    return names


def _scene_record(video: SyntheticVideo, unit: float) -> dict:
    """The objects (look, trajectory program, motion facts) and expression structure of a video."""
    objects = {}
    for o in video.objects:
        objects[str(o.obj_id)] = dict(
            shape=o.shape, colour=o.colour, size=o.size, texture=o.texture, radius=o.radius, depth=o.depth,
            motion=o.motion, direction=o.direction, facts=sorted(motion_facts(o, unit)))
    expressions = {str(k): dict(asdict(e), obj_id=str(e.obj_id), distractors=[str(i) for i in e.distractors])
                   for k, e in enumerate(video.expressions)}
    return dict(objects=objects, expressions=expressions)


def read_scenes(data_root: str, split: str) -> Dict[str, dict]:
    """``<split>/synthetic_scenes.json`` as written by :func:`write_split`: per video, ``objects`` (look,
    trajectory program, motion facts) and ``expressions`` (text, obj_id, kind, shape, attributes, motion,
    distractors)."""
    path = osp.join(data_root, split, SCENES_FILE)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found: the object attributes of the synthetic benchmark '
                                '(tools/dataset_converters/make_synthetic_rvos.py) are needed')
    with open(path) as f:
        return json.load(f)['videos']


def write_split(data_root: str, split: str, num_videos: int, seed: int,
                cfg: SyntheticRVOSConfig) -> Dict[str, int]:
    """Generate and write one split in the Ref-YouTube-VOS layout.

    Writes ``<split>/JPEGImages``, ``<split>/Annotations`` (also for ``valid``), ``<split>/meta.json``,
    ``meta_expressions/<split>/meta_expressions.json`` (each expression with ``obj_id`` and the extra key
    ``kind``), ``meta_expressions/<split>/expression_kinds.json`` and ``<split>/synthetic_scenes.json``
    (objects, motion facts and expression structure). Video ``i`` depends only on ``(seed, split, i)``.

    Returns:
        dict: number of videos and of expressions of each kind.
    """
    if split not in SPLITS:
        raise ValueError(f'unknown split {split!r}; known: {tuple(SPLITS)}')
    split_dir = osp.join(data_root, split)
    meta, expressions, kinds, scenes = {}, {}, {}, {}
    counts = {'videos': num_videos, **{kind: 0 for kind in EXPRESSION_KINDS}}
    for index in range(num_videos):
        video = generate_video(np.random.default_rng([seed, SPLITS[split], index]), cfg)
        video_id = f'{split}_{index:04d}'
        names = write_video(video, split_dir, video_id, cfg)
        meta[video_id] = {'objects': {
            str(o.obj_id): dict(category=o.shape, frames=[n for n, a in zip(names, o.visible_area) if a > 0])
            for o in video.objects}}
        expressions[video_id] = {'expressions': {
            str(k): {'exp': e.text, 'obj_id': str(e.obj_id), 'kind': e.kind}
            for k, e in enumerate(video.expressions)}, 'frames': names}
        kinds[video_id] = {str(k): e.kind for k, e in enumerate(video.expressions)}
        scenes[video_id] = _scene_record(video, cfg.unit)
        for e in video.expressions:
            counts[e.kind] += 1
    expression_dir = osp.join(data_root, 'meta_expressions', split)
    _dump_json({'videos': meta}, osp.join(split_dir, 'meta.json'))
    _dump_json({'videos': scenes}, osp.join(split_dir, SCENES_FILE))
    _dump_json({'videos': expressions}, osp.join(expression_dir, 'meta_expressions.json'))
    kinds = {'kinds': list(EXPRESSION_KINDS), 'videos': kinds}
    _dump_json(kinds, osp.join(expression_dir, 'expression_kinds.json'))
    return counts


def generate_dataset(data_root: str, num_train: int = 200, num_valid: int = 30, seed: int = 0,
                     cfg: Optional[SyntheticRVOSConfig] = None) -> dict:
    """Write the whole benchmark under ``data_root`` (see ``docs/synthetic_benchmark.md``).

    Besides both splits it writes an empty ``meta_expressions/test/meta_expressions.json`` (loaders
    that drop the test videos from valid find nothing to drop), ``vocab.txt`` and ``sentences.txt``
    (tokenizer training text, see :func:`all_sentences`) and ``synthetic_info.json``.

    Returns:
        dict: the content of ``synthetic_info.json``.
    """
    cfg = cfg or SyntheticRVOSConfig()
    if seed < 0 or num_train < 0 or num_valid < 0:
        raise ValueError(f'seed and video counts must be >= 0, got seed={seed}, num_train={num_train}, '
                         f'num_valid={num_valid}')
    counts = {split: write_split(data_root, split, num, seed, cfg)
              for split, num in (('train', num_train), ('valid', num_valid))}
    _dump_json({'videos': {}}, osp.join(data_root, 'meta_expressions', 'test', 'meta_expressions.json'))
    with open(osp.join(data_root, 'vocab.txt'), 'w') as f:
        f.write('\n'.join(vocabulary()) + '\n')
    with open(osp.join(data_root, 'sentences.txt'), 'w') as f:
        f.write('\n'.join(all_sentences()) + '\n')
    info = {'generator': GENERATOR_NAME, 'version': GENERATOR_VERSION, 'seed': seed,
            'config': asdict(cfg), 'counts': counts}
    _dump_json(info, osp.join(data_root, 'synthetic_info.json'))
    return info
