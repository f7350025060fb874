# Copyright (c) mmrvos contributors. All rights reserved.
"""The built-in synthetic referring-video benchmark, end to end on a CPU (docs/synthetic_benchmark.md).

    python tools/run_synthetic_benchmark.py                 # generate, train, test, render (~10-15 min)
    python tools/run_synthetic_benchmark.py --ablation      # ... and the frame-level model (no VOC)
    python tools/run_synthetic_benchmark.py --config configs/synthetic/lbdt_tiny_1xb16-800it_synthetic-rvos.py
    python tools/run_synthetic_benchmark.py --tokenizer-only  # only the text files the synthetic configs load

Steps (each one uses the toolbox's ordinary entry points, so this is also a smoke test of them):

1. ``tools/dataset_converters/make_synthetic_rvos.py`` writes the videos in the Ref-YouTube-VOS layout
   (skipped when ``--data-root`` already holds them with the same arguments);
2. the text files of the config's text encoder: for SOC's tiny random RoBERTa a byte-level BPE tokenizer
   trained on the generator's ``sentences.txt`` into ``<data-root>/tiny_roberta``; for LBDT's GloVe + LSTM a
   word table of random 16-d vectors (seed 0) of the words of ``vocab.txt`` in
   ``<data-root>/tiny_glove/glove.16d.txt`` (both deterministic; skipped when built from the same text);
3. ``tools/train.py`` trains the config (the tiny SOC of ``configs/synthetic/`` by default);
4. ``tools/test.py`` predicts every held-out valid expression and scores J&F (``RefYouTubeVOSMetric``);
   ``tools/evaluate_predictions.py`` re-scores the written PNGs per expression, grouped here by the
   expression kind (appearance / motion) of ``expression_kinds.json``;
5. ``demo/video_demo.py`` renders one valid video with its masks and sentences into an overlay video.

Everything goes to ``--work-dir`` (one sub-folder per config); a table and the paths are printed at the
end and written to ``<work-dir>/summary.json``.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
MAIN_CONFIG = 'configs/synthetic/soc_tiny_1xb8-800it_synthetic-rvos.py'
ABLATION_CONFIG = 'configs/synthetic/soc_tiny-frame-level_1xb8-800it_synthetic-rvos.py'
TOKENIZER_DIR = 'tiny_roberta'
TOKENIZER_VOCAB = 512  # a byte-level BPE of this size keeps one token per generator word
GLOVE_FILE = 'tiny_glove/glove.16d.txt'  # LBDT's word table: random 16-d vectors of vocab.txt's words
GLOVE_DIMS = 16
KINDS = ('appearance', 'motion')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate the synthetic RVOS benchmark, train and test the tiny SOC, render a video')
    parser.add_argument('--data-root', default='data/synthetic_rvos', help='dataset folder')
    parser.add_argument('--work-dir', default='work_dirs/synthetic_rvos', help='output folder')
    parser.add_argument('--config', default=MAIN_CONFIG, help='model config')
    parser.add_argument('--ablation', action='store_true',
                        help=f'also train and test the frame-level ablation ({ABLATION_CONFIG})')
    gen = parser.add_argument_group('generator (tools/dataset_converters/make_synthetic_rvos.py)')
    # 2000: with 200 videos even a grounding model given the ground-truth objects learns the train
    # sentences by heart and picks the referred object of ~0.55 of the valid ones
    # (projects/synthetic_rvos/grounding_bound.py, docs/synthetic_benchmark.md)
    gen.add_argument('--num-train', type=int, default=2000)
    gen.add_argument('--num-valid', type=int, default=30)
    gen.add_argument('--seed', type=int, default=0)
    gen.add_argument('--frames', type=int, nargs=2, default=(8, 8), metavar=('MIN', 'MAX'),
                     help='frames per video; 8 = one training window holds the whole video')
    gen.add_argument('--objects', type=int, nargs=2, default=(3, 4), metavar=('MIN', 'MAX'))
    # A set name, not the list itself: importing mmrvos here would load torch/mmcv/mmdet into this
    # process, which only launches the steps as subprocesses.
    gen.add_argument('--motion-phrases', nargs='+', metavar='KEY', default=['benchmark'],
                     help='motion phrases of the generated expressions: keys of MOTION_PHRASES, or "all" '
                     'or "benchmark" (the default, BENCHMARK_MOTION_PHRASES)')
    gen.add_argument('--force', action='store_true', help='regenerate data generated with other arguments')
    parser.add_argument('--max-iters', type=int, default=None, help='override the training iterations')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads per process (1 is fastest on a busy 2-core machine)')
    parser.add_argument('--tokenizer-only', action='store_true',
                        help='only build the text files the synthetic configs load, then exit: '
                        f'<data-root>/{TOKENIZER_DIR} (SOC) from the generated sentences.txt and '
                        f'<data-root>/{GLOVE_FILE} (LBDT) from vocab.txt')
    parser.add_argument('--skip-train', action='store_true',
                        help='reuse the last checkpoint of the work dir instead of training')
    parser.add_argument('--render-video', default=None,
                        help='valid video to render (default: the first with both expression kinds)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='extra key=value overrides passed to tools/train.py and tools/test.py')
    return parser.parse_args(argv)


class Step:
    """Print a step's title and, on exit, its wall time."""

    times: Dict[str, float] = {}

    def __init__(self, title: str) -> None:
        self.title = title

    def __enter__(self) -> 'Step':
        print(f'\n=== {self.title}', flush=True)
        self.start = time.time()
        return self

    def __exit__(self, *exc) -> None:
        Step.times[self.title] = time.time() - self.start
        print(f'=== {self.title}: {Step.times[self.title]:.0f} s', flush=True)


