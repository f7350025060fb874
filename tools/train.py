# Copyright (c) mmrvos contributors. All rights reserved.
"""Train an mmrvos model: ``python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] ...``.

The arguments are mmdet 3.x's. Distributed training is mmengine's (``tools/dist_train.sh``).
The Runner is :class:`~mmrvos.apis.RVOSRunner`: ``load_from``/``--resume`` checkpoints are read with
``torch.load(weights_only=True)`` and must fit the model (``--no-strict`` or ``strict_load=False`` loads
a partial one, e.g. a backbone); SIGTERM saves a checkpoint and exits with 143 (``--resume`` continues);
DataLoader workers die with the process. Such problems end in one ``error:`` line.
"""
import argparse
import logging
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train an mmrvos model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--amp', action='store_true', default=False,
        help='enable automatic-mixed-precision training (needs a GPU)')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the learning rate by (processes x batch size) / auto_scale_lr.base_batch_size '
        '(the config must set base_batch_size: the total batch size its learning rate is for)')
    parser.add_argument(
        '--strict', action=argparse.BooleanOptionalAction, default=None,
        help='a load_from checkpoint must hold exactly the model\'s keys (default, config key '
        'strict_load); --no-strict loads the matching keys of a partial one (e.g. a backbone) and lists '
        'the others. A resume is always strict')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='If specify checkpoint path, resume from it, while if not '
        'specify, try to auto resume from the latest checkpoint '
        'in the work directory.')
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
    # When using PyTorch version >= 2.0.0, the `torch.distributed.launch`
    # will pass the `--local-rank` parameter to `tools/train.py` instead
    # of `--local_rank`.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def build_config(args: argparse.Namespace) -> Config:
    """Load the config and apply the command-line overrides, as mmdet's ``tools/train.py`` does."""
    import mmrvos  # noqa: F401  (registers the mmrvos:: config prefix for _base_)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    # work_dir is determined in this priority: CLI > segment in file > filename
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])

    if args.amp is True:
        optim_wrapper = cfg.optim_wrapper.type
        if optim_wrapper == 'AmpOptimWrapper':
            print_log('AMP training is already enabled in your config.', logger='current',
                      level=logging.WARNING)
        else:
            assert optim_wrapper == 'OptimWrapper', (
                '`--amp` is only supported when the optimizer wrapper type is '
                f'`OptimWrapper` but got {optim_wrapper}.')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'

    if args.auto_scale_lr:
        if not isinstance(cfg.get('auto_scale_lr'), dict) or 'base_batch_size' not in cfg.auto_scale_lr:
            raise SystemExit(
                f'error: --auto-scale-lr needs auto_scale_lr.base_batch_size in {args.config} (the total '
                'batch size its learning rate was tuned for), e.g. auto_scale_lr = dict(enable=False, '
                'base_batch_size=8)')
        cfg.auto_scale_lr.enable = True
    if args.strict is not None:
        cfg.strict_load = args.strict

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def build_runner(cfg: Config) -> Runner:
    """:class:`~mmrvos.apis.RVOSRunner`, unless the config names a ``runner_type``."""
    from mmrvos.apis import RVOSRunner
    if 'runner_type' not in cfg:
        return RVOSRunner.from_cfg(cfg)
    return RUNNERS.build(cfg)


def main(argv=None) -> None:
    """Train.

    Raises:
        SystemExit: one ``error:`` line when a checkpoint cannot be read, does not fit or cannot be
            resumed; status 143 after SIGTERM (a checkpoint was saved).
    """
    args = parse_args(argv)
    # Reduce the number of repeated compilations and improve training speed.
    from mmdet.utils import setup_cache_size_limit_of_dynamo
    setup_cache_size_limit_of_dynamo()
    cfg = build_config(args)
    # CPU-only machines: mmengine's pytorch launcher needs CUDA; start gloo instead (see the function)
    from mmrvos.utils.dist_utils import setup_cpu_distributed
    setup_cpu_distributed(cfg)
    from mmrvos.utils.checkpoint import CheckpointError
    try:
        build_runner(cfg).train()
    except CheckpointError as e:
        raise SystemExit(f'error: {e}') from None


if __name__ == '__main__':
    main()
