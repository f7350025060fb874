# Copyright (c) mmrvos contributors. All rights reserved.
"""Speed and memory of mmrvos: the model, the data pipeline and the metrics.

``model``: latency per clip, FPS and peak memory of the model of a config, with or without a checkpoint,
on one clip of generated frames run through the config's test pipeline (batch 1 per sentence)::

    python tools/analysis_tools/benchmark.py model CONFIG [--checkpoint CKPT] [--device cpu|cuda] \\
        [--precision fp32|fp16|bf16] [--compile] [--num-frames T] [--height H] [--width W] \\
        [--warmup N] [--repeat N] [--out results.json]

Nothing is downloaded: a RoBERTa ``model_path`` that is not a local folder becomes a randomly initialised
RoBERTa of roberta-base's size with an offline tokenizer (``mmrvos.testing``), a missing backbone
``pretrained`` file is dropped (speed does not depend on the weights). ``--long-video 60 600`` measures
instead the peak memory of the windowed :class:`~mmrvos.apis.RVOSInferencer` (every output written) per
video length.

``--profile OUT.txt`` runs one clip under ``torch.profiler`` instead and writes a table per module and per op;
``--reference-cfg-options K=V ...`` / ``--reference-precision P`` build a second, reference model with the
same weights, time the two alternately and compare their outputs (``--step forward``: the raw head outputs)::

    python tools/analysis_tools/benchmark.py model CONFIG --step forward \
        --reference-cfg-options model.backbone.sdpa_attention=False

``data``: the items/s of a dataset config's pipeline and the time of each transform (one process)::

    python tools/analysis_tools/benchmark.py data configs/_base_/datasets/ref_youtube_vos.py \\
        --data-root tests/data/ref_youtube_vos --items 200

``metric``: the time of J and F on one sequence of generated masks; with ``--official`` (a checkout of
davisvideochallenge/davis2017-evaluation, run by ``--official-python``) the same masks are scored by the
official code too and the values compared::

    python tools/analysis_tools/benchmark.py metric --official /path/to/davis2017-evaluation

Every mode prints a summary and, with ``--out``, writes all it measured as JSON (with the device and the
versions of torch, mmcv, mmengine, mmdet and mmrvos).
"""
import argparse
import copy
import itertools
import json
import os
import os.path as osp
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from typing import Callable, Dict, List, Optional

os.environ.setdefault('HF_HUB_OFFLINE', '1')

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402