def run(cmd: List[str], env: Dict[str, str], log: Optional[str] = None) -> None:
    """Run a command from the repository root; with ``log`` its output goes to that file only."""
    print('$ ' + ' '.join(cmd), flush=True)
    if log is None:
        proc = subprocess.run(cmd, cwd=ROOT, env=env)
    else:
        with open(log, 'w') as f:
            proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        where = f'; see {log}' if log else ''
        raise SystemExit(f'command failed with exit code {proc.returncode}{where}: {" ".join(cmd)}')


def generate(args: argparse.Namespace, env: Dict[str, str]) -> None:
    cmd = [sys.executable, 'tools/dataset_converters/make_synthetic_rvos.py', '--out', args.data_root,
           '--num-train', str(args.num_train), '--num-valid', str(args.num_valid), '--seed', str(args.seed),
           '--frames', *map(str, args.frames), '--objects', *map(str, args.objects)]
    if args.motion_phrases:
        cmd += ['--motion-phrases', *args.motion_phrases]
    if args.force:
        cmd.append('--force')
    run(cmd, env)


def build_tokenizer(data_root: str) -> str:
    """Train the tiny tokenizer on ``sentences.txt`` unless it was built from the same sentences."""
    import hashlib

    from mmrvos.testing.tiny_roberta import build_tiny_roberta_tokenizer
    if not osp.isfile(osp.join(data_root, 'sentences.txt')):
        raise SystemExit(f'error: no {data_root}/sentences.txt: generate the data first (this script without '
                         '--tokenizer-only, or tools/dataset_converters/make_synthetic_rvos.py)')
    with open(osp.join(data_root, 'sentences.txt')) as f:
        text = f.read()
    digest = hashlib.sha256(f'{TOKENIZER_VOCAB}\n{text}'.encode()).hexdigest()
    out = osp.join(data_root, TOKENIZER_DIR)
    stamp = osp.join(out, 'sentences.sha256')
    if osp.isfile(stamp) and open(stamp).read().strip() == digest:
        print(f'{out}: already built from {data_root}/sentences.txt')
        return out
    build_tiny_roberta_tokenizer(out, text.splitlines(), vocab_size=TOKENIZER_VOCAB)
    with open(stamp, 'w') as f:
        f.write(digest + '\n')
    print(f'tokenizer written to {out}')
    return out


def build_word_table(data_root: str) -> str:
    """Write LBDT's GloVe-format word table of the generator's ``vocab.txt`` (random vectors, seed 0)
    unless it was written from the same words."""
    import hashlib

    from mmrvos.testing import write_tiny_glove
    vocab = osp.join(data_root, 'vocab.txt')
    if not osp.isfile(vocab):
        raise SystemExit(f'error: no {vocab}: generate the data first (this script without --tokenizer-only, '
                         'or tools/dataset_converters/make_synthetic_rvos.py)')
    with open(vocab) as f:
        words = f.read().split()
    digest = hashlib.sha256(('%d\n' % GLOVE_DIMS + '\n'.join(words)).encode()).hexdigest()
    out = osp.join(data_root, GLOVE_FILE)
    stamp = out + '.sha256'
    if osp.isfile(out) and osp.isfile(stamp) and open(stamp).read().strip() == digest:
        print(f'{out}: already written from {vocab}')
        return out
    os.makedirs(osp.dirname(out), exist_ok=True)
    if osp.isfile(out + '.pt'):  # GloVeTextEncoder's tensor cache of an older table
        os.remove(out + '.pt')
    write_tiny_glove(out, dim=GLOVE_DIMS, words=words, seed=0)
    with open(stamp, 'w') as f:
        f.write(digest + '\n')
    print(f'word table written to {out} ({len(words)} words, {GLOVE_DIMS}-d)')
    return out


