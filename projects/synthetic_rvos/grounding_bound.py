# Copyright (c) mmrvos contributors. All rights reserved.
"""How learnable are the synthetic benchmark's sentences, given perfect segmentation?

A referring model's J&F on an expression is at most its mask quality when it picks the referred object,
and near 0 when it picks another one, so the share of held-out expressions whose object it picks (the
*selection accuracy*) bounds what it can reach. This tool measures two such bounds on a dataset written by
``tools/dataset_converters/make_synthetic_rvos.py`` (it needs ``<split>/synthetic_scenes.json``):

1. **Attribute oracles** (no learning): an oracle that knows some attributes of every object exactly
   (shape, colour, size, texture; ``motion``: the motion phrases true of it, from the scene file's
   ``facts``, and which object appears first or last) picks uniformly among the objects that agree
   with the words of those attributes in the sentence. ``all`` must give 1.0 (every expression names
   its object); ``none`` is chance.
2. **A small grounding model learnt from the sentences alone**, as a referring model would be, but on the
   ground-truth objects: each object is a crop of ``2r x 2r`` pixels around its mask centroid in every
   frame (a CNN, then the mean over the frames where it is visible) and its track (centroid, presence
   and area per frame, a GRU); each sentence is a GRU over word embeddings; the score of an object is
   the dot product, trained with a softmax over the objects of the video. ``--encoder pooled`` averages
   the CNN's feature map over space instead of reading it whole, as a query that samples a few points of
   a feature map does. The held-out selection accuracy per expression kind is printed against the
   training wall time (torch threads: ``--threads``).

Example::

    python projects/synthetic_rvos/grounding_bound.py data/synthetic_rvos --steps 1000
"""
import argparse
import json
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

from mmrvos.datasets.synthetic import RELATIVE_PHRASES, SCENES_FILE, read_scenes
from mmrvos.evaluation.functional import read_index_sequence

ATTRIBUTES = ('shape', 'colour', 'size', 'texture')
ORACLES = {
    'all': ATTRIBUTES + ('motion', ),
    'no shape': ('colour', 'size', 'texture', 'motion'),
    'no motion': ATTRIBUTES,
    'shape only': ('shape', ),
    'colour only': ('colour', ),
    'none': (),
}
KINDS = ('appearance', 'motion')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Selection-accuracy bounds of a synthetic RVOS dataset: attribute oracles and a small '
        'grounding model trained on ground-truth objects')
    parser.add_argument('data_root', help='dataset folder (make_synthetic_rvos.py output)')
    parser.add_argument('--train-split', default='train')
    parser.add_argument('--test-split', default='valid')
    parser.add_argument('--max-train-videos', type=int, default=None, help='use the first N train videos')
    parser.add_argument('--steps', type=int, default=1000, help='training steps (0: oracles only)')
    parser.add_argument('--videos-per-step', type=int, default=8)
    parser.add_argument('--eval-interval', type=int, default=100)
    parser.add_argument('--encoder', choices=('spatial', 'pooled'), default='spatial',
                        help='read the crop CNN\'s feature map whole (spatial) or its spatial mean (pooled)')
    parser.add_argument('--crop-radius', type=int, default=None,
                        help='half crop size in pixels (default: 16 at a frame height of 96, scaled)')
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=1, help='torch threads')
    parser.add_argument('--json', default=None, help='write the oracles and the learning curve here')
    return parser.parse_args(argv)


def oracle_candidates(objects: Dict[str, dict], expression: dict, known: Sequence[str]) -> List[str]:
    """The objects an oracle knowing the ``known`` attributes cannot tell from the referred one."""
    words = {'shape': expression['shape'], **expression['attributes']}
    candidates = [obj_id for obj_id, obj in objects.items()
                  if all(obj[name] == value for name, value in words.items() if name in known)]
    motion = expression.get('motion')
    if 'motion' in known and motion:
        if motion in RELATIVE_PHRASES:  # "appears first/last": true of one object among the candidates
            candidates = [obj_id for obj_id in candidates if obj_id == expression['obj_id']]
        else:  # as the generator resolves sentences: a borderline fact ('?' + key) does not rule out
            candidates = [obj_id for obj_id in candidates
                          if {motion, '?' + motion} & set(objects[obj_id]['facts'])]
    return candidates


