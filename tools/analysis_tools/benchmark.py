# Copyright (c) mmrvos contributors. All rights reserved.
"""Speed and memory of an mmrvos model.

Clip mode (default): FPS, latency per clip and peak memory of one forward pass (``model.test_step``) on a
clip of ``--num-frames`` frames of size ``--shape`` (after the config's test pipeline), with warm-up
and repeated runs::

    python tools/analysis_tools/benchmark.py CONFIG [CHECKPOINT] --num-frames 8 --shape 360 640 \\
        --device cpu --warmup 1 --repeat 3

Long-video mode: peak memory of the windowed :class:`~mmrvos.apis.RVOSInferencer` (masks, JSON and
overlay written to a temporary folder) on synthetic videos of several lengths::

    python tools/analysis_tools/benchmark.py CONFIG --long-video 60 600 --shape 96 128 --window-size 8
"""
import argparse
import os.path as osp
import sys
import tempfile
import time
import tracemalloc
from typing import Dict, List, Optional

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='mmrvos speed / memory benchmark')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', nargs='?', default=None, help='checkpoint (random weights if omitted)')
    parser.add_argument('--num-frames', type=int, default=8, help='frames per clip (clip mode)')
    parser.add_argument('--shape', type=int, nargs=2, default=[360, 640], metavar=('H', 'W'),
                        help='size of the generated frames before the test pipeline')
    parser.add_argument('--device', default='cpu', help='cpu, cuda, cuda:0, ...')
    parser.add_argument('--warmup', type=int, default=1, help='untimed runs first')
    parser.add_argument('--repeat', type=int, default=3, help='timed runs')
    parser.add_argument('--texts', nargs='+', default=['the object moving to the right'],
                        help='sentence(s); several sentences are one batch')
    parser.add_argument('--long-video', type=int, nargs='+', default=None, metavar='NUM_FRAMES',
                        help='long-video mode: peak memory of windowed inference per video length')
    parser.add_argument('--window-size', type=int, default=None, help='long-video mode: frames per window')
    parser.add_argument('--window-overlap', type=int, default=None, help='long-video mode: window overlap')
    parser.add_argument('--no-overlay', action='store_true', help='long-video mode: skip the overlay video')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value (as in tools/train.py)')
    return parser.parse_args(argv)


# ---------------------------------------------------------------------- memory probes
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
    ``cuda_mib``: peak CUDA memory allocated by torch (on a GPU device).
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


# ---------------------------------------------------------------------- benchmarks
def build_inferencer(args: argparse.Namespace):
    """The inferencer of the config. Clip mode times the model with its own ``test_cfg`` (as
    ``tools/test.py`` runs it); long-video mode uses the inferencer's ``inference_cfg`` (all candidates
    returned for the cross-window linking)."""
    from mmrvos.apis import RVOSInferencer

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if not args.long_video:
        cfg.inference_cfg = dict(cfg.get('inference_cfg', {}), model_test_cfg=None)
    return RVOSInferencer(cfg, args.checkpoint, device=args.device, show_progress=False)


def benchmark_clip(inferencer, num_frames: int, shape: List[int], texts: List[str], warmup: int,
                   repeat: int, device: str) -> Dict:
    """Time ``model.test_step`` on one preprocessed clip; returns latency, FPS and peak memory."""
    from mmrvos.apis import SyntheticFrameSource

    video = SyntheticFrameSource(num_frames, *shape)
    window = list(video)
    data = inferencer.preprocess(window, list(range(num_frames)), texts, video)
    input_shape = tuple(data['inputs'][0].shape)
    dev = torch.device(device)
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == 'cuda' else (lambda: None)
    for _ in range(warmup):
        inferencer.forward(data)
    sync()
    latencies = []
    with PeakMemory(device, trace=False) as memory:
        for _ in range(repeat):
            start = time.perf_counter()
            inferencer.forward(data)
            sync()
            latencies.append(time.perf_counter() - start)
    latencies = np.asarray(latencies)
    return dict(input_shape=input_shape, latency_s=float(latencies.mean()),
                latency_std_s=float(latencies.std()), fps=num_frames / float(latencies.mean()),
                peak_rss_mib=memory.rss_peak_mib, rss_growth_mib=memory.rss_mib,
                peak_cuda_mib=memory.cuda_mib, num_frames=num_frames, batch=len(texts))


