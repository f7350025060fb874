# Copyright (c) mmrvos contributors. All rights reserved.
"""Convert Ref-DAVIS17 to the Ref-YouTube-VOS layout read by ``RefDAVIS17Dataset``.

Same output as ReferFormer's ``tools/data/convert_davis_to_ytvos.py`` (used by SOC):

    <out>/{train,valid}/JPEGImages/<seq>/*.jpg
    <out>/{train,valid}/Annotations/<seq>/*.png          # DAVIS unsupervised ids, 255 = void
    <out>/{train,valid}/meta.json                        # {"videos": {seq: {"objects": {"1": {"category"}}}}}
    <out>/meta_expressions/{train,valid}/meta_expressions.json

Expressions: for each video, the per-object lines of the four text files (sorted by obj_id as
strings) are interleaved as exp_id = 4k + a, a = 0: annot1 first-frame, 1: annot1 full-video,
2: annot2 first-frame, 3: annot2 full-video. Annotator-1 files are UTF-8, annotator-2 files latin-1.

Input (``--davis-root``)::

    DAVIS/JPEGImages/480p/<seq>/            DAVIS/Annotations_unsupervised/480p/<seq>/
    DAVIS/ImageSets/2017/{train,val}.txt    DAVIS/davis_semantics.json
    davis_text_annotations/Davis17_annot{1,2}{,_full_video}.txt

Unlike the official script this copies the frames and masks (``--move`` moves them, as the official
script does; the DAVIS evaluator then needs the original tree unzipped again).

Usage::

    python tools/dataset_converters/ref_davis17_to_ytvos.py data/ref-davis [--out data/ref-davis] [--move]
"""
import argparse
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Tuple

#: (file, encoding) of the annotator slots 0..3.
TEXT_FILES = (('Davis17_annot1.txt', 'utf-8'), ('Davis17_annot1_full_video.txt', 'utf-8'),
              ('Davis17_annot2.txt', 'latin-1'), ('Davis17_annot2_full_video.txt', 'latin-1'))
#: Video-name typos in the text files.
NAME_FIXES = {'clasic-car': 'classic-car', 'dog-scale': 'dogs-scale', 'motor-bike': 'motorbike'}


def read_expressions(path: str, encoding: str) -> Dict[str, List[dict]]:
    """``{video: [{"exp", "obj_id"}, ...]}`` of one text file, sorted by obj_id (as strings)."""
    videos: Dict[str, List[dict]] = {}
    with open(path, encoding=encoding) as f:
        for line_no, line in enumerate(f, 1):
            tokens = line.split()
            if not tokens:
                continue
            if len(tokens) < 3:
                raise ValueError(f'{path} line {line_no}: expected <video> <obj_id> "<expression>"')
            video = NAME_FIXES.get(tokens[0], tokens[0])
            videos.setdefault(video, []).append(dict(exp=' '.join(tokens[2:])[1:-1], obj_id=tokens[1]))
    return {video: sorted(exps, key=lambda e: e['obj_id']) for video, exps in videos.items()}


def read_split(davis: str) -> Tuple[List[str], List[str]]:
    """Videos of ``ImageSets/2017/train.txt`` and ``val.txt``."""
    splits = []
    for name in ('train', 'val'):
        with open(osp.join(davis, 'ImageSets', '2017', f'{name}.txt')) as f:
            splits.append([line.strip() for line in f if line.strip()])
    return splits[0], splits[1]


def video_expressions(video: str, annotations: List[Dict[str, List[dict]]]) -> Dict[str, dict]:
    """Interleave the four annotator slots: exp_id 4k + a."""
    per_slot = []
    for slot, exps in enumerate(annotations):
        if video not in exps:
            raise KeyError(f'video {video} has no expressions in {TEXT_FILES[slot][0]}')
        per_slot.append(exps[video])
    expressions = {}
    for k, group in enumerate(zip(*per_slot)):
        for a, exp in enumerate(group):
            expressions[str(4 * k + a)] = dict(exp)
    return expressions


def convert(davis_root: str, out_root: str, move: bool = False) -> None:
    """Write the Ref-YouTube-VOS layout of Ref-DAVIS17 under ``out_root``."""
    davis = osp.join(davis_root, 'DAVIS')
    text_dir = osp.join(davis_root, 'davis_text_annotations')
    annotations = [read_expressions(osp.join(text_dir, name), enc) for name, enc in TEXT_FILES]
    with open(osp.join(davis, 'davis_semantics.json')) as f:
        semantics = json.load(f)
    transfer = shutil.move if move else shutil.copytree
    for split, videos in zip(('train', 'valid'), read_split(davis)):
        meta_expressions, meta = {}, {}
        for video in videos:
            for src, dst in (('JPEGImages', 'JPEGImages'), ('Annotations_unsupervised', 'Annotations')):
                target = osp.join(out_root, split, dst, video)
                os.makedirs(osp.dirname(target), exist_ok=True)
                if osp.exists(target):
                    shutil.rmtree(target)
                transfer(osp.join(davis, src, '480p', video), target)
            frames = sorted(
                osp.splitext(n)[0] for n in os.listdir(osp.join(out_root, split, 'JPEGImages', video))
                if n.endswith('.jpg'))
            meta_expressions[video] = dict(expressions=video_expressions(video, annotations), frames=frames)
            objects = semantics[video]
            meta[video] = dict(
                objects={str(i): dict(category=objects[str(i)])
                         for i in range(1,
                                        len(objects) + 1)})
        os.makedirs(osp.join(out_root, 'meta_expressions', split), exist_ok=True)
        with open(osp.join(out_root, 'meta_expressions', split, 'meta_expressions.json'), 'w') as f:
            json.dump(dict(videos=meta_expressions), f)
        with open(osp.join(out_root, split, 'meta.json'), 'w') as f:
            json.dump(dict(videos=meta), f)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('davis_root', help='folder with DAVIS/ and davis_text_annotations/')
    parser.add_argument('--out', help='output folder (default: davis_root)')
    parser.add_argument('--move', action='store_true', help='move frames/masks instead of copying them')
    args = parser.parse_args()
    convert(args.davis_root, args.out or args.davis_root, args.move)


if __name__ == '__main__':
    main()