def oracle_accuracy(scenes: Dict[str, dict], known: Sequence[str]) -> Dict[str, float]:
    """Expected selection accuracy per kind of an oracle picking uniformly among its candidates."""
    hits: Dict[str, List[float]] = {kind: [] for kind in KINDS}
    for video_id, scene in scenes.items():
        for exp_id, expression in scene['expressions'].items():
            candidates = oracle_candidates(scene['objects'], expression, known)
            if expression['kind'] not in hits:
                raise ValueError(f'video {video_id} expression {exp_id}: unknown kind {expression["kind"]!r}')
            hit = expression['obj_id'] in candidates
            hits[expression['kind']].append(1.0 / len(candidates) if hit else 0.0)
    return {kind: float(np.mean(values)) if values else float('nan') for kind, values in hits.items()}


def load_objects(data_root: str, split: str, scenes: Dict[str, dict], radius: Optional[int],
                 max_videos: Optional[int] = None) -> List[dict]:
    """Per video: uint8 crops (N, T, 3, 2r, 2r), tracks (N, T, 4) and (sentence, object index, kind)."""
    meta_file = osp.join(data_root, 'meta_expressions', split, 'meta_expressions.json')
    if not osp.isfile(meta_file):
        raise FileNotFoundError(f'{meta_file} not found: is this a dataset written by '
                                'make_synthetic_rvos.py?')
    with open(meta_file) as f:
        meta = json.load(f)['videos']
    videos = []
    for video_id in list(scenes)[:max_videos]:
        scene = scenes[video_id]
        if video_id not in meta:
            raise KeyError(f'video {video_id} of {split}/{SCENES_FILE} is not in the meta expressions')
        frames = meta[video_id]['frames']
        obj_ids = sorted(scene['objects'], key=int)
        labels_seq = read_index_sequence(osp.join(data_root, split, 'Annotations', video_id), frames)
        height, width = labels_seq.shape[1:]
        r = radius or 4 * max(1, round(4 * height / 96))
        crops = np.zeros((len(obj_ids), len(frames), 3, 2 * r, 2 * r), np.uint8)
        tracks = np.zeros((len(obj_ids), len(frames), 4), np.float32)
        for t, (frame, labels) in enumerate(zip(frames, labels_seq)):
            image = np.array(Image.open(osp.join(data_root, split, 'JPEGImages', video_id, f'{frame}.jpg')))
            padded = np.pad(image, ((r, r), (r, r), (0, 0)))
            for i, obj_id in enumerate(obj_ids):
                ys, xs = np.nonzero(labels == int(obj_id))
                if len(ys) == 0:
                    continue
                cy, cx = int(ys.mean()), int(xs.mean())
                crops[i, t] = padded[cy:cy + 2 * r, cx:cx + 2 * r].transpose(2, 0, 1)
                tracks[i, t] = (cx / width, cy / height, 1.0, len(ys) / (height * width) * 100)
        expressions = []
        for exp_id, expression in scene['expressions'].items():
            if expression['obj_id'] not in obj_ids:
                raise ValueError(f'video {video_id} expression {exp_id}: object {expression["obj_id"]} '
                                 f'is not among its objects {obj_ids}')
            expressions.append((expression['text'], obj_ids.index(expression['obj_id']), expression['kind']))
        videos.append(dict(video_id=video_id, crops=torch.from_numpy(crops), tracks=torch.from_numpy(tracks),
                           expressions=expressions))
    return videos


