# Copyright (c) mmrvos contributors. All rights reserved.
"""tools/train.py and tools/test.py parse mmdet's arguments and drive an mmengine Runner from a config."""
import os
import os.path as osp
import pickle

import pytest
import torch
import toy_runner  # noqa: F401  (registers _ToyRegressor, _ToyLineDataset, _ToyMSEMetric)

from mmrvos.testing import load_script

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load_tool(name):
    return load_script(f'tools/{name}.py')


def _write_config(tmp_path):
    base = osp.join(ROOT, 'configs/_base_/default_runtime.py')
    cfg = tmp_path / 'toy_config.py'
    cfg.write_text(f"""
_base_ = [{base!r}]
model = dict(type='_ToyRegressor')
_loader = dict(batch_size=5, num_workers=0, dataset=dict(type='_ToyLineDataset'),
               sampler=dict(type='DefaultSampler', shuffle=False))
train_dataloader = dict(_loader, sampler=dict(type='DefaultSampler', shuffle=True))
test_dataloader = _loader
test_evaluator = dict(type='_ToyMSEMetric')
# epoch-based: mmengine's infinite (iter-based) loader sleeps 2 s at every epoch end
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_interval=10000)
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.3))
default_hooks = dict(checkpoint=dict(interval=20), logger=dict(interval=100))
auto_scale_lr = dict(enable=False, base_batch_size=5)
""")
    return str(cfg)


def test_argument_parsing():
    train = _load_tool('train')
    args = train.parse_args(['c.py', '--work-dir', 'w', '--amp', '--auto-scale-lr', '--resume',
                             '--cfg-options', 'a.b=1', '--launcher', 'none'])
    assert (args.work_dir, args.amp, args.auto_scale_lr, args.resume, args.cfg_options) == \
        ('w', True, True, 'auto', {'a.b': 1})
    test = _load_tool('test')
    args = test.parse_args(['c.py', 'ckpt.pth', '--out', 'r.pkl', '--show-dir', 'vis'])
    assert (args.checkpoint, args.out, args.show_dir, args.precision) == ('ckpt.pth', 'r.pkl', 'vis', None)
    assert test.parse_args(['c.py', 'ckpt.pth', '--precision', 'bf16']).precision == 'bf16'
    with pytest.raises(SystemExit):
        test.parse_args(['c.py', 'ckpt.pth', '--precision', 'fp16'])


def test_train_then_test_a_toy_config(tmp_path):
    cfg_file = _write_config(tmp_path)
    work_dir = str(tmp_path / 'work')
    train = _load_tool('train')
    cfg = train.build_config(train.parse_args([cfg_file, '--work-dir', work_dir, '--auto-scale-lr']))
    assert cfg.auto_scale_lr.enable and cfg.work_dir == work_dir and cfg.default_scope == 'mmrvos'
    train.main([cfg_file, '--work-dir', work_dir, '--cfg-options', 'randomness.seed=0'])
    ckpt = osp.join(work_dir, 'epoch_20.pth')
    assert osp.isfile(ckpt)

    test = _load_tool('test')
    out = str(tmp_path / 'preds.pkl')
    test.main([cfg_file, ckpt, '--work-dir', work_dir, '--out', out])
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 50
    # the trained line is close to y = 2x + 1: the Runner really optimised and the checkpoint was loaded
    mse = sum(float((p['pred'] - p['gt']) ** 2) for p in preds) / len(preds)
    assert mse < 1e-3, mse
    # --precision bf16: the test loop runs under bfloat16 autocast (the Linear's output is bfloat16)
    out_bf16 = str(tmp_path / 'preds_bf16.pkl')
    test.main([cfg_file, ckpt, '--work-dir', work_dir, '--out', out_bf16, '--precision', 'bf16'])
    with open(out_bf16, 'rb') as f:
        preds_bf16 = pickle.load(f)
    assert all(p['pred'].dtype == torch.bfloat16 for p in preds_bf16)
    assert all(p['pred'].dtype == torch.float32 for p in preds)
    assert max(abs(float(a['pred']) - float(b['pred'])) for a, b in zip(preds, preds_bf16)) < 0.05
    assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD' not in os.environ  # checkpoints load with weights_only=True
