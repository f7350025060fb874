# Copyright (c) mmrvos contributors. All rights reserved.
"""Parameter and FLOP counts of an mmrvos model, per module (mmengine.analysis, as mmdet's get_flops.py).

::

    python tools/analysis_tools/get_flops.py CONFIG --num-frames 8 --shape 360 640 --max-depth 2

The FLOPs are those of ``model._forward`` (the raw head outputs, no post-processing) on one clip of
``--num-frames`` generated frames run through the config's test pipeline, traced with ``torch.jit``;
operators mmengine has no counter for (e.g. ``grid_sample`` in deformable attention) are listed as
skipped. ``--params-only`` skips the tracing.
"""
import argparse
import sys

import torch  # noqa: E402
from mmengine.analysis import FlopAnalyzer, parameter_count, parameter_count_table  # noqa: E402
from mmengine.analysis.print_helper import _format_size, complexity_stats_table  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Parameter / FLOP counts of an mmrvos model')
    parser.add_argument('config', help='model config file')
    parser.add_argument('--num-frames', type=int, default=8, help='frames of the clip')
    parser.add_argument('--shape', type=int, nargs=2, default=[360, 640], metavar=('H', 'W'),
                        help='size of the generated frames before the test pipeline')
    parser.add_argument('--text', default='the object moving to the right', help='the sentence')
    parser.add_argument('--max-depth', type=int, default=2, help='module depth of the tables')
    parser.add_argument('--params-only', action='store_true', help='count parameters only (no tracing)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')
    return parser.parse_args(argv)


class _TensorForward(torch.nn.Module):
    """``inputs -> model._forward(inputs, data_samples)`` with the data samples fixed, for jit tracing."""

    def __init__(self, model: torch.nn.Module, data_samples: list) -> None:
        super().__init__()
        self.model = model
        self.data_samples = data_samples

    def forward(self, inputs: torch.Tensor):
        return self.model._forward(inputs, self.data_samples)


def count(args: argparse.Namespace) -> dict:
    """Build the model and return ``params`` (int), ``params_table``, ``params_per_module`` and, unless
    ``--params-only``, ``flops`` (int), ``flops_table``, ``input_shape`` and ``skipped_ops``."""
    from mmrvos.apis import RVOSInferencer, SyntheticFrameSource

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    inferencer = RVOSInferencer(cfg, None, device='cpu', show_progress=False)
    model = inferencer.model
    counts = parameter_count(model)
    result = dict(params=counts[''], params_table=parameter_count_table(model, max_depth=args.max_depth),
                  params_per_module={name: counts[name] for name, _ in model.named_children()})
    if args.params_only:
        return result
    video = SyntheticFrameSource(args.num_frames, *args.shape)
    data = inferencer.preprocess(list(video), list(range(args.num_frames)), [args.text], video)
    data = model.data_preprocessor(data, False)
    wrapper = _TensorForward(model, data['data_samples']).eval()
    with torch.no_grad():
        flops = FlopAnalyzer(wrapper, (data['inputs'], ))
        flops.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings('none')
        result.update(flops=flops.total(), input_shape=tuple(data['inputs'].shape),
                      flops_table=complexity_stats_table(flops=flops, max_depth=args.max_depth + 1),
                      skipped_ops=dict(flops.unsupported_ops()))
    return result


def main(argv=None) -> int:
    args = parse_args(argv)
    result = count(args)
    print(result['params_table'])
    print(f'Params: {_format_size(result["params"])} ({result["params"]}): ' + ', '.join(
        f'{name} {count / 1e6:.2f} M' for name, count in result['params_per_module'].items() if count))
    if 'flops' in result:
        print(result['flops_table'])
        print(f'Input shape (N, T, C, H, W): {result["input_shape"]}')
        print(f'FLOPs (one multiply-add = 1): {_format_size(result["flops"])} per clip, '
              f'{_format_size(result["flops"] // args.num_frames)} per frame')
        if result['skipped_ops']:
            print('Operators without a FLOP counter (not counted): '
                  + ', '.join(f'{k} x{v}' for k, v in sorted(result['skipped_ops'].items())))
    return 0


if __name__ == '__main__':
    sys.exit(main())