class GroundingModel(nn.Module):
    """Object encoder (crop CNN + track GRU) and sentence encoder (word GRU), scored by dot product."""

    def __init__(self, words: Sequence[str], crop_size: int, encoder: str = 'spatial', dims: int = 128):
        super().__init__()
        self.word_index = {w: i for i, w in enumerate(words)}
        self.encoder = encoder
        self.cnn = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU())
        cells = 32 * (crop_size // 4)**2 if encoder == 'spatial' else 32
        self.appearance = nn.Sequential(nn.Linear(cells, dims), nn.ReLU(), nn.Linear(dims, dims))
        self.track = nn.GRU(4, dims, batch_first=True)
        self.embed = nn.Embedding(len(words), dims)
        self.sentence = nn.GRU(dims, 2 * dims, batch_first=True)

    def objects(self, video: dict) -> torch.Tensor:
        crops, tracks = video['crops'], video['tracks']
        num, frames = crops.shape[:2]
        maps = self.cnn(crops.flatten(0, 1).float() / 255.)
        feats = maps.flatten(1) if self.encoder == 'spatial' else maps.mean((2, 3))
        feats = self.appearance(feats).view(num, frames, -1)
        visible = tracks[..., 2:3]
        look = (feats * visible).sum(1) / visible.sum(1).clamp(min=1)
        _, motion = self.track(tracks)
        return torch.cat([look, motion[0]], 1)

    def sentences(self, texts: Sequence[str]) -> torch.Tensor:
        out = []
        for text in texts:
            ids = [self.word_index[w] for w in text.lower().split() if w in self.word_index]
            if not ids:
                raise ValueError(f'sentence {text!r} has no word of the training vocabulary')
            _, hidden = self.sentence(self.embed(torch.tensor(ids))[None])
            out.append(hidden[0, 0])
        return torch.stack(out)

    def scores(self, video: dict) -> torch.Tensor:
        """(num expressions, num objects) logits."""
        return self.sentences([e[0] for e in video['expressions']]) @ self.objects(video).t()


def selection_accuracy(model: GroundingModel, videos: Sequence[dict]) -> Dict[str, float]:
    hits: Dict[str, List[int]] = {kind: [] for kind in KINDS}
    model.eval()
    with torch.no_grad():
        for video in videos:
            picked = model.scores(video).argmax(1).tolist()
            for (_, target, kind), pick in zip(video['expressions'], picked):
                hits.setdefault(kind, []).append(int(pick == target))
    model.train()
    return {kind: float(np.mean(v)) if v else float('nan') for kind, v in hits.items()}


def train_grounding(train: Sequence[dict], test: Sequence[dict], steps: int, videos_per_step: int = 8,
                    eval_interval: int = 100, encoder: str = 'spatial', lr: float = 1e-3,
                    seed: int = 0) -> List[dict]:
    """Train :class:`GroundingModel`; the learning curve (step, seconds, train/test accuracy)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    words = sorted({word for video in train for text, _, _ in video['expressions']
                    for word in text.lower().split()})
    model = GroundingModel(words, train[0]['crops'].shape[-1], encoder)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    train_probe = list(train[:len(test) or 30])
    curve, seconds = [], 0.0
    for step in range(1, steps + 1):
        start = time.perf_counter()
        losses = []
        for index in rng.integers(len(train), size=videos_per_step):
            video = train[index]
            targets = torch.tensor([e[1] for e in video['expressions']])
            losses.append(F.cross_entropy(model.scores(video), targets, reduction='none'))
        loss = torch.cat(losses).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seconds += time.perf_counter() - start
        if step % eval_interval == 0 or step == steps:
            curve.append(dict(step=step, train_seconds=round(seconds, 1), loss=round(loss.item(), 4),
                              train=selection_accuracy(model, train_probe),
                              test=selection_accuracy(model, test)))
            row = curve[-1]
            print(f'{step:6d} {seconds:7.0f}s  loss {row["loss"]:.3f}  ' + '  '.join(
                f'{kind} {row["train"][kind]:.3f} / {row["test"][kind]:.3f}' for kind in KINDS), flush=True)
    return curve


def main(argv=None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    results: dict = dict(data_root=args.data_root, oracles={})
    test_scenes = read_scenes(args.data_root, args.test_split)
    print(f'attribute oracles on {args.test_split} (expected selection accuracy):')
    print(f'{"knows":<12}' + ''.join(f'{kind:>12}' for kind in KINDS))
    for name, known in ORACLES.items():
        results['oracles'][name] = oracle_accuracy(test_scenes, known)
        print(f'{name:<12}' + ''.join(f'{results["oracles"][name][kind]:12.3f}' for kind in KINDS))
    if args.steps > 0:
        train_scenes = read_scenes(args.data_root, args.train_split)
        start = time.perf_counter()
        train = load_objects(args.data_root, args.train_split, train_scenes, args.crop_radius,
                             args.max_train_videos)
        test = load_objects(args.data_root, args.test_split, test_scenes, args.crop_radius)
        print(f'\n{len(train)} {args.train_split} and {len(test)} {args.test_split} videos loaded in '
              f'{time.perf_counter() - start:.0f} s; grounding model ({args.encoder} encoder), selection '
              f'accuracy {args.train_split} / {args.test_split}:')
        results['grounding'] = dict(
            encoder=args.encoder, num_train_videos=len(train), num_test_videos=len(test),
            curve=train_grounding(train, test, args.steps, args.videos_per_step, args.eval_interval,
                                  args.encoder, args.lr, args.seed))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)
        print(f'written to {args.json}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
