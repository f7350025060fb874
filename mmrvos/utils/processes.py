# Copyright (c) mmrvos contributors. All rights reserved.
"""DataLoader workers that die with the process that started them.

A worker of a killed training run (``kill -9``; or SIGTERM, which Python does not turn into a clean exit
by default) is reparented to init. PyTorch's worker notices a dead parent only between tasks, so a worker
blocked writing a batch into a full pipe stays alive (with its memory and the open log file) until killed
by hand. :func:`die_with_parent` wraps a ``worker_init_fn`` so that the kernel kills the worker when its
parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``); elsewhere it only chains the wrapped function.
"""
import ctypes
import functools
import os
import signal
import sys
from typing import Callable, Optional

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def set_parent_death_signal(signum: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``signum`` to this process when the thread that created it exits.

    Returns:
        bool: whether it was set (Linux only).
    """
    if not sys.platform.startswith('linux'):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f'prctl(PR_SET_PDEATHSIG, {int(signum)}) failed')
    return True


def _init_worker(worker_id: int, parent_pid: int, chained: Optional[Callable[[int], None]]) -> None:
    """``worker_init_fn`` of :func:`die_with_parent`: runs in the DataLoader worker."""
    set_parent_death_signal(signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    if chained is not None:
        chained(worker_id)


def die_with_parent(worker_init_fn: Optional[Callable[[int], None]] = None) -> Callable[[int], None]:
    """A DataLoader ``worker_init_fn`` that makes the worker die with its parent, then calls
    ``worker_init_fn`` (e.g. mmengine's seeding function).

    Call it in the process that creates the DataLoader. The result is picklable (``spawn`` start method).

    Args:
        worker_init_fn (callable, optional): ``fn(worker_id)`` to run afterwards.

    Returns:
        callable: ``fn(worker_id)``.
    """
    return functools.partial(_init_worker, parent_pid=os.getpid(), chained=worker_init_fn)
