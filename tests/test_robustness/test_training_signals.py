# Copyright (c) mmrvos contributors. All rights reserved.
"""Issue 19, item 5: killing a training run (SIGKILL; SIGTERM to the process as ``timeout`` sends; SIGTERM
to its whole process group as torchrun and Slurm send) leaves no DataLoader worker behind; SIGTERM first
saves a checkpoint that ``--resume`` continues from.

The workers return batches larger than a pipe holds (as real frames are), the case where an orphaned
PyTorch worker blocks forever writing to a parent that is gone."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch
from robust_ckpt_utils import ROOT

pytestmark = pytest.mark.slow  # end to end (processes, training): `make test-fast` skips it

TOY_MODULE = '''
import time
import numpy as np
import torch
from mmengine.dataset import BaseDataset
from mmengine.model import BaseModel
from mmrvos.registry import DATASETS, MODELS


@MODELS.register_module()
class SignalToyModel(BaseModel):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)

    def forward(self, inputs, data_samples=None, mode='tensor', blob=None):
        pred = self.linear(torch.stack(inputs)[:, None])[:, 0]
        return dict(loss=((pred - torch.stack(data_samples)) ** 2).mean())


@DATASETS.register_module()
class SlowBlobDataset(BaseDataset):
    """Items of about 2 MB (numpy, pickled through the worker pipe), slow to load."""

    def __init__(self, **kwargs):
        super().__init__(serialize_data=False, **kwargs)

    def load_data_list(self):
        return [dict(x=i / 100) for i in range(100)]

    def prepare_data(self, idx):
        time.sleep(0.05)
        x = self.get_data_info(idx)['x']
        return dict(inputs=torch.tensor(x), data_samples=torch.tensor(2 * x + 1),
                    blob=np.zeros(500_000, np.float32))
'''


def _config(tmp_path) -> str:
    (tmp_path / 'signal_toy.py').write_text(TOY_MODULE)
    cfg = tmp_path / 'signal_toy_cfg.py'
    cfg.write_text(f"""
_base_ = [{osp.join(ROOT, 'configs/_base_/default_runtime.py')!r}]
custom_imports = dict(imports=['mmrvos', 'signal_toy'], allow_failed_imports=False)
model = dict(type='SignalToyModel')
train_dataloader = dict(batch_size=2, num_workers=2, persistent_workers=True,
                        sampler=dict(type='InfiniteSampler', shuffle=False),
                        dataset=dict(type='SlowBlobDataset'))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=100000, val_interval=1000000)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01))
default_hooks = dict(checkpoint=dict(interval=1000000, by_epoch=False), logger=dict(interval=1))
log_processor = dict(by_epoch=False)
env_cfg = dict(mp_cfg=dict(mp_start_method='fork', opencv_num_threads=1))
""")
    return str(cfg)


def _alive_children(pid: int) -> list:
    """Pids of the live (not zombie) processes whose parent is ``pid``."""
    children = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as f:
                stat = f.read()
        except OSError:
            continue
        state, ppid = stat.rsplit(')', 1)[1].split()[:2]
        if int(ppid) == pid and state != 'Z':
            children.append(int(entry))
    return children


def _alive(pid: int) -> bool:
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def _wait(condition, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='reads /proc to find the workers')
@pytest.mark.parametrize('signum, group', [(signal.SIGKILL, False), (signal.SIGTERM, False),
                                           (signal.SIGTERM, True)],
                         ids=['SIGKILL', 'SIGTERM', 'SIGTERM-to-the-group'])
def test_killed_training_leaves_no_worker(tmp_path, signum, group):
    cfg = _config(tmp_path)
    work_dir = tmp_path / 'work'
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([str(tmp_path), ROOT, os.environ.get('PYTHONPATH', '')]))
    output = open(tmp_path / 'train_output.txt', 'w')
    proc = subprocess.Popen([sys.executable, osp.join(ROOT, 'tools', 'train.py'), cfg, '--work-dir',
                             str(work_dir)], cwd=str(tmp_path), env=env, stdout=output,
                            stderr=subprocess.STDOUT, start_new_session=group)
    workers = []
    try:
        assert _wait(lambda: len(_alive_children(proc.pid)) >= 2 or proc.poll() is not None, 120), \
            'the DataLoader workers did not start within 120 s'
        assert proc.poll() is None, (tmp_path / 'train_output.txt').read_text()[-3000:]
        workers = _alive_children(proc.pid)
        time.sleep(1.5)  # a few iterations: the worker pipes are full
        if group:
            os.killpg(proc.pid, signum)  # the training process and its workers at once
        else:
            proc.send_signal(signum)
        returncode = proc.wait(timeout=60)
        survivors = [p for p in workers if _alive(p)] if not _wait(
            lambda: not any(map(_alive, workers)), 10) else []
        assert not survivors, \
            f'{signal.Signals(signum).name}: DataLoader workers {survivors} outlived the training process'
    finally:
        for pid in [proc.pid] + workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait()
        output.close()
    if signum == signal.SIGTERM:
        assert returncode == 128 + signal.SIGTERM, (tmp_path / 'train_output.txt').read_text()[-3000:]
        with open(work_dir / 'last_checkpoint') as f:
            saved = f.read().strip()
        meta = torch.load(saved, map_location='cpu', weights_only=True)['meta']
        assert osp.basename(saved) == f'iter_{meta["iter"]}.pth' and meta['iter'] >= 1
        assert any('SIGTERM: saved' in log.read_text() for log in work_dir.glob('*/*.log'))
    else:
        assert returncode == -signal.SIGKILL
