# Copyright (c) mmrvos contributors. All rights reserved.
"""DataLoader workers that die with the process that started them.

A worker of a killed training run (``kill -9``; or SIGTERM, which Python does not turn into a clean exit
by default) is reparented to init. PyTorch's worker notices a dead parent only between tasks, so a worker
blocked writing a batch into a full pipe stays alive (with its memory and the open log file) until killed
by hand. :func:`die_with_parent` wraps a ``worker_init_fn`` so that the kernel kills the worker when its
parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``); elsewhere it only chains the wrapped function.

A SIGTERM sent to the whole job (``torchrun`` stopping its ranks, Slurm's time limit, ``kill`` of a process
group) also reaches the workers; if they died of it, the training process would fail on its next batch
before it could save a checkpoint. So a worker leaves a SIGTERM to its parent (which saves and exits, and
the worker dies with it) and obeys only one sent by the parent itself (``Process.terminate`` at shutdown).
"""
import ctypes
import functools
import os
import signal
import sys
import threading
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


def _obey_sigterm_from(parent_pid: int) -> None:
    """Exit on a SIGTERM sent by ``parent_pid``; ignore one sent by anyone else.

    SIGTERM is blocked in the calling thread (and the threads it starts later) and read by a daemon thread
    with ``sigwaitinfo``, which tells the sender.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})

    def wait_for_parent():
        while True:
            if signal.sigwaitinfo({signal.SIGTERM}).si_pid == parent_pid:
                # the parent ends its workers at shutdown: status 0, or PyTorch's SIGCHLD check reports
                # the worker as failed
                os._exit(0)

    threading.Thread(target=wait_for_parent, name='sigterm-from-parent', daemon=True).start()


def _init_worker(worker_id: int, parent_pid: int, chained: Optional[Callable[[int], None]]) -> None:
    """``worker_init_fn`` of :func:`die_with_parent`: runs in the DataLoader worker."""
    if set_parent_death_signal(signal.SIGKILL):
        _obey_sigterm_from(parent_pid)
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
