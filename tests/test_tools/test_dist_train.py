# Copyright (c) mmrvos contributors. All rights reserved.
"""tools/dist_train.sh: 2 processes (torchrun, gloo, mmengine's DDP) train the tiny SOC for 2 iterations,
from a shell where the environment is not activated (no torchrun on PATH): the script runs the
environment's own ``python -m torch.distributed.run``; the log counts processes, not GPUs, on CPU."""
import glob
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch
from tiny_soc_tool_config import ROOT, write_tiny_soc_config


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


pytestmark = pytest.mark.slow  # end to end (processes, training): `make test-fast` skips it


@pytest.fixture(scope='module')
def tiny_soc_model(tmp_path_factory):
    from mmrvos.testing import build_tiny_text_encoder_cfg, tiny_soc_cfg
    text_encoder = build_tiny_text_encoder_cfg(str(tmp_path_factory.mktemp('tiny_roberta')), embed_dims=128)
    return tiny_soc_cfg(text_encoder)


RANK_HOOK = """
import json, os
import torch
from mmengine.hooks import Hook
from mmrvos.registry import HOOKS


@HOOKS.register_module()
class RankReportHook(Hook):
    # each process writes its rank, world size, samples seen and a parameter checksum after training
    def before_run(self, runner):
        self.samples = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.samples += [f"{s.video_id}/{s.exp_id}/{s.frame_ids}" for s in data_batch['data_samples']]

    def after_run(self, runner):
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        checksum = float(sum(p.double().sum() for p in model.parameters()))
        with open(os.path.join(runner.work_dir, f'rank{runner.rank}.json'), 'w') as f:
            json.dump(dict(rank=runner.rank, world_size=runner.world_size, samples=self.samples,
                           wrapper=type(runner.model).__name__, checksum=checksum), f)
"""


def test_dist_train_two_processes_gloo(tmp_path, tiny_soc_model):
    (tmp_path / 'rank_report_hook.py').write_text(RANK_HOOK)
    cfg_file = write_tiny_soc_config(
        str(tmp_path), tiny_soc_model, max_iters=2, checkpoint_interval=2,
        extra="custom_imports = dict(imports=['mmrvos', 'rank_report_hook'], allow_failed_imports=False)\n"
              "custom_hooks = [dict(type='RankReportHook')]")
    work_dir = str(tmp_path / 'work')
    # not activated: neither the environment's bin/ nor any torchrun on PATH; MMRVOS_VENV names it
    venv_bin = osp.dirname(sys.executable)
    path = [p for p in os.environ.get('PATH', '').split(os.pathsep)
            if p and osp.realpath(p) != osp.realpath(venv_bin) and not osp.exists(osp.join(p, 'torchrun'))]
    env = dict(os.environ, PORT=str(_free_port()), OMP_NUM_THREADS='1', PATH=os.pathsep.join(path),
               MMRVOS_VENV=osp.dirname(venv_bin),
               PYTHONPATH=str(tmp_path) + os.pathsep + os.environ.get('PYTHONPATH', ''))
    env.pop('PYTHON', None)
    env.pop('VIRTUAL_ENV', None)
    proc = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), cfg_file, '2', '--work-dir', work_dir],
        cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ckpt = torch.load(osp.join(work_dir, 'iter_2.pth'), map_location='cpu', weights_only=True)
    assert ckpt['meta']['iter'] == 2
    reports = []
    for rank in (0, 1):
        with open(osp.join(work_dir, f'rank{rank}.json')) as f:
            reports.append(json.load(f))
    assert [(r['rank'], r['world_size'], r['wrapper']) for r in reports] == \
        [(0, 2, 'MMDistributedDataParallel'), (1, 2, 'MMDistributedDataParallel')]
    # the distributed sampler gave the ranks different samples, and DDP kept their weights identical
    assert len(reports[0]['samples']) == len(reports[1]['samples']) == 2
    assert not set(reports[0]['samples']) & set(reports[1]['samples'])
    assert reports[0]['checksum'] == reports[1]['checksum']
    logs = glob.glob(osp.join(work_dir, '*', '*.log'))
    with open(logs[0]) as f:
        log = f.read()
    assert 'Distributed training: True' in log and 'Iter(train) [2/2]' in log
    # a CPU run: mmengine's "GPU number" is the number of processes
    assert 'GPU number' not in log and 'Process number (no GPU): 2' in log
