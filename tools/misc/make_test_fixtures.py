# Copyright (c) mmrvos contributors. All rights reserved.
"""Write tiny RVOS datasets in the exact on-disk formats of the real benchmarks (test fixtures).

Usage::

    python tools/misc/make_test_fixtures.py [--out tests/data]

Writes ``ref_youtube_vos/``, ``ref_davis/`` (a raw DAVIS tree converted by
``tools/dataset_converters/ref_davis17_to_ytvos.py``), ``a2d_sentences/`` (real HDF5 files with
transposed ``reMask``), ``jhmdb_sentences/`` (real MAT v5 ``puppet_mask.mat``), ``refcoco/`` (COCO-style
json) and ``mevis/`` (RLE ``mask_dict.json``). Everything is deterministic and tiny (32x48 frames).

Frame ``i`` of a video is a uniform grey ``frame_value(i)`` with a white bar on its 3 leftmost
columns, so tests can check frame order (grey level) and flips (bar side). Object masks are the
rectangles of :data:`BOXES`.
"""
import argparse
import csv
import importlib.util
import json
import os
import os.path as osp
import shutil

import h5py
import numpy as np
import pycocotools.mask as mask_utils
import scipy.io
from PIL import Image

H, W = 32, 48
#: Object id -> (y1, y2, x1, x2) rectangle (end exclusive); object 1 on the left, object 2 on the right.
BOXES = {1: (8, 20, 4, 16), 2: (4, 12, 30, 44), 3: (22, 30, 20, 28)}
DAVIS_PALETTE = [0, 0, 0, 128, 0, 0, 0, 128, 0, 128, 128, 0] + [0] * (256 * 3 - 12)


def frame_value(index: int) -> int:
    """Grey level of frame ``index`` (distinct, far apart for JPEG)."""
    return 30 + 20 * (index % 10)


def frame_image(index: int) -> np.ndarray:
    img = np.full((H, W, 3), frame_value(index), np.uint8)
    img[:, :3] = 255
    return img


def box_mask(obj_id: int) -> np.ndarray:
    y1, y2, x1, x2 = BOXES[obj_id]
    mask = np.zeros((H, W), np.uint8)
    mask[y1:y2, x1:x2] = 1
    return mask


def write_frames(folder: str, names, ext: str = '.jpg') -> None:
    os.makedirs(folder, exist_ok=True)
    for i, name in enumerate(names):
        Image.fromarray(frame_image(i)).save(osp.join(folder, name + ext), quality=95)


def write_palette_png(path: str, ids: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    img = Image.fromarray(ids.astype(np.uint8), 'L')
    img.putpalette(DAVIS_PALETTE)
    img.save(path)


def id_map(objects_present) -> np.ndarray:
    ids = np.zeros((H, W), np.uint8)
    for obj_id in objects_present:
        ids[box_mask(obj_id) > 0] = obj_id
    return ids


def dump_json(path: str, data) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=1, sort_keys=True)


# ---------------------------------------------------------------------------- Ref-YouTube-VOS
YTVOS_TRAIN = {
    # video: (frame count, {obj_id: frames (indices) where present})
    'ytvid_a': (10, {
        1: list(range(10)),
        2: [0, 1]
    }),
    'ytvid_b': (3, {
        1: [0, 1, 2]
    }),
}
YTVOS_EXPRESSIONS = {
    'ytvid_a': {
        '0': ('the dog on the left', '1'),
        '1': ('a small cat', '2'),
        '2': ('  A   Person  Running ', '1')
    },
    'ytvid_b': {
        '0': ('the person on the right', '1')
    },
}
YTVOS_VALID = {'ytval_1': 4, 'ytval_2': 3, 'yttest_1': 2}


