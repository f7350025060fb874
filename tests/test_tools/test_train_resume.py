# Copyright (c) mmrvos contributors. All rights reserved.
"""tools/train.py trains the tiny SOC on the Ref-YouTube-VOS fixture, is killed, resumes with --resume
from the saved iteration (with the learning rate of that iteration: the warm-up schedule is resumed too),
and tools/test.py scores the checkpoint with the Ref-DAVIS17 metric."""
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from tiny_soc_tool_config import write_tiny_soc_config

from mmrvos.registry import HOOKS
from mmrvos.testing import load_script

pytestmark = pytest.mark.slow  # end to end (processes, training): `make test-fast` skips it

ITERS_SEEN = []
LRS_SEEN = []


class _SimulatedKill(Exception):
    pass


@HOOKS.register_module(force=True)
class _RecordThenKillHook(Hook):
    """Record the iteration index and learning rate of every training step; die after ``kill_after``
    iterations."""

    def __init__(self, kill_after=None):
        self.kill_after = kill_after

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        ITERS_SEEN.append(runner.iter)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        LRS_SEEN.append(runner.optim_wrapper.get_lr()['lr'][0])  # the lr this iteration used
        # runs before the CheckpointHook (lower priority) of the same iteration: like a kill -9 here
        if self.kill_after is not None and runner.iter + 1 == self.kill_after:
            raise _SimulatedKill(f'killed after iteration {runner.iter + 1}')


def _load_tool(name):
    return load_script(f'tools/{name}.py')


@pytest.fixture(scope='module')
def tiny_soc_model(tmp_path_factory):
    from mmrvos.testing import build_tiny_text_encoder_cfg, tiny_soc_cfg
    text_encoder = build_tiny_text_encoder_cfg(str(tmp_path_factory.mktemp('tiny_roberta')), embed_dims=128)
    return tiny_soc_cfg(text_encoder)


def test_train_kill_resume_and_test(tmp_path, tiny_soc_model):
    # a linear warm-up: lr 1e-5 at iteration 0, 5.5e-5 at iteration 1 (1e-4 from iteration 2)
    cfg_file = write_tiny_soc_config(
        str(tmp_path), tiny_soc_model, max_iters=2, checkpoint_interval=1,
        extra="custom_hooks = [dict(type='_RecordThenKillHook', kill_after=2)]\n"
              "param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=3)]")
    work_dir = str(tmp_path / 'work')
    train = _load_tool('train')

    ITERS_SEEN.clear()
    LRS_SEEN.clear()
    with pytest.raises(_SimulatedKill):
        train.main([cfg_file, '--work-dir', work_dir])
    assert ITERS_SEEN == [0, 1]
    assert LRS_SEEN == pytest.approx([1e-5, 5.5e-5])
    assert osp.isfile(osp.join(work_dir, 'iter_1.pth')) and not osp.exists(osp.join(work_dir, 'iter_2.pth'))
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        assert f.read().strip().endswith('iter_1.pth')

    ITERS_SEEN.clear()
    LRS_SEEN.clear()
    train.main([cfg_file, '--work-dir', work_dir, '--resume',
                '--cfg-options', 'custom_hooks.0.kill_after=None'])
    assert ITERS_SEEN == [1]  # continues from the saved iteration (not from 0, not after the lost one)
    assert LRS_SEEN == pytest.approx([5.5e-5])  # with that iteration's learning rate (not the warm-up start)
    final = torch.load(osp.join(work_dir, 'iter_2.pth'), map_location='cpu', weights_only=True)
    assert final['meta']['iter'] == 2
    resumed = torch.load(osp.join(work_dir, 'iter_1.pth'), map_location='cpu', weights_only=True)
    assert final['optimizer']['state'][0]['step'] == 2  # AdamW's moments were resumed, not restarted
    changed = [k for k, v in final['state_dict'].items() if not torch.equal(v, resumed['state_dict'][k])]
    assert changed, 'the resumed iterations did not update the weights'

    test = _load_tool('test')
    metrics = test.main([cfg_file, osp.join(work_dir, 'iter_2.pth'), '--work-dir', work_dir])
    assert 0. <= metrics['ref_davis/J&F'] <= 100.
    assert {'ref_davis/J-Mean', 'ref_davis/F-Mean'} <= set(metrics)
