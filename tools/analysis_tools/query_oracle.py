# Copyright (c) mmrvos contributors. All rights reserved.
"""Tell mask quality from query selection: J of the selected query against J of the best query.

An RVOS model such as SOC predicts a mask per query and picks one query per video by its score. When its
J&F is low, either no query segments the referred object (masks/localisation) or the right query exists
but is not picked (grounding). This tool runs a checkpoint on the test split with every query kept
(``test_cfg.query_selection='all'``) and reports, per expression kind, the mean J (region similarity,
mean over frames) of

* ``selected``: the query with the highest mean score (what the model outputs),
* ``oracle``: the query with the highest J (an upper bound for a perfect selection),
* ``picked best``: how often the selected query is the oracle one.

It reads the ground truth from the split's palette-PNG ``Annotations`` (Ref-YouTube-VOS layout, e.g. the
synthetic benchmark) and the kinds from ``meta_expressions/<split>/expression_kinds.json`` when present.

Example::

    python tools/analysis_tools/query_oracle.py configs/synthetic/soc_tiny_1xb8-800it_synthetic-rvos.py \\
        work_dirs/synthetic_rvos/soc_tiny_1xb8-800it_synthetic-rvos/iter_800.pth
"""
import argparse
import json
import os.path as osp
from collections import defaultdict
from itertools import islice
from typing import Dict, Iterator, List

import mmengine  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

from mmrvos.evaluation.functional import read_index_sequence, region_similarity  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--split', default='valid', help='split folder under the data root')
    parser.add_argument('--max-items', type=int, default=None, help='stop after this many expressions')
    parser.add_argument('--json', default=None, help='write the table to this file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. test_dataloader.dataset.data_root=...')
    return parser.parse_args(argv)


def load_gt(ann_dir: str, video: str, frames: List[str], obj_ids: List[int]) -> np.ndarray:
    """(T, H, W) bool mask of the referred object(s) from the split's palette PNGs."""
    return np.isin(read_index_sequence(osp.join(ann_dir, video), frames), obj_ids)


def iter_samples(model, loader) -> Iterator:
    """Every predicted (video, expression) sample of the test loader."""
    for data in loader:
        yield from model.test_step(data)


def main(argv=None) -> Dict[str, Dict[str, float]]:
    args = parse_args(argv)
    from mmengine.runner import Runner

    from mmrvos.apis import init_model
    model = init_model(args.config, args.checkpoint, cfg_options=args.cfg_options)
    cfg = model.cfg
    model.head.test_cfg['query_selection'] = 'all'
    loader_cfg = cfg.test_dataloader.copy()
    loader_cfg.update(num_workers=0, persistent_workers=False)
    loader = Runner.build_dataloader(loader_cfg)
    root = loader.dataset.data_root
    ann_dir = osp.join(root, args.split, 'Annotations')
    kinds_file = osp.join(root, 'meta_expressions', args.split, 'expression_kinds.json')
    kinds = {}
    if osp.isfile(kinds_file):
        with open(kinds_file) as f:
            kinds = json.load(f)['videos']
    rows = defaultdict(lambda: defaultdict(list))
    with torch.no_grad():
        for sample in islice(iter_samples(model, loader), args.max_items):
            meta = sample.metainfo
            video, exp_id = meta['video_id'], meta['exp_id']
            frames = [s.metainfo['frame_name'] for s in sample.video_data_samples]
            gt = load_gt(ann_dir, video, frames, [int(i) for i in meta['obj_ids']])
            preds = [s.pred_track_instances for s in sample.video_data_samples]
            masks = torch.stack([p.masks for p in preds], 1).cpu().numpy()  # (Q, T, H, W)
            scores = torch.stack([p.scores for p in preds], 1).mean(1).cpu().numpy()
            js = [float(region_similarity(gt, m).mean()) for m in masks]
            selected, best = int(scores.argmax()), int(np.argmax(js))
            for kind in {kinds.get(video, {}).get(exp_id, 'all'), 'all'}:
                rows[kind]['selected'].append(js[selected])
                rows[kind]['oracle'].append(js[best])
                rows[kind]['picked best'].append(float(js[selected] == js[best]))
    table = {kind: dict({k: float(np.mean(v)) for k, v in cols.items()}, n=len(cols['selected']))
             for kind, cols in rows.items()}
    print(f'{"kind":<12} {"selected J":>10} {"oracle J":>9} {"picked best":>11} {"n":>5}')
    for kind in sorted(table, key=lambda k: (k == 'all', k)):
        row = table[kind]
        print(f'{kind:<12} {row["selected"]:>10.3f} {row["oracle"]:>9.3f} {row["picked best"]:>11.2f} '
              f'{row["n"]:>5d}')
    if args.json:
        mmengine.dump(table, args.json, indent=2)  # creates the folder
    return table


if __name__ == '__main__':
    main()
