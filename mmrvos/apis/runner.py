# Copyright (c) mmrvos contributors. All rights reserved.
"""RVOSRunner: mmengine's Runner with strict, safe checkpoint loading and a clean end on SIGTERM.

``tools/train.py`` and ``tools/test.py`` build it (unless the config names another ``runner_type``).
What it changes:

* ``load_from`` and ``--resume`` read the file with ``torch.load(weights_only=True)`` and load the weights
  only if the checkpoint's keys are the model's (config key ``strict_load``, default True; False loads the
  matching keys of a partial checkpoint and lists the others); a resume needs the training state
  (``meta.epoch``/``meta.iter``). Problems end in one :class:`~mmrvos.utils.checkpoint.CheckpointError`
  line naming the file.
* checkpoints are saved with a plain message hub, so they load with ``weights_only=True`` anywhere.
* DataLoader workers die with the process (:func:`~mmrvos.utils.processes.die_with_parent`).
* SIGTERM (``timeout``, Slurm) during training saves a checkpoint of the current iteration, points
  ``last_checkpoint`` at it (``--resume`` continues from there) and exits with status 143.
* on a machine without CUDA the environment log says ``Process number`` instead of ``GPU number``.
"""
import logging
import os.path as osp
import signal
import threading
from typing import Optional

import torch
from mmengine.dist import all_reduce, is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from torch.utils.data import DataLoader

from mmrvos.registry import RUNNERS
from mmrvos.utils.checkpoint import (
    CheckpointError,
    load_checkpoint_file,
    load_weights,
    plain_message_hub,
    restore_message_hub,
)
from mmrvos.utils.processes import die_with_parent


class TrainingTerminated(SystemExit):
    """Raised after the checkpoint of a terminated training run was saved; exit status ``128 + signum``."""


class _SafeRunHook(Hook):
    """Plain checkpoints before saving; on a pending SIGTERM, save and stop after the current iteration."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.terminate_signal: Optional[int] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        plain_message_hub(checkpoint)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        signum = self.terminate_signal or 0
        if runner.world_size > 1:  # every rank stops after the same iteration (one max-reduce of a scalar)
            flag = torch.tensor([signum])
            all_reduce(flag, op='max')
            signum = int(flag.item())
        if not signum:
            return
        filename = f'iter_{runner.iter + 1}.pth'
        runner.save_checkpoint(runner.work_dir, filename, by_epoch=False)
        if is_main_process():
            with open(osp.join(runner.work_dir, 'last_checkpoint'), 'w') as f:
                f.write(osp.join(runner.work_dir, filename))
        runner.logger.warning(f'{signal.Signals(signum).name}: saved {osp.join(runner.work_dir, filename)} '
                              f'after iteration {runner.iter + 1}; --resume continues from it')
        raise TrainingTerminated(128 + signum)


class _RenameGPUNumber(logging.Filter):
    """Turn mmengine's ``GPU number: N`` into ``Process number: N (no GPU)`` in a log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = record.msg.replace('GPU number:', 'Process number (no GPU):')
        return True


@RUNNERS.register_module()
class RVOSRunner(Runner):
    """mmengine's :class:`~mmengine.runner.Runner` with the changes listed in the module docstring.

    It takes the Runner's arguments; the config key ``strict_load`` (bool, default True) is read from
    ``cfg``.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._safe_run_hook = _SafeRunHook()
        self.register_hook(self._safe_run_hook)

    @staticmethod
    def build_dataloader(dataloader, seed: Optional[int] = None, diff_rank_seed: bool = False) -> DataLoader:
        """mmengine's ``build_dataloader``; the workers die with this process."""
        loader = Runner.build_dataloader(dataloader, seed=seed, diff_rank_seed=diff_rank_seed)
        if isinstance(loader, DataLoader) and loader.num_workers > 0:
            loader.worker_init_fn = die_with_parent(loader.worker_init_fn)
        return loader

    def load_checkpoint(self, filename: str, map_location='cpu', strict: Optional[bool] = None,
                        revise_keys: list = [(r'^module.', '')]) -> dict:
        """Load a checkpoint into the model, strictly unless ``strict_load=False`` (never for a resume).

        Args:
            filename (str): the checkpoint file.
            map_location (str | callable): as ``torch.load``.
            strict (bool, optional): overrides the config's ``strict_load``.
            revise_keys (list): unused; a DDP ``module.`` prefix is removed (mmengine's signature).

        Returns:
            dict: the checkpoint (with its message hub restored for a resume).

        Raises:
            CheckpointError: the file cannot be read, does not fit the model or cannot be resumed.
        """
        checkpoint = load_checkpoint_file(filename, map_location=map_location)
        if self._resume:
            meta = checkpoint.get('meta')
            if not isinstance(meta, dict) or not {'epoch', 'iter'} <= set(meta):
                raise CheckpointError(
                    f'{filename} cannot be resumed: it has no training state (meta.epoch and meta.iter), '
                    'e.g. converted or published weights; start from its weights with load_from instead')
            restore_message_hub(checkpoint)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        if strict is None:
            strict = bool(self.cfg.get('strict_load', True))
        load_weights(model, checkpoint, filename, strict=strict or self._resume)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    def train(self) -> torch.nn.Module:
        """Train; the first SIGTERM saves a checkpoint after the current iteration and exits (143)."""

        def request_stop(signum, frame):
            self.logger.warning(f'{signal.Signals(signum).name} received: stopping after this iteration')
            self._safe_run_hook.terminate_signal = signum
            signal.signal(signum, previous)  # a second signal ends the process at once

        if threading.current_thread() is not threading.main_thread():  # signals go to the main thread
            return super().train()
        previous = signal.signal(signal.SIGTERM, request_stop)
        try:
            return super().train()
        finally:
            signal.signal(signal.SIGTERM, previous)

    def _log_env(self, env_cfg: dict) -> None:
        if torch.cuda.is_available():
            return super()._log_env(env_cfg)
        rename = _RenameGPUNumber()
        self.logger.addFilter(rename)
        try:
            super()._log_env(env_cfg)
        finally:
            self.logger.removeFilter(rename)
