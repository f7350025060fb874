# Copyright (c) mmrvos contributors. All rights reserved.
"""Which attributes of the objects do a model's features encode? Linear probes per stage.

For the synthetic benchmark (whose ``<split>/synthetic_scenes.json`` lists every object's colour, shape,
size, texture and motion), this tool runs a checkpoint once on every video of the train and the test
split and takes, for every object,

* ``input``, ``backbone`` (stride 8), ``neck`` (stride 8, after the language-to-vision fusion) and
  ``memory`` (the deformable encoder's stride-8 output): the feature map averaged over the object's
  ground-truth pixels of all frames;
* ``frame_query`` (last decoder layer, averaged over frames) and ``video_query`` (VOC output, when the
  model has one): the query whose predicted mask overlaps the object best (highest mean J).

A ridge classifier per (stage, attribute) is fit on the train split's objects and scored on the test
split's. An attribute the sentences name (colour, shape, ...) can only be grounded by the class head if
the query features encode it: an accuracy at the majority rate means they do not.

Example::

    python projects/synthetic_rvos/probe_object_features.py \\
        configs/synthetic/soc_tiny_1xb8-800it_synthetic-rvos.py \\
        work_dirs/synthetic_rvos/soc_tiny_1xb8-800it_synthetic-rvos/iter_800.pth
"""
import argparse
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import mmengine  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

from mmrvos.datasets.synthetic import read_scenes  # noqa: E402
from mmrvos.evaluation.functional import read_index_sequence, region_similarity  # noqa: E402

STAGES = ('input', 'backbone', 'neck', 'memory', 'frame_query', 'video_query')
ATTRIBUTES = ('colour', 'shape', 'size', 'texture', 'motion')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--train-split', default='train', help='split the probes are fit on')
    parser.add_argument('--test-split', default='valid', help='split the probes are scored on')
    parser.add_argument('--max-videos', type=int, default=None, help='use at most this many videos per split')
    parser.add_argument('--alpha', type=float, default=10.0, help='ridge penalty (features are standardised)')
    parser.add_argument('--json', default=None, help='write the table to this file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. test_dataloader.dataset.data_root=...')
    return parser.parse_args(argv)


def ridge_probe(train_x: np.ndarray, train_y: Sequence, test_x: np.ndarray, test_y: Sequence,
                alpha: float = 10.0) -> Tuple[float, float]:
    """Fit a one-vs-rest ridge classifier on standardised features.

    Returns:
        tuple[float, float]: test accuracy, and the accuracy of always answering the test split's
        most frequent label (the chance level to compare with).
    """
    labels = sorted(set(train_y) | set(test_y))
    index = {label: i for i, label in enumerate(labels)}
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    a = np.c_[(train_x - mean) / std, np.ones(len(train_x))]
    targets = np.eye(len(labels))[[index[y] for y in train_y]]
    weights = np.linalg.solve(a.T @ a + alpha * np.eye(a.shape[1]), a.T @ targets)
    pred = (np.c_[(test_x - mean) / std, np.ones(len(test_x))] @ weights).argmax(1)
    truth = np.array([index[y] for y in test_y])
    return float((pred == truth).mean()), float(np.bincount(truth).max() / len(truth))


def pool(feature_map: torch.Tensor, mask: torch.Tensor) -> np.ndarray:
    """Average a (T, C, h, w) map over a (T, H, W) mask given at the padded input size."""
    weights = F.interpolate(mask[:, None].float(), size=feature_map.shape[-2:], mode='area')
    return ((feature_map * weights).sum((0, 2, 3)) / weights.sum().clamp(min=1e-6)).cpu().numpy()


class FeatureTap:
    """Forward hooks that keep the last input of the backbone and the outputs of neck, encoder, decoder
    and VOC of an SOC model."""

    def __init__(self, model) -> None:
        self.outputs: Dict[str, object] = {}
        self.calls = 0
        head = model.head
        self.handles = [
            model.backbone.register_forward_hook(self._keep_backbone),
            model.neck.register_forward_hook(lambda m, i, o: self.outputs.__setitem__('neck', o['feats'][0])),
            head.encoder.register_forward_hook(lambda m, i, o: self.outputs.__setitem__('memory', o)),
            head.decoder.register_forward_hook(lambda m, i, o: self.outputs.__setitem__('hs', o[0][-1])),
        ]
        if head.voc is not None:
            self.handles.append(
                head.voc.register_forward_hook(lambda m, i, o: self.outputs.__setitem__('voc', o[-1])))

    def _keep_backbone(self, module, inputs, output) -> None:
        self.calls += 1
        self.outputs['input'] = inputs[0].flatten(0, 1)  # (N*T, 3, H, W)
        self.outputs['backbone'] = output[1]  # stride 8

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def collect(model, loader, data_root: str, split: str, max_videos: Optional[int]) -> List[dict]:
    """Features and attributes of every object of the split's videos (first expression of each)."""
    scenes = read_scenes(data_root, split)
    ann_dir = osp.join(data_root, split, 'Annotations')
    tap = FeatureTap(model)
    rows, seen = [], set()
    try:
        with torch.no_grad():
            for data in loader:
                if len(data['data_samples']) != 1:
                    raise ValueError('probe_object_features needs test_dataloader.batch_size=1')
                video = data['data_samples'][0].metainfo['video_id']
                if video in seen:
                    continue
                if max_videos is not None and len(seen) >= max_videos:
                    break
                seen.add(video)
                tap.calls = 0
                sample = model.test_step(data)[0]
                if tap.calls != 1:
                    raise ValueError(f'video {video}: the model ran {tap.calls} times (windowed inference); '
                                     'set test_cfg.clip_length=None to probe whole videos')
                rows.extend(_video_rows(sample, tap.outputs, scenes[video]['objects'], ann_dir))
    finally:
        tap.remove()
    return rows