#: the keys of mmrvos.utils.AUTOCAST_DTYPES (not imported here: the data and metric modes need no mmrvos)
PRECISIONS = ('fp32', 'fp16', 'bf16')
#: ``RobertaConfig`` of roberta-base where it differs from transformers' defaults (hidden 768, 12 layers)
ROBERTA_BASE = dict(vocab_size=50265, max_position_embeddings=514, type_vocab_size=1, layer_norm_eps=1e-5,
                    pad_token_id=1, bos_token_id=0, eos_token_id=2)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='mmrvos speed / memory benchmark')
    modes = parser.add_subparsers(dest='mode', required=True)
    model = modes.add_parser('model', help='latency, FPS and peak memory of a model')
    model.add_argument('config', help='model config file')
    model.add_argument('--checkpoint', default=None, help='checkpoint (random weights if omitted)')
    model.add_argument('--device', default='cpu', help='cpu, cuda, cuda:0, ...')
    model.add_argument('--precision', choices=PRECISIONS, default='fp32',
                       help='fp16 / bf16: the forward under torch.autocast; fp32: no autocast')
    model.add_argument('--compile', action='store_true',
                       help='torch.compile the backbone (in place; the warm-up runs compile it)')
    model.add_argument('--compile-backend', default='inductor', help='torch.compile backend')
    model.add_argument('--num-frames', type=int, default=None,
                       help='frames per clip (default: the window of the config, inference_cfg.window_size)')
    model.add_argument('--height', type=int, default=360, help='height of the generated frames')
    model.add_argument('--width', type=int, default=640, help='width of the generated frames')
    model.add_argument('--step', choices=('test_step', 'predict', 'forward'), default='test_step',
                       help='time model.test_step (normalisation + predict + masks at the frame size, as '
                       'tools/test.py), model.predict on the normalised clip (the eval forward) or '
                       'model._forward (the raw head outputs of the eval forward)')
    model.add_argument('--reference-cfg-options', nargs='+', action=DictAction, default=None,
                       help='also build a reference model with these settings (e.g. '
                       'model.backbone.sdpa_attention=False) and the same weights, time it and the model '
                       'alternately, and compare their outputs')
    model.add_argument('--reference-precision', choices=PRECISIONS, default=None,
                       help='precision of the reference model (default --precision); alone it compares two '
                       'precisions of one model')
    model.add_argument('--texts', nargs='+', default=['the object moving to the right'],
                       help='sentence(s); several sentences are one batch')
    model.add_argument('--warmup', type=int, default=1, help='untimed runs first')
    model.add_argument('--repeat', type=int, default=3, help='timed runs')
    model.add_argument('--threads', type=int, default=None, help='torch intra-op threads')
    model.add_argument('--profile', default=None, metavar='OUT.txt',
                       help='instead of timing: one call under torch.profiler; tables per module and per op '
                       'written to this file')
    model.add_argument('--profile-depth', type=int, default=3,
                       help='profile: modules down to this depth of the module tree get a row')
    model.add_argument('--profile-rows', type=int, default=30, help='profile: rows per table')
    model.add_argument('--long-video', type=int, nargs='+', default=None, metavar='NUM_FRAMES',
                       help='instead: peak memory of windowed inference per video length')
    model.add_argument('--window-size', type=int, default=None, help='long-video mode: frames per window')
    model.add_argument('--window-overlap', type=int, default=None, help='long-video mode: window overlap')
    model.add_argument('--no-overlay', action='store_true', help='long-video mode: skip the overlay video')
    model.add_argument('--cfg-options', nargs='+', action=DictAction,
                       help='override config settings, key=value (as in tools/train.py)')
    data = modes.add_parser('data', help='items/s of a dataset pipeline')
    data.add_argument('config', help='config with a dataloader (a dataset config is enough)')
    data.add_argument('--data-root', help='override the dataset data_root')
    data.add_argument('--loader', default='train_dataloader', help='which dataloader of the config')
    data.add_argument('--items', type=int, default=200, help='items to time (cycling over the dataset)')
    data.add_argument('--per-transform-items', type=int, default=50,
                      help='items timed transform by transform')
    data.add_argument('--warmup', type=int, default=5)
    data.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')
    metric = modes.add_parser('metric', help='time of J and F, optionally against the official code')
    metric.add_argument('--frames', type=int, default=100)
    metric.add_argument('--height', type=int, default=480)
    metric.add_argument('--width', type=int, default=854)
    metric.add_argument('--repeat', type=int, default=5, help='timed runs (the best is reported)')
    metric.add_argument('--official', help='path of a davis2017-evaluation checkout to compare with')
    metric.add_argument('--official-python', default=sys.executable,
                        help='python that runs the official code (numpy, opencv, scikit-image)')
    for mode in (model, data, metric):
        mode.add_argument('--out', default=None, help='write the results as JSON here')
    args = parser.parse_args(argv)
    if args.mode == 'model' and args.compile and args.warmup < 1:
        parser.error('--compile needs --warmup >= 1: the first runs compile')
    comparing = args.mode == 'model' and (args.reference_cfg_options or args.reference_precision)
    if comparing and (args.long_video or args.profile):
        parser.error('--reference-* compares clip latencies: it takes no --long-video or --profile')
    if args.mode == 'model' and args.long_video and args.profile:
        parser.error('--profile profiles one clip: it takes no --long-video')
    if args.mode == 'model' and args.long_video and (args.compile or args.precision != 'fp32'
                                                     or args.step != 'test_step'):
        parser.error('--long-video measures the inferencer as it runs (fp32, test_step): it takes no '
                     '--compile, --precision or --step')
    return args


# ---------------------------------------------------------------------- timing and memory
def time_calls(fn: Callable[[], object], repeat: int, device: str = 'cpu') -> Dict:
    """Call ``fn()`` ``repeat`` times, timing each call with ``time.perf_counter``.

    On a CUDA device the queue is synchronised before the clock starts and before it stops, so a time is
    that of the work, not of its launch.

    Returns:
        dict: ``seconds`` (list of ``repeat`` floats), ``load_avg`` (the 1-minute load average before each
        call, or None off Unix) and ``output`` (what the last call returned).
    """
    dev = torch.device(device)
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == 'cuda' else (lambda: None)
    seconds, loads, output = [], [], None
    for _ in range(repeat):
        loads.append(os.getloadavg()[0] if hasattr(os, 'getloadavg') else None)
        sync()
        start = time.perf_counter()
        output = fn()
        sync()
        seconds.append(time.perf_counter() - start)
    return dict(seconds=seconds, load_avg=loads, output=output)


def summarize(seconds: List[float]) -> Dict[str, float]:
    """``mean``, ``median``, ``std`` and ``min`` of a list of times (seconds)."""
    values = np.asarray(seconds, dtype=np.float64)
    return dict(mean=float(values.mean()), median=float(np.median(values)), std=float(values.std()),
                min=float(values.min()))


def current_rss_mib() -> Optional[float]:
    """Resident memory of this process (``VmRSS`` from ``/proc``), or None off Linux."""
    return _read_status('VmRSS')


