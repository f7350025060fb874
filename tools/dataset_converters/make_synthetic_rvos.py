# Copyright (c) mmrvos contributors. All rights reserved.
"""Generate the built-in synthetic referring-video benchmark in the Ref-YouTube-VOS layout.

    <out>/{train,valid}/JPEGImages/<video>/<frame>.jpg
    <out>/{train,valid}/Annotations/<video>/<frame>.png     # palette PNG, value = object id (valid too)
    <out>/{train,valid}/meta.json                          # objects: category (shape), frames
    <out>/{train,valid}/synthetic_scenes.json              # objects, motion facts, expression structure
    <out>/meta_expressions/{train,valid}/meta_expressions.json   # {exp, obj_id, kind}
    <out>/meta_expressions/{train,valid}/expression_kinds.json   # {video: {exp_id: kind}}
    <out>/meta_expressions/test/meta_expressions.json            # empty
    <out>/vocab.txt, <out>/sentences.txt, <out>/synthetic_info.json

The output depends only on the arguments. A directory generated with the same arguments (and generator
version) is left as it is; one from another generator version is regenerated; ``--force`` regenerates
one generated with other arguments. See docs/synthetic_benchmark.md.

Usage::

    python tools/dataset_converters/make_synthetic_rvos.py [--out data/synthetic_rvos] [--num-train 200]
        [--num-valid 30] [--seed 0] [--height 96] [--width 160] [--frames 12 24] [--objects 3 4]
        [--motion-phrases KEY ... | all | benchmark] [--force]
"""
import argparse
import json
import os
import os.path as osp
import shutil
import sys
import time
from dataclasses import asdict

from mmrvos.datasets.synthetic import (
    BENCHMARK_MOTION_PHRASES,
    GENERATOR_NAME,
    GENERATOR_VERSION,
    SyntheticRVOSConfig,
    generate_dataset,
)

INFO_FILE = 'synthetic_info.json'
# Named sets of motion phrases accepted by --motion-phrases (None: every phrase).
PHRASE_SETS = {'all': None, 'benchmark': BENCHMARK_MOTION_PHRASES}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data/synthetic_rvos', help='output directory')
    parser.add_argument('--num-train', type=int, default=200, help='number of training videos')
    parser.add_argument('--num-valid', type=int, default=30, help='number of validation videos')
    parser.add_argument('--seed', type=int, default=0, help='random seed (>= 0)')
    parser.add_argument('--height', type=int, default=96, help='frame height')
    parser.add_argument('--width', type=int, default=160, help='frame width')
    parser.add_argument('--frames', type=int, nargs=2, default=(12, 24), metavar=('MIN', 'MAX'),
                        help='frames per video (inclusive range)')
    parser.add_argument('--objects', type=int, nargs=2, default=(3, 4), metavar=('MIN', 'MAX'),
                        help='objects per video (inclusive range)')
    parser.add_argument('--motion-phrases', nargs='+', metavar='KEY',
                        help='use only these motion phrases (keys of MOTION_PHRASES, e.g. moves_left '
                        'still), or one set name: "all" (the default) or "benchmark" '
                        '(BENCHMARK_MOTION_PHRASES, those of tools/run_synthetic_benchmark.py)')
    parser.add_argument('--force', action='store_true',
                        help='regenerate a directory written by this tool with other arguments')
    return parser.parse_args(argv)


def read_info(out: str):
    """The ``synthetic_info.json`` of a directory this tool wrote, or None."""
    path = osp.join(out, INFO_FILE)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        info = json.load(f)
    return info if info.get('generator') == GENERATOR_NAME else None


def main(argv=None) -> int:
    args = parse_args(argv)
    phrases = args.motion_phrases
    if phrases is not None and len(phrases) == 1 and phrases[0] in PHRASE_SETS:
        phrases = PHRASE_SETS[phrases[0]]
    cfg = SyntheticRVOSConfig(height=args.height, width=args.width, num_frames=tuple(args.frames),
                              num_objects=tuple(args.objects), motion_phrases=phrases)
    wanted = dict(seed=args.seed, config=json.loads(json.dumps(asdict(cfg))),
                  videos=dict(train=args.num_train, valid=args.num_valid))
    out = osp.normpath(args.out)
    old = read_info(out)
    if old is not None:
        have = dict(seed=old['seed'], config=old['config'],
                    videos={split: c['videos'] for split, c in old['counts'].items()})
        if have == wanted and old.get('version') == GENERATOR_VERSION:
            print(f'{out}: already generated with these arguments ({old["counts"]}); nothing to do')
            return 0
        if have == wanted:
            print(f'{out} was written by another generator version ({old.get("version")}); regenerating')
        elif not args.force:
            print(f'{out} was generated with other arguments ({have}); pass --force to regenerate it',
                  file=sys.stderr)
            return 1
    elif osp.exists(out) and (not osp.isdir(out) or os.listdir(out)):
        print(f'{out} exists and was not written by this tool; choose another --out', file=sys.stderr)
        return 1

    start = time.time()
    partial = out + '.partial'  # an interrupted run never leaves a directory that looks complete
    shutil.rmtree(partial, ignore_errors=True)
    info = generate_dataset(partial, args.num_train, args.num_valid, args.seed, cfg)
    if osp.exists(out):
        shutil.rmtree(out)  # empty, or written by this tool (checked above)
    os.replace(partial, out)
    print(f'synthetic Ref-YouTube-VOS benchmark written to {out} in {time.time() - start:.1f} s')
    for split, counts in info['counts'].items():
        print(f'  {split}: {counts["videos"]} videos, {counts["appearance"]} appearance and '
              f'{counts["motion"]} motion expressions')
    print(f'  tokenizer text: {osp.join(out, "sentences.txt")}, {osp.join(out, "vocab.txt")}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