def benchmark_long_video(inferencer, lengths: List[int], shape: List[int], texts: List[str],
                         window_size: Optional[int], window_overlap: Optional[int], overlay: bool,
                         device: str) -> List[Dict]:
    """Peak memory of windowed inference (with all outputs written) per video length."""
    from mmrvos.apis import SyntheticFrameSource

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # warm-up: the allocator, lazy imports and the first window's buffers are not the video's cost
        inferencer(SyntheticFrameSource(min(lengths), *shape), texts, out_dir=osp.join(tmp, 'warmup'),
                   window_size=window_size, window_overlap=window_overlap)
        for length in lengths:
            out = osp.join(tmp, f'len{length}')
            start = time.perf_counter()
            with PeakMemory(device) as memory:
                result = inferencer(
                    SyntheticFrameSource(length, *shape), texts, out_dir=out,
                    overlay_path=osp.join(out, 'overlay.mp4') if overlay else None,
                    json_path=osp.join(out, 'masks.json'), window_size=window_size,
                    window_overlap=window_overlap)
            assert result['num_frames'] == length
            rows.append(dict(num_frames=length, seconds=time.perf_counter() - start,
                             windows=result['num_windows'], peak_rss_mib=memory.rss_peak_mib,
                             rss_growth_mib=memory.rss_mib, peak_traced_mib=memory.traced_mib,
                             peak_cuda_mib=memory.cuda_mib))
    return rows


def _fmt(value, spec='.1f') -> str:
    return '-' if value is None else format(value, spec)


def main(argv=None) -> int:
    args = parse_args(argv)
    inferencer = build_inferencer(args)
    print(f'config: {args.config}\ncheckpoint: {args.checkpoint}\ndevice: {args.device}, '
          f'torch threads: {torch.get_num_threads()}')
    if args.long_video:
        rows = benchmark_long_video(inferencer, args.long_video, args.shape, args.texts, args.window_size,
                                    args.window_overlap, not args.no_overlay, args.device)
        print('frames  windows  seconds  peak RSS (MiB)  RSS growth (MiB)  peak traced (MiB)  '
              'peak CUDA (MiB)')
        for r in rows:
            print(f'{r["num_frames"]:6d}  {r["windows"]:7d}  {r["seconds"]:7.1f}  '
                  f'{_fmt(r["peak_rss_mib"]):>14}  {_fmt(r["rss_growth_mib"]):>16}  '
                  f'{_fmt(r["peak_traced_mib"], ".2f"):>17}  {_fmt(r["peak_cuda_mib"]):>15}')
        for key in ('peak_rss_mib', 'peak_traced_mib', 'peak_cuda_mib'):
            if len(rows) > 1 and rows[0][key]:
                ratio = rows[-1][key] / rows[0][key]
                print(f'{key}: {rows[-1]["num_frames"]} frames / {rows[0]["num_frames"]} frames = '
                      f'{ratio:.3f} ({"within" if ratio <= 1.2 else "NOT within"} 20%)')
        return 0
    r = benchmark_clip(inferencer, args.num_frames, args.shape, args.texts, args.warmup, args.repeat,
                       args.device)
    print(f'model input (N, T, C, H, W) per sample: {r["input_shape"]}, batch {r["batch"]}')
    print(f'latency per clip: {r["latency_s"] * 1000:.1f} ms (std {r["latency_std_s"] * 1000:.1f}, '
          f'{args.repeat} runs after {args.warmup} warm-up)')
    print(f'FPS: {r["fps"]:.2f}')
    print(f'peak memory: RSS {_fmt(r["peak_rss_mib"])} MiB (+{_fmt(r["rss_growth_mib"])} during the runs), '
          f'CUDA {_fmt(r["peak_cuda_mib"])} MiB')
    return 0


if __name__ == '__main__':
    sys.exit(main())