def peak_rss_mib() -> Optional[float]:
    """High-water mark of the resident memory (``VmHWM``), or None off Linux."""
    return _read_status('VmHWM')


def reset_peak_rss() -> bool:
    """Reset ``VmHWM`` to the current RSS (Linux >= 4.0, writing 5 to ``/proc/self/clear_refs``)."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def _read_status(key: str) -> Optional[float]:
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class PeakMemory:
    """Context manager measuring the peak memory of a block.

    ``rss_peak_mib``: peak resident memory of the process during the block (``VmHWM`` after a reset; CPU
    tensors, numpy, Python, libraries); ``rss_mib``: that peak above the RSS at entry;
    ``traced_mib``: peak of the Python/numpy allocations (tracemalloc; torch's allocator is not traced);
    ``cuda_mib``: peak CUDA memory allocated by torch (``torch.cuda.max_memory_allocated`` after
    ``reset_peak_memory_stats``, on a GPU device).
    """

    def __init__(self, device: str = 'cpu', trace: bool = True) -> None:
        self.device, self.trace = torch.device(device), trace
        self.rss_mib = self.rss_peak_mib = self.traced_mib = self.cuda_mib = None

    def __enter__(self) -> 'PeakMemory':
        self._rss_reset = reset_peak_rss()
        self._rss0 = current_rss_mib()
        if self.trace:
            tracemalloc.start()
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
        return self

    def __exit__(self, *exc) -> None:
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            self.cuda_mib = torch.cuda.max_memory_allocated(self.device) / 2**20
        if self.trace:
            self.traced_mib = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        peak = peak_rss_mib()
        if self._rss_reset and peak is not None and self._rss0 is not None:
            self.rss_peak_mib = peak
            self.rss_mib = peak - self._rss0


def environment(device: str = 'cpu') -> Dict:
    """The device's name, the torch threads and the versions of python and the OpenMMLab stack."""
    import mmcv
    import mmdet
    import mmengine

    import mmrvos
    dev = torch.device(device)
    if dev.type == 'cuda':
        name = torch.cuda.get_device_name(dev)
    else:
        name = platform.processor() or platform.machine()
        if osp.isfile('/proc/cpuinfo'):
            with open('/proc/cpuinfo') as f:
                name = next((line.split(':', 1)[1].strip() for line in f if line.startswith('model name')),
                            name)
    return dict(device=str(dev), device_name=name, cpu_count=os.cpu_count(),
                torch_threads=torch.get_num_threads(), python=platform.python_version(),
                torch=torch.__version__, cuda=torch.version.cuda, mmcv=mmcv.__version__,
                mmengine=mmengine.__version__, mmdet=mmdet.__version__, mmrvos=mmrvos.__version__)


# ---------------------------------------------------------------------- model
def make_offline(model_cfg: Config, tmp_dir: str) -> List[str]:
    """Replace, in place, what the model would load from a missing local path; returns what was replaced.

    A ``RoBERTaTextEncoder`` whose ``model_path`` is not a local folder gets a random RoBERTa of
    roberta-base's size (:data:`ROBERTA_BASE`); one whose tokenizer folder is missing gets the offline tiny
    tokenizer of :func:`mmrvos.testing.build_tiny_roberta_tokenizer`; a ``GloVeTextEncoder`` whose
    ``glove_path`` is missing gets a tiny random table of that width (``mmrvos.testing.write_tiny_glove``);
    a backbone ``pretrained`` file or ``Pretrained`` ``init_cfg`` (also of an LBDT ``resnet``) that does not
    exist is dropped (random initialisation).
    """
    from mmrvos.testing import build_tiny_roberta_tokenizer

    notes = []
    text = model_cfg.get('text_encoder')
    if text is not None and text.get('type') == 'RoBERTaTextEncoder':
        path = text.get('model_path')
        tokenizer = text.get('tokenizer_path') or path
        if path and not osp.isdir(path):
            text.pop('model_path')
            text.model_config = dict(ROBERTA_BASE)
            notes.append(f'text_encoder.model_path {path} not found: random RoBERTa of roberta-base size')
        if not tokenizer or not osp.isdir(tokenizer):
            text.tokenizer_path = build_tiny_roberta_tokenizer(osp.join(tmp_dir, 'tokenizer'))
            notes.append(f'tokenizer {tokenizer} not found: offline tiny BPE tokenizer (mmrvos.testing)')
    if text is not None and text.get('type') == 'GloVeTextEncoder' and not osp.isfile(text.glove_path):
        from mmrvos.testing import write_tiny_glove
        notes.append(f'text_encoder.glove_path {text.glove_path} not found: tiny random GloVe table '
                     '(mmrvos.testing; the LSTM is the same size, only the vocabulary is small)')
        text.glove_path = write_tiny_glove(osp.join(tmp_dir, 'glove.txt'), dim=text.get('word_dims', 300))
    backbone = model_cfg.get('backbone')
    if backbone is not None and backbone.get('pretrained') and not osp.isfile(backbone.pretrained):
        notes.append(f'backbone.pretrained {backbone.pretrained} not found: random initialisation')
        backbone.pretrained = None
    for part in (backbone, (backbone or {}).get('resnet')):  # mmdet ResNet (LBDT's two streams)
        init = (part or {}).get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained' and not osp.isfile(init.checkpoint):
            notes.append(f'backbone init_cfg checkpoint {init.checkpoint} not found: random initialisation')
            part.init_cfg = None
    return notes


def build_inferencer(args: argparse.Namespace, tmp_dir: str, options: Optional[Dict] = None):
    """The :class:`~mmrvos.apis.RVOSInferencer` of the config, on ``args.device``, and the offline notes.

    ``options`` are merged into the config after ``--cfg-options`` (the reference model's settings).

    Clip mode runs the model with its own ``test_cfg`` (as ``tools/test.py``); long-video mode with the
    inferencer's ``inference_cfg`` (every candidate returned, for the cross-window linking)."""
    from mmrvos.apis import RVOSInferencer

    cfg = Config.fromfile(args.config)
    for extra in (args.cfg_options, options):
        if extra:
            cfg.merge_from_dict(extra)
    notes = make_offline(cfg.model, tmp_dir)
    if not args.long_video:
        # LBDT: generated clips name no reference frame and have no annotated frame: segment every frame,
        # each with the one ref_offset earlier, as the inferencer does
        infer_cfg = cfg.get('inference_cfg', {}).get('model_test_cfg') or {}
        if infer_cfg.get('ref_offset') is not None:
            cfg.model.test_cfg = dict(cfg.model.get('test_cfg') or {}, key_frames='all',
                                      ref_offset=infer_cfg['ref_offset'])
        cfg.inference_cfg = dict(cfg.get('inference_cfg', {}), model_test_cfg=None)
    torch.manual_seed(0)
    inferencer = RVOSInferencer(cfg, args.checkpoint, device=args.device, show_progress=False)
    if cfg.model.get('text_encoder', {}).get('type') == 'GloVeTextEncoder':
        inferencer.model.text_encoder.table  # read the word table now, while tmp_dir exists
    return inferencer, notes


def clip_call(inferencer, args: argparse.Namespace, precision: str) -> Callable[[], object]:
    """``run()``: one ``args.step`` of ``inferencer.model`` on a generated clip, without gradients, at
    ``precision`` (autocast on ``args.device``); ``run.input_shape`` is the model input per sample."""
    from mmrvos.apis import SyntheticFrameSource

    model = inferencer.model
    num_frames = args.num_frames or int(inferencer.inference_cfg['window_size'])
    video = SyntheticFrameSource(num_frames, args.height, args.width)
    data = inferencer.preprocess(list(video), list(range(num_frames)), args.texts, video)
    input_shape = tuple(data['inputs'][0].shape)
    if args.step != 'test_step':
        data = model.data_preprocessor(data, False)
        step = model.predict if args.step == 'predict' else model._forward
        call = lambda: step(data['inputs'], data['data_samples'])  # noqa: E731
    else:
        call = lambda: model.test_step(data)  # noqa: E731
    from mmrvos.utils import autocast_context

    def run():
        with torch.no_grad(), autocast_context(precision, args.device):
            return call()

    run.num_frames, run.input_shape = num_frames, input_shape
    return run


def benchmark_clip(inferencer, args: argparse.Namespace) -> Dict:
    """Time ``model.test_step`` (or ``predict`` / ``_forward``) on one clip; latency, FPS and peak memory."""
    model = inferencer.model
    run = clip_call(inferencer, args, args.precision)
    if args.compile:
        model.backbone.compile(backend=args.compile_backend)
    time_calls(run, args.warmup, args.device)
    if args.profile:
        return profile_call(run, model, args)
    with PeakMemory(args.device, trace=False) as memory:
        timing = time_calls(run, args.repeat, args.device)
    latency = summarize(timing['seconds'])
    peak = memory.cuda_mib if torch.device(args.device).type == 'cuda' else memory.rss_peak_mib
    num_frames = run.num_frames
    return dict(
        num_frames=num_frames, frame_shape=[args.height, args.width], input_shape=list(run.input_shape),
        batch=len(args.texts), texts=args.texts, step=args.step, precision=args.precision,
        compile=f'backbone ({args.compile_backend})' if args.compile else None, warmup=args.warmup,
        repeat=args.repeat, latency_s=latency, seconds=timing['seconds'], load_avg=timing['load_avg'],
        fps=num_frames / latency['mean'], latency_per_frame_s=latency['mean'] / num_frames,
        peak_memory_mib=peak,
        peak_rss_mib=memory.rss_peak_mib, rss_growth_mib=memory.rss_mib, peak_cuda_mib=memory.cuda_mib,
        params=sum(p.numel() for p in model.parameters()))


def compare_outputs(output, reference) -> Dict[str, float]:
    """How far ``output`` is from ``reference`` (the same step of two models on the same clip).

    Raw outputs (dicts / lists of tensors): ``max_abs_diff`` over every float tensor, and
    ``max_abs_reference`` (the largest magnitude of the reference, to read the difference against). Data
    samples with
    ``pred_track_instances``: ``mask_iou`` (intersection over union of all predicted masks together),
    ``masks_equal`` (fraction of equal pixels) and ``max_abs_diff_scores``.
    """
    def tensors(x):
        if isinstance(x, torch.Tensor):
            return [x]
        if isinstance(x, dict):
            return [t for v in x.values() for t in tensors(v)]
        if isinstance(x, (list, tuple)):
            return [t for v in x for t in tensors(v)]
        if hasattr(x, 'video_data_samples'):
            return tensors(x.video_data_samples)
        if hasattr(x, 'pred_track_instances'):
            pred = x.pred_track_instances
            return [pred.masks.bool(), pred.scores]
        return []

    diffs, sizes, masks, masks_ref = [], [], [], []
    for a, b in zip(tensors(output), tensors(reference)):
        if a.dtype == torch.bool:
            masks.append(a.flatten())
            masks_ref.append(b.flatten())
        elif a.is_floating_point():
            diffs.append(float((a.float() - b.float()).abs().max()) if a.numel() else 0.)
            sizes.append(float(b.float().abs().max()) if b.numel() else 0.)
    result = dict(max_abs_diff=max(diffs) if diffs else None, max_abs_reference=max(sizes) if sizes else None)
    if masks:
        a, b = torch.cat(masks), torch.cat(masks_ref)
        union = int((a | b).sum())
        result.update(mask_iou=int((a & b).sum()) / union if union else 1.,
                      masks_equal=float((a == b).float().mean()),
                      max_abs_diff_scores=result.pop('max_abs_diff'),
                      max_abs_scores=result.pop('max_abs_reference'))
    return result


def benchmark_against_reference(inferencer, reference, args: argparse.Namespace) -> Dict:
    """Time the model and the reference model alternately (reference first) on the same clip.

    Returns:
        dict: ``latency_s`` / ``seconds`` of the model, ``reference_latency_s`` / ``reference_seconds``,
        ``speed_up`` (reference mean / model mean, and of the medians), ``load_avg`` before each pair and
        the output comparison of :func:`compare_outputs`.
    """
    reference.model.load_state_dict(inferencer.model.state_dict())
    run = clip_call(inferencer, args, args.precision)
    ref_precision = args.reference_precision or args.precision
    run_ref = clip_call(reference, args, ref_precision)
    time_calls(run_ref, args.warmup, args.device)
    time_calls(run, args.warmup, args.device)
    seconds, ref_seconds, loads = [], [], []
    for _ in range(args.repeat):
        ref = time_calls(run_ref, 1, args.device)
        new = time_calls(run, 1, args.device)
        ref_seconds += ref['seconds']
        seconds += new['seconds']
        loads += ref['load_avg']
    latency, ref_latency = summarize(seconds), summarize(ref_seconds)
    return dict(
        num_frames=run.num_frames, frame_shape=[args.height, args.width], input_shape=list(run.input_shape),
        batch=len(args.texts), step=args.step, precision=args.precision, reference_precision=ref_precision,
        reference_cfg_options=args.reference_cfg_options, warmup=args.warmup, repeat=args.repeat,
        latency_s=latency, seconds=seconds, reference_latency_s=ref_latency, reference_seconds=ref_seconds,
        speed_up=ref_latency['mean'] / latency['mean'],
        speed_up_median=ref_latency['median'] / latency['median'],
        load_avg=loads, fps=run.num_frames / latency['mean'],
        outputs=compare_outputs(new['output'], ref['output']))


def profile_call(run: Callable[[], object], model: torch.nn.Module, args: argparse.Namespace) -> Dict:
    """One ``run()`` under ``torch.profiler``; writes the per-module and per-op tables to ``args.profile``.

    Every module down to ``args.profile_depth`` of the module tree is wrapped in a
    ``record_function('module::NAME')`` range by forward hooks, so its row is the time of its forward
    (children included). The op table is ``key_averages()`` sorted by self CPU time.

    Returns:
        dict: ``seconds`` (the profiled call), ``modules`` and ``ops`` (lists of rows: ``name``, ``calls``,
        ``total_ms`` / ``self_ms``, ``percent`` of the call).
    """
    from torch.autograd.profiler import record_function
    from torch.profiler import ProfilerActivity, profile

    ranges, handles = {}, []

    def enter(name):
        def hook(module, inputs):
            ranges.setdefault(name, []).append(record_function(f'module::{name}').__enter__())
        return hook

    def leave(name):
        def hook(module, inputs, output):
            ranges[name].pop().__exit__(None, None, None)
        return hook

    for name, module in model.named_modules():
        if name and name.count('.') < args.profile_depth:
            handles.append(module.register_forward_pre_hook(enter(name)))
            handles.append(module.register_forward_hook(leave(name)))
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if args.device.startswith('cuda') else [])
    try:
        with profile(activities=activities) as prof:
            timing = time_calls(run, 1, args.device)
    finally:
        for handle in handles:
            handle.remove()
    total_ms = timing['seconds'][0] * 1000
    events = prof.key_averages()
    modules = sorted(({'name': e.key[len('module::'):], 'calls': e.count, 'total_ms': e.cpu_time_total / 1000}
                      for e in events if e.key.startswith('module::')), key=lambda r: -r['total_ms'])
    ops = sorted(({'name': e.key, 'calls': e.count, 'self_ms': e.self_cpu_time_total / 1000}
                  for e in events if not e.key.startswith('module::')), key=lambda r: -r['self_ms'])
    for row in modules:
        row['percent'] = 100 * row['total_ms'] / total_ms
    for row in ops:
        row['percent'] = 100 * row['self_ms'] / total_ms
    lines = [f'profiled call: {total_ms:.1f} ms ({args.step}, {args.precision}, torch threads '
             f'{torch.get_num_threads()})', '', '| module | calls | total ms | % of call |',
             '|---|---:|---:|---:|']
    lines += [f'| {r["name"]} | {r["calls"]} | {r["total_ms"]:.1f} | {r["percent"]:.1f} |'
              for r in modules[:args.profile_rows]]
    lines += ['', '| op | calls | self ms | % of call |', '|---|---:|---:|---:|']
    lines += [f'| {r["name"]} | {r["calls"]} | {r["self_ms"]:.1f} | {r["percent"]:.1f} |'
              for r in ops[:args.profile_rows]]
    with open(args.profile, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    return dict(seconds=timing['seconds'], modules=modules, ops=ops[:args.profile_rows * 4])


def benchmark_long_video(inferencer, args: argparse.Namespace) -> List[Dict]:
    """Peak memory of windowed inference (with all outputs written) per video length."""
    from mmrvos.apis import SyntheticFrameSource

    shape, texts, rows = (args.height, args.width), args.texts, []
    kwargs = dict(window_size=args.window_size, window_overlap=args.window_overlap)
    with tempfile.TemporaryDirectory() as tmp:
        # warm-up: the allocator, lazy imports and the first window's buffers are not the video's cost
        inferencer(SyntheticFrameSource(min(args.long_video), *shape), texts, out_dir=osp.join(tmp, 'warmup'),
                   **kwargs)
        for length in args.long_video:
            out = osp.join(tmp, f'len{length}')
            call = lambda: inferencer(  # noqa: E731
                SyntheticFrameSource(length, *shape), texts, out_dir=out,
                json_path=osp.join(out, 'masks.json'),
                overlay_path=None if args.no_overlay else osp.join(out, 'overlay.mp4'), **kwargs)
            with PeakMemory(args.device) as memory:
                timing = time_calls(call, 1, args.device)
            assert timing['output']['num_frames'] == length
            rows.append(dict(num_frames=length, seconds=timing['seconds'][0],
                             windows=timing['output']['num_windows'], peak_rss_mib=memory.rss_peak_mib,
                             rss_growth_mib=memory.rss_mib, peak_traced_mib=memory.traced_mib,
                             peak_cuda_mib=memory.cuda_mib))
    return rows


def _fmt(value, spec='.1f') -> str:
    return '-' if value is None else format(value, spec)


def run_model(args: argparse.Namespace) -> Dict:
    if args.threads:
        torch.set_num_threads(args.threads)
    comparing = bool(args.reference_cfg_options or args.reference_precision)
    with tempfile.TemporaryDirectory() as tmp:
        inferencer, notes = build_inferencer(args, tmp)
        reference = build_inferencer(args, tmp, args.reference_cfg_options)[0] if comparing else None
    result = dict(mode='model', config=args.config, checkpoint=args.checkpoint, offline=notes,
                  environment=environment(args.device))
    env = result['environment']
    print(f'config: {args.config}\ncheckpoint: {args.checkpoint}\n'
          f'device: {env["device_name"]} ({args.device}), torch {env["torch"]}, mmcv {env["mmcv"]}, '
          f'torch threads: {env["torch_threads"]}')
    for note in notes:
        print(f'offline: {note}')
    if args.long_video:
        rows = result['long_video'] = benchmark_long_video(inferencer, args)
        print('frames  windows  seconds  peak RSS (MiB)  RSS growth (MiB)  peak traced (MiB)  '
              'peak CUDA (MiB)')
        for r in rows:
            print(f'{r["num_frames"]:6d}  {r["windows"]:7d}  {r["seconds"]:7.1f}  '
                  f'{_fmt(r["peak_rss_mib"]):>14}  {_fmt(r["rss_growth_mib"]):>16}  '
                  f'{_fmt(r["peak_traced_mib"], ".2f"):>17}  {_fmt(r["peak_cuda_mib"]):>15}')
        for key in ('peak_rss_mib', 'peak_traced_mib', 'peak_cuda_mib'):
            if len(rows) > 1 and rows[0][key]:
                ratio = rows[-1][key] / rows[0][key]
                result[f'{key}_ratio'] = ratio
                print(f'{key}: {rows[-1]["num_frames"]} frames / {rows[0]["num_frames"]} frames = '
                      f'{ratio:.3f} ({"within" if ratio <= 1.2 else "NOT within"} 20%)')
        return result
    if comparing:
        r = benchmark_against_reference(inferencer, reference, args)
        result.update(r)
        lat, ref = r['latency_s'], r['reference_latency_s']
        print(f'reference: {r["reference_precision"]}, {args.reference_cfg_options}; model: '
              f'{r["precision"]}, {args.cfg_options}; {args.step} on {tuple(r["input_shape"])}, alternating, '
              f'{args.repeat} pairs after {args.warmup} warm-up each')
        print(f'reference: mean {ref["mean"]:.3f} s, median {ref["median"]:.3f}, min {ref["min"]:.3f}; '
              f'seconds {", ".join(f"{x:.2f}" for x in r["reference_seconds"])}')
        print(f'model:     mean {lat["mean"]:.3f} s, median {lat["median"]:.3f}, min {lat["min"]:.3f}; '
              f'seconds {", ".join(f"{x:.2f}" for x in r["seconds"])}')
        print(f'speed-up (reference / model): {r["speed_up"]:.2f}x mean, {r["speed_up_median"]:.2f}x median; '
              f'1-min load average before each pair: {", ".join(_fmt(v, ".2f") for v in r["load_avg"])}')
        print(f'outputs vs reference: {r["outputs"]}')
        return result
    r = benchmark_clip(inferencer, args)
    result.update(r)
    if args.profile:
        print(f'profile written to {args.profile}')
        return result
    lat = r['latency_s']
    print(f'model input (T, C, H, W) per sample: {tuple(r["input_shape"])}, batch {r["batch"]}, '
          f'{r["params"] / 1e6:.2f} M parameters, {r["precision"]}, compile: {r["compile"]}, '
          f'timed: {r["step"]}')
    print(f'latency per clip: mean {lat["mean"] * 1000:.1f} ms, median {lat["median"] * 1000:.1f}, '
          f'std {lat["std"] * 1000:.1f}, min {lat["min"] * 1000:.1f} ({args.repeat} runs after {args.warmup} '
          f'warm-up; 1-min load average before the runs: {", ".join(_fmt(v, ".2f") for v in r["load_avg"])})')
    print(f'FPS: {r["fps"]:.2f} ({r["latency_per_frame_s"] * 1000:.1f} ms per frame)')
    print(f'peak memory: {_fmt(r["peak_memory_mib"])} MiB (RSS {_fmt(r["peak_rss_mib"])}, '
          f'+{_fmt(r["rss_growth_mib"])} during the runs; CUDA {_fmt(r["peak_cuda_mib"])})')
    return result


# ---------------------------------------------------------------------- data pipeline
def run_data(args: argparse.Namespace) -> Dict:
    """Dataset build time, items/s of ``dataset[i]`` and the mean time of each top-level transform."""
    from mmrvos.registry import DATASETS
    from mmrvos.utils import register_all_modules

    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.loader not in cfg:
        raise KeyError(f'{args.config} has no {args.loader!r} (use --loader)')
    dataset_cfg = cfg[args.loader].dataset
    if args.data_root:
        dataset_cfg.data_root = args.data_root.rstrip('/') + '/'
    build = time_calls(lambda: DATASETS.build(dataset_cfg), 1)
    dataset = build['output']
    indices = itertools.cycle(range(len(dataset)))
    time_calls(lambda: dataset[next(indices)], args.warmup)
    items = time_calls(lambda: dataset[next(indices)], args.items)
    per_transform = defaultdict(float)
    runs = min(args.items, args.per_transform_items)
    for i in range(runs):
        results = copy.deepcopy(dataset.get_data_info(i % len(dataset)))
        for k, transform in enumerate(dataset.pipeline.transforms):
            step = time_calls(lambda: transform(results), 1)
            results = step['output']
            per_transform[f'{k}.{type(transform).__name__}'] += step['seconds'][0]
    total = sum(items['seconds'])
    result = dict(
        mode='data', config=args.config, loader=args.loader, dataset=type(dataset).__name__,
        num_items=len(dataset), build_s=build['seconds'][0], items=args.items, items_per_s=args.items / total,
        item_latency_s=summarize(items['seconds']),
        per_transform_ms={name: 1000 * s / max(runs, 1) for name, s in per_transform.items()},
        environment=environment())
    print(f'dataset: {result["dataset"]}, {result["num_items"]} items, built in {result["build_s"]:.3f} s')
    print(f'pipeline: {result["items_per_s"]:.1f} items/s ({1000 * total / args.items:.2f} ms/item, '
          '1 process)')
    for name, ms in result['per_transform_ms'].items():
        print(f'  {name:30s} {ms:8.2f} ms/item')
    return result


# ---------------------------------------------------------------------- metrics
# run by --official-python: times the official J and F once on the saved masks and saves the values
OFFICIAL_SCRIPT = """
import sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
from davis2017.metrics import db_eval_boundary, db_eval_iou
data = np.load(sys.argv[2])
gt, pred = data['gt'], data['pred']
start = time.perf_counter()
j, f = db_eval_iou(gt, pred), db_eval_boundary(gt, pred)
np.savez(sys.argv[3], j=j, f=f, time=time.perf_counter() - start)
"""


def make_masks(num_frames: int, height: int, width: int):
    """Moving gt ellipses and shifted predictions with a wavy contour, ``(T, H, W)`` bool each."""
    yy, xx = np.mgrid[:height, :width].astype(np.float32)
    gt = np.zeros((num_frames, height, width), bool)
    pred = np.zeros_like(gt)
    for t in range(num_frames):
        cy = height / 2 + height / 8 * np.sin(t / 10)
        cx = width / 2 + width / 6 * np.cos(t / 13)
        ry, rx = height / 3.2, width / 4.3
        gt[t] = ((yy - cy) / ry)**2 + ((xx - cx) / rx)**2 <= 1
        pred[t] = ((yy - cy - 5) / (ry - 5))**2 + ((xx - cx + 4) / (rx + 5))**2 <= 1 + 0.05 * np.sin(xx / 7)
    return gt, pred


def run_metric(args: argparse.Namespace) -> Dict:
    """J and F of mmrvos (best of ``--repeat``), and of the official code when given, interleaved."""
    from mmrvos.evaluation.functional import boundary_measure, region_similarity

    gt, pred = make_masks(args.frames, args.height, args.width)
    ours_s, official_s = [], []
    with tempfile.TemporaryDirectory() as tmp:
        masks, out = osp.join(tmp, 'masks.npz'), osp.join(tmp, 'values.npz')
        if args.official:
            np.savez(masks, gt=gt, pred=pred)
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            ours = time_calls(lambda: (region_similarity(gt, pred), boundary_measure(gt, pred)), 1)
            ours_s += ours['seconds']
            if args.official:  # the official code times itself, without its interpreter's start-up
                subprocess.run([args.official_python, '-c', OFFICIAL_SCRIPT, args.official, masks, out],
                               check=True)
                with np.load(out) as data:
                    official_s.append(float(data['time']))
                    j_off, f_off = data['j'], data['f']
    j, f = ours['output']
    shape = (args.frames, args.height, args.width)
    result = dict(mode='metric', shape=list(shape), repeat=args.repeat, seconds=summarize(ours_s),
                  J=float(j.mean()), F=float(f.mean()), environment=environment())
    print(f'mmrvos   J&F on {shape}: {min(ours_s):.3f} s best of {args.repeat} '
          f'(J {j.mean():.6f}, F {f.mean():.6f})')
    if args.official:
        result['official'] = dict(seconds=summarize(official_s), J=float(j_off.mean()), F=float(f_off.mean()),
                                  speed_up=min(official_s) / min(ours_s),
                                  max_abs_diff_J=float(np.abs(j_off - j).max()),
                                  max_abs_diff_F=float(np.abs(f_off - f).max()))
        off = result['official']
        print(f'official J&F on {shape}: {min(official_s):.3f} s best of {args.repeat} '
              f'(J {off["J"]:.6f}, F {off["F"]:.6f})')
        print(f'speed-up {off["speed_up"]:.1f}x; max |dJ| {off["max_abs_diff_J"]:.3g}, '
              f'max |dF| {off["max_abs_diff_F"]:.3g}')
    return result


def main(argv=None) -> int:
    args = parse_args(argv)
    result = dict(model=run_model, data=run_data, metric=run_metric)[args.mode](args)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'results written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