def make_ref_youtube_vos(root: str) -> None:
    videos, meta = {}, {}
    for video, (length, objects) in YTVOS_TRAIN.items():
        names = [f'{5 * i:05d}' for i in range(length)]
        write_frames(osp.join(root, 'train/JPEGImages', video), names)
        for i, name in enumerate(names):
            present = [o for o, frames in objects.items() if i in frames]
            write_palette_png(osp.join(root, 'train/Annotations', video, name + '.png'), id_map(present))
        meta[video] = dict(objects={
            str(o): dict(category='person', frames=[names[i] for i in frames])
            for o, frames in objects.items()
        })
        videos[video] = dict(
            frames=names,
            expressions={
                e: dict(exp=text, obj_id=obj)
                for e, (text, obj) in YTVOS_EXPRESSIONS[video].items()
            })
    dump_json(osp.join(root, 'train/meta.json'), dict(videos=meta))
    dump_json(osp.join(root, 'meta_expressions/train/meta_expressions.json'), dict(videos=videos))
    valid, test = {}, {}
    for video, length in YTVOS_VALID.items():
        names = [f'{5 * i:05d}' for i in range(length)]
        write_frames(osp.join(root, 'valid/JPEGImages', video), names)
        entry = dict(
            frames=names,
            expressions={
                '0': dict(exp=f'the object in {video}'),
                '1': dict(exp='the thing on the left')
            })
        valid[video] = entry
        if video.startswith('yttest'):
            test[video] = dict(frames=names, expressions={'0': dict(exp=f'the object in {video}')})
    dump_json(osp.join(root, 'meta_expressions/valid/meta_expressions.json'), dict(videos=valid))
    dump_json(osp.join(root, 'meta_expressions/test/meta_expressions.json'), dict(videos=test))


