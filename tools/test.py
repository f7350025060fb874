# Copyright (c) mmrvos contributors. All rights reserved.
"""Test (evaluate) an mmrvos model: ``python tools/test.py CONFIG CHECKPOINT [--out F] [--show-dir D] ...``.

The arguments are mmdet 3.x's. Distributed testing is mmengine's (``tools/dist_test.sh``).
The checkpoint is read with ``torch.load(weights_only=True)`` and must hold exactly the model's keys
(``--no-strict`` loads a partial one); a checkpoint converted from the official SOC release is tested with
``model.test_cfg.official_layer0_quirk=True`` (its ``meta`` says so; ``--no-official-quirk`` overrides).
A checkpoint that cannot be read or does not fit ends the run with one ``error:`` line naming the file.
``--precision bf16`` (config ``inference_cfg.precision``) runs the test loop under ``torch.autocast`` to
bfloat16; fp32 is the default and the reference.
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.evaluator import DumpResults
from mmengine.registry import RUNNERS


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) an mmrvos model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out', type=str, help='dump predictions to a pickle file for offline evaluation')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir', help='directory where painted frames will be saved. '
        'If specified, it will be automatically saved to the work_dir/timestamp/show_dir')
    parser.add_argument('--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--strict', action=argparse.BooleanOptionalAction, default=None,
        help='the checkpoint must hold exactly the model\'s keys (default, config key strict_load); '
        '--no-strict loads the matching keys of a partial checkpoint and lists the others')
    parser.add_argument(
        '--precision', choices=('fp32', 'bf16'), default=None,
        help='fp32, or bf16 (torch.autocast to bfloat16); default: the config\'s inference_cfg.precision, '
        'else fp32')
    parser.add_argument(
        '--official-quirk', action=argparse.BooleanOptionalAction, default=None,
        help='model.test_cfg.official_layer0_quirk; default: on for checkpoints converted from the '
        'official SOC release (their meta says so), else the config\'s value')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def trigger_visualization_hook(cfg: Config, args: argparse.Namespace) -> Config:
    default_hooks = cfg.default_hooks
    if 'visualization' in default_hooks:
        visualization_hook = default_hooks['visualization']
        # Turn on visualization
        visualization_hook['draw'] = True
        if args.show:
            visualization_hook['show'] = True
            visualization_hook['wait_time'] = args.wait_time
        if args.show_dir:
            visualization_hook['test_out_dir'] = args.show_dir
    else:
        raise RuntimeError('VisualizationHook must be included in default_hooks. '
                           'refer to usage "visualization=dict(type=\'VisualizationHook\')"')
    return cfg


def build_config(args: argparse.Namespace) -> Config:
    """The config with the command line applied (reads the checkpoint's ``meta``, not its weights)."""
    import mmrvos  # noqa: F401  (registers the mmrvos:: config prefix for _base_)
    from mmrvos.utils.checkpoint import apply_checkpoint_test_cfg, quirk_choice, read_checkpoint_meta
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.strict is not None:
        cfg.strict_load = args.strict
    # converted official weights are tested on the official path unless the user decided
    apply_checkpoint_test_cfg(cfg.model, read_checkpoint_meta(args.checkpoint), args.checkpoint,
                              explicit=quirk_choice(args.official_quirk, args.cfg_options))
    if args.precision is not None:
        cfg.inference_cfg = dict(cfg.get('inference_cfg', {}), precision=args.precision)
    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)
    return cfg


def run_test_step_at(model, precision: str) -> None:
    """Make ``model.test_step`` run under :func:`mmrvos.utils.inference_autocast` at ``precision``.

    The context is entered inside ``test_step`` because mmengine's ``TestLoop`` wraps the call in its own
    ``autocast(enabled=fp16)``, which would switch an outer autocast off.
    """
    from mmrvos.utils import inference_autocast
    test_step, device = model.test_step, next(model.parameters()).device

    def step(data):
        with inference_autocast(precision, device):
            return test_step(data)

    model.test_step = step


def main(argv=None) -> dict:
    """Run the test loop; returns the metrics (rank 0; empty on other ranks).

    Raises:
        SystemExit: one ``error:`` line when the checkpoint cannot be read or does not fit the model.
    """
    args = parse_args(argv)
    from mmdet.utils import setup_cache_size_limit_of_dynamo

    from mmrvos.apis import RVOSRunner
    from mmrvos.utils import check_precision
    from mmrvos.utils.checkpoint import CheckpointError
    setup_cache_size_limit_of_dynamo()
    try:
        cfg = build_config(args)
        # CPU-only machines: mmengine's pytorch launcher needs CUDA; start gloo instead (see the function)
        from mmrvos.utils.dist_utils import setup_cpu_distributed
        setup_cpu_distributed(cfg)
        runner = RVOSRunner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)

        # add `DumpResults` dummy metric
        if args.out is not None:
            assert args.out.endswith(('.pkl', '.pickle')), 'The dump file must be a pkl file.'
            runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
        precision = check_precision(cfg.get('inference_cfg', {}).get('precision', 'fp32'),
                                    f'{args.config}: inference_cfg.precision')
        if precision != 'fp32':
            run_test_step_at(runner.model, precision)
        return runner.test()
    except CheckpointError as e:
        raise SystemExit(f'error: {e}') from None


if __name__ == '__main__':
    main()