def _video_rows(sample, outputs: dict, objects: dict, ann_dir: str) -> List[dict]:
    video = sample.metainfo['video_id']
    frames = [s.metainfo['frame_name'] for s in sample.video_data_samples]
    preds = [s.pred_track_instances for s in sample.video_data_samples]
    pred_masks = torch.stack([p.masks for p in preds], 1).cpu().numpy()  # (Q, T, H0, W0)
    index_masks = read_index_sequence(osp.join(ann_dir, video), frames)
    pad_h, pad_w = outputs['input'].shape[-2:]
    img_h, img_w = sample.video_data_samples[0].metainfo['img_shape'][:2]
    neck = outputs['neck']
    num_frames, _, h, w = neck.shape
    memory = outputs['memory'][:, :h * w].transpose(1, 2).reshape(num_frames, -1, h, w)
    frame_queries = outputs['hs'].mean(0)  # (Q, C)
    rows = []
    for obj_id, obj in objects.items():
        gt = index_masks == int(obj_id)
        best = int(np.argmax([region_similarity(gt, m).mean() for m in pred_masks]))
        mask = F.interpolate(torch.from_numpy(gt)[:, None].float(), size=(img_h, img_w), mode='nearest')[:, 0]
        mask = F.pad(mask, (0, pad_w - img_w, 0, pad_h - img_h))
        feats = dict(
            input=pool(outputs['input'], mask), backbone=pool(outputs['backbone'], mask),
            neck=pool(neck, mask), memory=pool(memory, mask), frame_query=frame_queries[best].cpu().numpy())
        if 'voc' in outputs:
            feats['video_query'] = outputs['voc'][0, best].cpu().numpy()
        motion = obj['motion'] if not obj.get('direction') else f'{obj["motion"]}_{obj["direction"]}'
        rows.append(dict(feats=feats, colour=obj['colour'], shape=obj['shape'], size=obj['size'],
                         texture=obj['texture'], motion=motion))
    return rows


def probe_table(train_rows: List[dict], test_rows: List[dict], alpha: float = 10.0) -> Dict[str, dict]:
    """{stage: {attribute: {'accuracy', 'majority'}}} for every stage present in the rows."""
    table = {}
    for stage in STAGES:
        if stage not in train_rows[0]['feats']:
            continue
        train_x = np.stack([r['feats'][stage] for r in train_rows])
        test_x = np.stack([r['feats'][stage] for r in test_rows])
        table[stage] = {}
        for attr in ATTRIBUTES:
            acc, majority = ridge_probe(train_x, [r[attr] for r in train_rows], test_x,
                                        [r[attr] for r in test_rows], alpha)
            table[stage][attr] = dict(accuracy=acc, majority=majority)
    return table


def main(argv=None) -> Dict[str, dict]:
    args = parse_args(argv)
    from mmengine.runner import Runner

    from mmrvos.apis import init_model
    model = init_model(args.config, args.checkpoint, cfg_options=args.cfg_options)
    cfg = model.cfg
    model.head.test_cfg['query_selection'] = 'all'
    rows = {}
    for split in (args.train_split, args.test_split):
        loader_cfg = cfg.test_dataloader.copy()
        loader_cfg.update(num_workers=0, persistent_workers=False)
        loader_cfg.dataset.update(
            ann_file=f'meta_expressions/{split}/meta_expressions.json', meta_file=f'{split}/meta.json',
            data_prefix=dict(img=f'{split}/JPEGImages', ann=f'{split}/Annotations'), exclude_ann_file=None)
        loader = Runner.build_dataloader(loader_cfg)
        rows[split] = collect(model, loader, loader.dataset.data_root, split, args.max_videos)
    table = probe_table(rows[args.train_split], rows[args.test_split], args.alpha)
    print(f'linear probes fit on {len(rows[args.train_split])} {args.train_split} objects, scored on '
          f'{len(rows[args.test_split])} {args.test_split} objects: accuracy (majority rate)')
    print(f'{"stage":<12}' + ''.join(f'{a:>15}' for a in ATTRIBUTES))
    for stage, row in table.items():
        cells = [f'{row[a]["accuracy"]:>8.2f} ({row[a]["majority"]:.2f})' for a in ATTRIBUTES]
        print(f'{stage:<12}' + ''.join(cells))
    if args.json:
        mmengine.dump(table, args.json, indent=2)  # creates the folder
    return table


if __name__ == '__main__':
    main()