# ---------------------------------------------------------------------------- Ref-DAVIS17
def make_ref_davis(root: str, tmp: str) -> None:
    """A raw DAVIS tree (2 train, 1 val video) converted with the repo's converter."""
    raw = osp.join(tmp, 'ref_davis_raw')
    davis = osp.join(raw, 'DAVIS')
    splits = {'train': ['dv-train'], 'val': ['dv-val']}
    for videos in splits.values():
        for video in videos:
            names = [f'{i:05d}' for i in range(4)]
            write_frames(osp.join(davis, 'JPEGImages/480p', video), names)
            for i, name in enumerate(names):
                ids = id_map([1, 2] if i < 3 else [1])
                ids[0, :] = 255  # void border row
                write_palette_png(osp.join(davis, 'Annotations_unsupervised/480p', video, name + '.png'), ids)
    os.makedirs(osp.join(davis, 'ImageSets/2017'), exist_ok=True)
    for split, videos in splits.items():
        with open(osp.join(davis, 'ImageSets/2017', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(videos) + '\n')
    dump_json(
        osp.join(davis, 'davis_semantics.json'),
        {v: {
            '1': 'person',
            '2': 'dog'
        }
         for videos in splits.values()
         for v in videos})
    text_dir = osp.join(raw, 'davis_text_annotations')
    os.makedirs(text_dir, exist_ok=True)
    texts = {
        'Davis17_annot1.txt': ('utf-8', 'a1 first'),
        'Davis17_annot1_full_video.txt': ('utf-8', 'a1 full'),
        'Davis17_annot2.txt': ('latin-1', 'a2 first caf\u00e9'),
        'Davis17_annot2_full_video.txt': ('latin-1', 'a2 full')
    }
    for name, (encoding, prefix) in texts.items():
        with open(osp.join(text_dir, name), 'w', encoding=encoding) as f:
            for videos in splits.values():
                for video in videos:
                    # objects listed out of order: the converter sorts them
                    f.write(f'{video} 2 "{prefix} dog of {video}"\n{video} 1 "{prefix} person on the left"\n')
    converter = load_tool('tools/dataset_converters/ref_davis17_to_ytvos.py')
    converter.convert(raw, root)


# ---------------------------------------------------------------------------- A2D-Sentences
A2D_VIDEOS = {'a2dvid01': (0, 10), 'a2dvid02': (1, 6), 'a2dvid03': (1, 5)}  # video: (subset, frames)
A2D_H5 = {  # video: {frame (1-based): instance ids}
    'a2dvid01': {3: [1, 2], 7: [1]},
    'a2dvid02': {2: [1]},
    'a2dvid03': {1: [1]},
}
A2D_SENTENCES = [
    ('a2dvid01', '1', 'Man on the left running'),
    ('a2dvid01', '2', 'a dog, jumping, barking'),
    ('a2dvid02', '1', 'the ball rolling'),
    ('a2dvid02', '1 (copy)', 'the ball rolling'),
    ('a2dvid03', '1', 'a missed video'),
]


def write_a2d_h5(path: str, instances) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    masks = np.stack([box_mask(i).T for i in instances])  # MATLAB order: (N, W, H)
    boxes = np.array([[BOXES[i][2], BOXES[i][0], BOXES[i][3] - 1, BOXES[i][1] - 1] for i in instances],
                     np.float64).T  # (4, N): x1, y1, x2, y2
    with h5py.File(path, 'w', track_order=False) as f:
        f.create_dataset('instance', data=np.asarray(instances, np.float64), track_times=False)
        f.create_dataset('reMask', data=masks[0] if len(instances) == 1 else masks, track_times=False)
        f.create_dataset('reBBox', data=boxes, track_times=False)


def make_a2d(root: str) -> None:
    os.makedirs(osp.join(root, 'Release'), exist_ok=True)
    with open(osp.join(root, 'Release/videoset.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        for video, (subset, length) in A2D_VIDEOS.items():
            writer.writerow([video, 11, 0.0, 1.0, H, W, length, 2, subset])
    for video, (_, length) in A2D_VIDEOS.items():
        write_frames(osp.join(root, 'Release/frames', video), [f'{i:05d}' for i in range(1, length + 1)])
        for frame, instances in A2D_H5[video].items():
            write_a2d_h5(
                osp.join(root, 'text_annotations/a2d_annotation_with_instances', video, f'{frame:05d}.h5'),
                instances)
    with open(osp.join(root, 'text_annotations/a2d_annotation.txt'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['video_id', 'instance_id', 'query'])
        writer.writerows(A2D_SENTENCES)
    with open(osp.join(root, 'text_annotations/a2d_missed_videos.txt'), 'w') as f:
        f.write('a2dvid03\n')


# ---------------------------------------------------------------------------- JHMDB-Sentences
JHMDB_VIDEOS = {'jvid01': ('walk', 6, 5), 'jvid02': ('run', 4, 4)}  # video: (action, frames, masks)


def make_jhmdb(root: str) -> None:
    samples = []
    for video, (action, length, num_masks) in JHMDB_VIDEOS.items():
        write_frames(
            osp.join(root, 'Rename_Images', action, video), [f'{i:05d}' for i in range(1, length + 1)],
            ext='.png')
        part_mask = np.zeros((H, W, num_masks), np.uint8)
        for t in range(num_masks):
            part_mask[..., t] = np.roll(box_mask(1), t, axis=1)  # the puppet moves right by 1 px per frame
        mask_path = osp.join(root, 'puppet_mask', action, video, 'puppet_mask.mat')
        os.makedirs(osp.dirname(mask_path), exist_ok=True)
        scipy.io.savemat(mask_path, {'part_mask': part_mask})
        for frame in (1, 3, num_masks):
            samples.append([
                video, f'/official/path/Rename_Images/{action}/{video}/{frame:05d}.png',
                f'/official/path/puppet_mask/{action}/{video}/puppet_mask.mat', num_masks,
                f'the {action}ing person'
            ])
    with open(osp.join(root, 'jhmdb_annotation.txt'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['video_id', 'query'])
        writer.writerows([['jvid01', 'The man walking to the left'], ['jvid02', 'a girl running']])
    dump_json(osp.join(root, 'jhmdb_sentences_samples_metadata.json'), samples)


# ---------------------------------------------------------------------------- RefCOCO
def polygon(obj_id: int) -> list:
    y1, y2, x1, x2 = BOXES[obj_id]
    return [[float(x1), float(y1), float(x2), float(y1), float(x2), float(y2), float(x1), float(y2)]]


def make_refcoco(root: str) -> None:
    img_dir = osp.join(root, 'coco/train2014')
    os.makedirs(img_dir, exist_ok=True)
    files = [f'COCO_train2014_{i:012d}.jpg' for i in (9, 25)]
    for i, name in enumerate(files):
        Image.fromarray(frame_image(i)).save(osp.join(img_dir, name), quality=95)
    entries = [  # (file, caption, obj_id, iscrowd, degenerate)
        (files[0], 'the man on the left', 1, 0, False),
        (files[0], 'Right  dog', 2, 0, False),
        (files[1], 'a crowd', 3, 1, False),
        (files[1], 'a broken box', 3, 0, True),
        (files[1], 'the small square', 3, 0, False),
    ]
    images, annotations = [], []
    for n, (name, caption, obj_id, crowd, degenerate) in enumerate(entries, 1):
        images.append(
            dict(
                file_name=name,
                height=H,
                width=W,
                original_id=int(name[-16:-4]),
                id=n,
                caption=caption,
                dataset_name='refcoco'))
        y1, y2, x1, x2 = BOXES[obj_id]
        annotations.append(
            dict(
                segmentation=polygon(obj_id),
                area=float((y2 - y1) * (x2 - x1)),
                iscrowd=crowd,
                bbox=[x1, y1, 0 if degenerate else x2 - x1, y2 - y1],
                image_id=n,
                category_id=1,
                id=n,
                original_id=1000 + n))
    categories = [dict(supercategory='person', id=1, name='person')]
    dump_json(
        osp.join(root, 'coco/refcoco/instances_refcoco_train.json'),
        dict(info={}, licenses=[], categories=categories, images=images, annotations=annotations))


# ---------------------------------------------------------------------------- MeViS
def rle(mask: np.ndarray) -> dict:
    encoded = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return dict(size=[int(s) for s in encoded['size']], counts=encoded['counts'].decode('ascii'))


def make_mevis(root: str) -> None:
    names = [f'{i:05d}' for i in range(6)]
    write_frames(osp.join(root, 'train/JPEGImages/mvid01'), names)
    write_frames(osp.join(root, 'train/JPEGImages/mvid02'), names[:1])
    mask_dict = {
        '10': [rle(box_mask(1)) for _ in names],  # object 0 of mvid01, every frame
        '11': [rle(box_mask(2)) if i < 3 else None for i in range(len(names))],  # object 1, frames 0-2
        '12': [None for _ in names],  # object 2: never visible
        '13': [rle(box_mask(1))],  # mvid02 object 0
    }
    videos = {
        'mvid01':
        dict(
            frames=names,
            expressions={
                '0': dict(exp='the bird moving left', obj_id=[0], anno_id=[10]),
                '1': dict(exp='two birds flying', obj_id=[0, 1], anno_id=[10, 11]),
                '2': dict(exp='the invisible bird', obj_id=[2], anno_id=[12])
            }),
        'mvid02':
        dict(frames=names[:1], expressions={'0': dict(exp='a static bird', obj_id=[0], anno_id=[13])}),
    }
    dump_json(osp.join(root, 'train/meta_expressions.json'), dict(videos=videos))
    dump_json(osp.join(root, 'train/mask_dict.json'), mask_dict)


def load_tool(relative_path: str):
    """Import a script of this repository's ``tools/`` folder."""
    path = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), relative_path)
    spec = importlib.util.spec_from_file_location(osp.splitext(osp.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_all(out: str) -> None:
    """Write every fixture dataset under ``out`` (existing fixture folders are replaced)."""
    tmp = osp.join(out, '_tmp_raw')
    makers = dict(
        ref_youtube_vos=make_ref_youtube_vos,
        a2d_sentences=make_a2d,
        jhmdb_sentences=make_jhmdb,
        refcoco=make_refcoco,
        mevis=make_mevis)
    for name in list(makers) + ['ref_davis']:
        shutil.rmtree(osp.join(out, name), ignore_errors=True)
    for name, maker in makers.items():
        maker(osp.join(out, name))
    make_ref_davis(osp.join(out, 'ref_davis'), tmp)
    shutil.rmtree(tmp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=osp.join('tests', 'data'))
    make_all(parser.parse_args().out)


if __name__ == '__main__':
    main()
