# Copyright (c) mmrvos contributors. All rights reserved.
"""Shared inputs of the checkpoint / training robustness tests: the tiny SOC config on the fixtures, its
weights, and checkpoints that do not fit it."""
import importlib.util
import os.path as osp

import torch
import toy_runner  # noqa: F401  (registers the toy model and dataset of toy_train_config)

TESTS = osp.dirname(osp.dirname(osp.abspath(__file__)))
ROOT = osp.dirname(TESTS)


def _tool_config_module():
    path = osp.join(TESTS, 'test_tools', 'tiny_soc_tool_config.py')
    spec = importlib.util.spec_from_file_location('robust_ckpt_tiny_soc_tool_config', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_tiny_soc_config(tmp_dir: str, model: dict, **kwargs) -> str:
    """``tests/test_tools/tiny_soc_tool_config.write_tiny_soc_config``: train on the Ref-YouTube-VOS
    fixture, test on the Ref-DAVIS17 fixture."""
    return _tool_config_module().write_tiny_soc_config(tmp_dir, model, **kwargs)


def tiny_soc_model_cfg(tmp_dir: str) -> dict:
    from mmrvos.testing import build_tiny_text_encoder_cfg, tiny_soc_cfg
    return tiny_soc_cfg(build_tiny_text_encoder_cfg(osp.join(tmp_dir, 'tiny_roberta'), embed_dims=128))


def save_weights(path: str, state_dict: dict, **meta) -> str:
    """Save ``{'meta': meta, 'state_dict': state_dict}`` (what converters and publish scripts write)."""
    torch.save(dict(meta=meta, state_dict=state_dict), path)
    return path


def other_architecture_weights(path: str) -> str:
    """The weights of a small ``nn.Sequential`` (keys ``0.weight``...), nothing of SOC's."""
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    return save_weights(path, net.state_dict())


def random_bytes_file(path: str, size: int = 4096) -> str:
    """A file of random bytes named like a checkpoint."""
    with open(path, 'wb') as f:
        f.write(torch.randint(0, 256, (size, ), generator=torch.Generator().manual_seed(0),
                              dtype=torch.uint8).numpy().tobytes())
    return path


def toy_train_config(tmp_dir: str, extra: str = '') -> str:
    """The toy line fit of ``tests/toy_runner.py`` (50 samples), batch 5, one epoch; ``extra`` lines
    appended."""
    cfg = osp.join(tmp_dir, 'scale_toy.py')
    with open(cfg, 'w') as f:
        f.write(f"""
_base_ = [{osp.join(ROOT, 'configs/_base_/default_runtime.py')!r}]
model = dict(type='_ToyRegressor')
train_dataloader = dict(batch_size=5, num_workers=0, dataset=dict(type='_ToyLineDataset'),
                        sampler=dict(type='DefaultSampler', shuffle=False))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.3))
default_hooks = dict(checkpoint=dict(interval=100))
{extra}
""")
    return cfg