def text_encoder_type(config: str) -> str:
    """``model.text_encoder.type`` of a config (which text files it needs)."""
    from mmengine.config import Config
    return Config.fromfile(osp.join(ROOT, config)).model.text_encoder.type  # join keeps an absolute path


def data_options(args: argparse.Namespace, pred_dir: str, encoder: str) -> List[str]:
    root = args.data_root.rstrip('/') + '/'
    text = (f'model.text_encoder.glove_path={root}{GLOVE_FILE}' if encoder == 'GloVeTextEncoder' else
            f'model.text_encoder.tokenizer_path={root}{TOKENIZER_DIR}')
    return [f'train_dataloader.dataset.data_root={root}', f'test_dataloader.dataset.data_root={root}', text,
            f'test_evaluator.outfile_prefix={pred_dir}', *args.cfg_options]


def last_checkpoint(work_dir: str) -> str:
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(path):
        raise SystemExit(f'no checkpoint in {work_dir} (train first, without --skip-train)')
    with open(path) as f:
        return f.read().strip()


def scores_per_kind(args: argparse.Namespace, pred_dir: str, env: Dict[str, str]) -> Dict[str, Dict]:
    """Re-score the prediction PNGs per expression and average J, F and J&F per expression kind."""
    out_json = osp.join(pred_dir, 'per_expression.json')
    run([sys.executable, 'tools/evaluate_predictions.py', 'ref-ytvos', pred_dir, '--gt-root', args.data_root,
         '--split', 'valid', '--json', out_json], env)
    with open(out_json) as f:
        details = json.load(f)['details']  # '<video>_<exp_id>': [J, F]
    with open(osp.join(args.data_root, 'meta_expressions', 'valid', 'expression_kinds.json')) as f:
        kinds = json.load(f)['videos']
    groups: Dict[str, List] = {kind: [] for kind in KINDS}
    groups['all'] = []
    for key, (j, f) in details.items():
        video, exp_id = key.rsplit('_', 1)
        groups[kinds[video][exp_id]].append((j, f))
        groups['all'].append((j, f))
    table = {}
    for kind, values in groups.items():
        if values:
            j = sum(v[0] for v in values) / len(values)
            f = sum(v[1] for v in values) / len(values)
            table[kind] = {'J&F': (j + f) / 2, 'J': j, 'F': f, 'num_expressions': len(values)}
    with open(osp.join(pred_dir, 'per_kind.json'), 'w') as f:
        json.dump(table, f, indent=1)
    return table


def pick_render_video(args: argparse.Namespace) -> str:
    with open(osp.join(args.data_root, 'meta_expressions', 'valid', 'meta_expressions.json')) as f:
        videos = json.load(f)['videos']
    if args.render_video:
        if args.render_video not in videos:
            raise SystemExit(f'--render-video {args.render_video!r} is not a valid video of {args.data_root}')
        return args.render_video
    for video in sorted(videos):
        kinds = {e.get('kind') for e in videos[video]['expressions'].values()}
        if set(KINDS) <= kinds:
            return video
    return sorted(videos)[0]


