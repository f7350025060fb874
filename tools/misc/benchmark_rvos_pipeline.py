# Copyright (c) mmrvos contributors. All rights reserved.
"""Measure the items/s of a dataset config's pipeline (single process, no DataLoader workers).

Usage::

    python tools/misc/benchmark_rvos_pipeline.py configs/_base_/datasets/ref_youtube_vos.py \
        --data-root tests/data/ref_youtube_vos --loader train_dataloader --items 200

Prints the dataset build time (annotation parsing + serialization), items/s of ``dataset[i]`` and the
mean time of each top-level transform.
"""
import argparse
import copy
import time
from collections import defaultdict

from mmengine import Config

from mmrvos.registry import DATASETS
from mmrvos.utils import register_all_modules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--data-root', help='override the dataset data_root')
    parser.add_argument('--loader', default='train_dataloader')
    parser.add_argument('--items', type=int, default=200, help='items to time (cycling over the dataset)')
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--cfg-options', nargs='*', default=[], help='dataset key=value overrides (ints/str)')
    args = parser.parse_args()

    register_all_modules(init_default_scope=True)
    dataset_cfg = Config.fromfile(args.config)[args.loader].dataset
    if args.data_root:
        dataset_cfg.data_root = args.data_root.rstrip('/') + '/'
    for option in args.cfg_options:
        key, value = option.split('=', 1)
        dataset_cfg[key] = int(value) if value.lstrip('-').isdigit() else value
    start = time.perf_counter()
    dataset = DATASETS.build(dataset_cfg)
    build_s = time.perf_counter() - start
    n = len(dataset)
    for i in range(args.warmup):
        dataset[i % n]
    start = time.perf_counter()
    for i in range(args.items):
        dataset[i % n]
    total = time.perf_counter() - start
    per_transform = defaultdict(float)
    for i in range(min(args.items, 50)):
        results = copy.deepcopy(dataset.get_data_info(i % n))
        for transform in dataset.pipeline.transforms:
            t0 = time.perf_counter()
            results = transform(results)
            per_transform[type(transform).__name__] += time.perf_counter() - t0
    runs = min(args.items, 50)
    print(f'dataset: {type(dataset).__name__}, {n} items, built in {build_s:.3f} s')
    print(f'pipeline: {args.items / total:.1f} items/s ({1000 * total / args.items:.2f} ms/item, 1 process)')
    for name, seconds in per_transform.items():
        print(f'  {name:28s} {1000 * seconds / runs:8.2f} ms/item')


if __name__ == '__main__':
    main()
