# Copyright (c) mmrvos contributors. All rights reserved.
import logging

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.logging import print_log


def setup_cpu_distributed(cfg: Config) -> bool:
    """Let mmengine's ``pytorch`` launcher run on machines without CUDA (gloo backend).

    mmengine 0.10.7 calls ``torch.cuda.set_device`` while initialising the process group and gives
    ``DistributedDataParallel`` ``device_ids=[LOCAL_RANK]``; both fail with a CPU-only torch. Without
    CUDA this starts the gloo process group from torchrun's environment (the Runner then skips its own
    initialisation) and wraps the model with ``device_ids=None``. With CUDA, or without the
    ``pytorch`` launcher, it does nothing: the Runner's own distributed set-up is used unchanged.

    Args:
        cfg (Config): the full config, with ``launcher`` set (as tools/train.py and tools/test.py do).

    Returns:
        bool: whether the CPU set-up was applied.
    """
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return False
    backend = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('backend', 'gloo')
    if backend != 'gloo':
        print_log(f'no CUDA device: distributed backend {backend!r} replaced by gloo', logger='current',
                  level=logging.WARNING)
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    return True
