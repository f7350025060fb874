# Copyright (c) mmrvos contributors. All rights reserved.
"""Issue 19, item 9: ``tools/train.py --auto-scale-lr`` scales the learning rate by the real batch size
over ``auto_scale_lr.base_batch_size``, and names the config (one line) when it lacks the base size."""
import os.path as osp

import pytest
import torch
from mmengine.dataset import BaseDataset
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from robust_ckpt_utils import ROOT

from mmrvos.registry import DATASETS, HOOKS, MODELS
from mmrvos.testing import load_script

LRS_SEEN = []


@MODELS.register_module(force=True)
class _ScaleToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        pred = self.linear(torch.stack(inputs)[:, None])[:, 0]
        return dict(loss=((pred - torch.stack(data_samples)) ** 2).mean())


@DATASETS.register_module(force=True)
class _ScaleToyDataset(BaseDataset):

    def __init__(self, **kwargs):
        super().__init__(serialize_data=False, **kwargs)

    def load_data_list(self):
        return [dict(inputs=torch.tensor(i / 10), data_samples=torch.tensor(i / 5)) for i in range(10)]

    def prepare_data(self, idx):
        info = self.get_data_info(idx)
        return dict(inputs=info['inputs'], data_samples=info['data_samples'])


@HOOKS.register_module(force=True)
class _RecordLrHook(Hook):

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        LRS_SEEN.append(runner.optim_wrapper.get_lr()['lr'][0])


def _config(tmp_path, extra: str = '') -> str:
    cfg = tmp_path / 'scale_toy.py'
    cfg.write_text(f"""
_base_ = [{osp.join(ROOT, 'configs/_base_/default_runtime.py')!r}]
model = dict(type='_ScaleToyModel')
train_dataloader = dict(batch_size=5, num_workers=0, dataset=dict(type='_ScaleToyDataset'),
                        sampler=dict(type='DefaultSampler', shuffle=False))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.3))
custom_hooks = [dict(type='_RecordLrHook')]
default_hooks = dict(checkpoint=dict(interval=100))
{extra}
""")
    return str(cfg)


def test_auto_scale_lr_needs_base_batch_size(tmp_path):
    cfg = _config(tmp_path)
    with pytest.raises(SystemExit) as excinfo:
        load_script('tools/train.py').main([cfg, '--work-dir', str(tmp_path / 'w'), '--auto-scale-lr'])
    message = str(excinfo.value.code)
    assert message.startswith('error:') and cfg in message and 'base_batch_size' in message
    assert '\n' not in message


def test_auto_scale_lr_scales_by_the_real_batch_size(tmp_path):
    # one process x batch 5 against a base of 10: half the config's learning rate
    cfg = _config(tmp_path, 'auto_scale_lr = dict(enable=False, base_batch_size=10)')
    train = load_script('tools/train.py')
    LRS_SEEN.clear()
    train.main([cfg, '--work-dir', str(tmp_path / 'w'), '--auto-scale-lr'])
    assert LRS_SEEN == pytest.approx([0.15, 0.15])
    LRS_SEEN.clear()
    train.main([cfg, '--work-dir', str(tmp_path / 'w2')])  # without the flag: as configured
    assert LRS_SEEN == pytest.approx([0.3, 0.3])