def render(args: argparse.Namespace, config: str, checkpoint: str, out_dir: str, env: Dict[str, str],
           options: List[str]) -> Dict:
    """Render one valid video (one motion and one appearance sentence) with the demo; save a frame PNG."""
    import cv2

    video = pick_render_video(args)
    with open(osp.join(args.data_root, 'meta_expressions', 'valid', 'meta_expressions.json')) as f:
        expressions = json.load(f)['videos'][video]['expressions']
    texts = []
    for kind in ('motion', 'appearance'):
        texts += [e['exp'] for e in expressions.values() if e.get('kind') == kind][:1]
    texts = texts or [e['exp'] for e in expressions.values()][:2]
    overlay = osp.join(out_dir, f'{video}_overlay.mp4')
    frames = osp.join(args.data_root, 'valid', 'JPEGImages', video)
    run([sys.executable, 'demo/video_demo.py', frames, config, checkpoint, '--texts', *texts,
         '--out-dir', osp.join(out_dir, f'{video}_masks'), '--overlay', overlay,
         '--device', 'cpu', '--fps', '4', '--no-progress', '--cfg-options', *options], env)
    # one frame of the overlay as a PNG, for a quick look (or a README), enlarged to >= 640 px wide
    cap = cv2.VideoCapture(overlay)
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.set(cv2.CAP_PROP_POS_FRAMES, max(count // 2, 0))
    ok, frame = cap.read()
    cap.release()
    frame_png = osp.join(out_dir, f'{video}_overlay_frame.png')
    if ok:
        scale = max(1, -(-640 // frame.shape[1]))
        cv2.imwrite(frame_png, cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST))
    return dict(video=video, texts=texts, overlay=overlay, frame_png=frame_png if ok else None,
                masks=osp.join(out_dir, f'{video}_masks'))


def run_config(args: argparse.Namespace, config: str, env: Dict[str, str]) -> Dict:
    """Train (unless ``--skip-train``), test, score per kind and render one config."""
    name = osp.splitext(osp.basename(config))[0]
    work_dir = osp.abspath(osp.join(args.work_dir, name))
    pred_dir = osp.join(work_dir, 'valid_predictions')
    options = data_options(args, pred_dir, text_encoder_type(config))
    if not args.skip_train:
        with Step(f'train {name}'):
            train_opts = options + ([f'train_cfg.max_iters={args.max_iters}'] if args.max_iters else [])
            log = osp.join(work_dir, 'train.log')
            os.makedirs(work_dir, exist_ok=True)
            print(f'(log: {log})', flush=True)
            run([sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
                 '--cfg-options', *train_opts], env, log)
    checkpoint = last_checkpoint(work_dir)
    with Step(f'test {name}'):
        log = osp.join(work_dir, 'test.log')
        print(f'(log: {log})', flush=True)
        run([sys.executable, 'tools/test.py', config, checkpoint, '--work-dir', osp.join(work_dir, 'test'),
             '--cfg-options', *options], env, log)
        table = scores_per_kind(args, pred_dir, env)
    with Step(f'render {name}'):
        demo = render(args, config, checkpoint, osp.join(work_dir, 'demo'), env, options)
    return dict(config=config, work_dir=work_dir, checkpoint=checkpoint, predictions=pred_dir,
                metrics=table, demo=demo)


def print_summary(results: List[Dict], data_root: str, total: float) -> None:
    print('\n' + '=' * 78)
    print(f'synthetic RVOS benchmark, valid split of {data_root} (J&F = (J + F) / 2, per expression)')
    header = f'{"config":<44}{"kind":<12}{"J&F":>7}{"J":>7}{"F":>7}{"n":>5}'
    print(header)
    print('-' * len(header))
    for result in results:
        name = osp.splitext(osp.basename(result['config']))[0]
        for kind in (*KINDS, 'all'):
            m = result['metrics'].get(kind)
            if m:
                print(f'{name[:43]:<44}{kind:<12}{m["J&F"]:>7.3f}{m["J"]:>7.3f}{m["F"]:>7.3f}'
                      f'{m["num_expressions"]:>5}')
    print('-' * len(header))
    for result in results:
        print(f'{result["config"]}:')
        print(f'  checkpoint:   {result["checkpoint"]}')
        print(f'  predictions:  {result["predictions"]}/Annotations  (per kind: per_kind.json)')
        demo = result['demo']
        print(f'  overlay:      {demo["overlay"]}  ({demo["video"]}: "' + '", "'.join(demo['texts']) + '")')
        print(f'  frame:        {demo["frame_png"]}')
    print(f'total wall time {total / 60:.1f} min: ' +
          ', '.join(f'{k} {v:.0f} s' for k, v in Step.times.items()))


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.time()
    Step.times.clear()  # the steps of this run only (main may run several times in one process)
    env = dict(os.environ)
    # torch's intra-op threads spin-wait: on a machine whose cores are busy, 1 thread is several times faster
    for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        env[var] = str(args.threads)
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    if args.tokenizer_only:
        build_tokenizer(args.data_root)
        build_word_table(args.data_root)
        return 0
    with Step('generate'):
        generate(args, env)
    configs = [args.config] + ([ABLATION_CONFIG] if args.ablation else [])
    encoders = {text_encoder_type(config) for config in configs}
    if encoders - {'GloVeTextEncoder'}:
        with Step('tokenizer'):
            build_tokenizer(args.data_root)
    if 'GloVeTextEncoder' in encoders:
        with Step('word table'):
            build_word_table(args.data_root)
    results = [run_config(args, config, env) for config in configs]
    summary_path = osp.join(args.work_dir, 'summary.json')
    with open(summary_path, 'w') as f:
        json.dump(dict(results=results, times=Step.times, total_s=time.time() - start), f, indent=1)
    print_summary(results, args.data_root, time.time() - start)
    print(f'summary: {summary_path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
