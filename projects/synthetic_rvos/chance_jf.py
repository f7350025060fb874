# Copyright (c) mmrvos contributors. All rights reserved.
"""The J&F of picking an object at random: the chance level of a split with ground truth, per expression kind.

Every expression is scored against the ground-truth masks of each object of its video (``<split>/meta.json``)
in turn, with the benchmark's J and F (:func:`mmrvos.evaluation.functional.expression_jf`), and the scores
are averaged over the objects: the expected J&F of a model that segments perfectly but picks the referred
object uniformly at random. J&F per kind (``meta_expressions/<split>/expression_kinds.json``) and over all
expressions, as ``tools/run_synthetic_benchmark.py`` reports a model.

Example::

    python projects/synthetic_rvos/chance_jf.py data/synthetic_rvos [--split valid] [--json chance.json]
"""
import argparse
import json
import os.path as osp
from typing import Dict, List, Optional

import numpy as np

from mmrvos.evaluation.functional import expression_jf, read_index_sequence, summarize_expressions


def _load(path: str) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found (a dataset written by make_synthetic_rvos.py?)')
    with open(path) as f:
        return json.load(f)


def chance_jf(root: str, split: str = 'valid') -> Dict[str, Dict[str, float]]:
    """Expected J, F and J&F of a uniformly random object of the video, per expression kind and ``all``.

    Args:
        root (str): Dataset root (the Ref-YouTube-VOS layout, ``<split>/Annotations`` included).
        split (str): Split. Defaults to ``'valid'``.

    Returns:
        dict[str, dict[str, float]]: ``{kind: {'J&F', 'J', 'F', 'num_expressions'}}``.
    """
    videos = _load(osp.join(root, 'meta_expressions', split, 'meta_expressions.json'))['videos']
    objects = _load(osp.join(root, split, 'meta.json'))['videos']
    groups: Dict[str, List] = {}
    for video, info in sorted(videos.items()):
        if video not in objects:
            raise KeyError(f'{root}/{split}/meta.json: no video {video}')
        maps = read_index_sequence(osp.join(root, split, 'Annotations', video), info['frames'])  # (T, H, W)
        for exp_id, exp in info['expressions'].items():
            gt = maps == int(exp['obj_id'])
            scores = np.mean([expression_jf(gt, maps == int(o)) for o in objects[video]['objects']], axis=0)
            for kind in (exp.get('kind', 'all'), 'all'):
                groups.setdefault(kind, []).append(scores)
    table = {}
    for kind, scores in groups.items():
        j_values, f_values = zip(*scores)
        table[kind] = dict(summarize_expressions(list(j_values), list(f_values)), num_expressions=len(scores))
    return table


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description='J&F of a uniformly random object (chance level)')
    parser.add_argument('root', help='dataset root (tools/dataset_converters/make_synthetic_rvos.py)')
    parser.add_argument('--split', default='valid')
    parser.add_argument('--json', default=None, help='write the table to this file')
    args = parser.parse_args(argv)
    table = chance_jf(args.root, args.split)
    print(f'chance (a random object of the video), split {args.split} of {args.root}')
    for kind, row in table.items():
        print(f'{kind:<12}J&F {row["J&F"]:.3f}  J {row["J"]:.3f}  F {row["F"]:.3f}  '
              f'n {row["num_expressions"]}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(table, f, indent=1)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
