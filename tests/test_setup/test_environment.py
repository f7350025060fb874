# Copyright (c) mmrvos contributors. All rights reserved.
"""The pinned OpenMMLab stack is installed as mmrvos needs it (issue: set-up on a fresh machine)."""
import importlib.util
import os
import subprocess
import sys
import time

import pytest
import torch
from mmengine.config import Config

pytestmark = pytest.mark.slow  # end to end (processes, training): `make test-fast` skips it

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_real_mmcv_with_compiled_ops():
    import mmcv
    import mmcv._ext  # noqa: F401  (mmcv-lite has no _ext)
    assert mmcv.__version__ == '2.1.0'
    # the compiled op library really exposes the deformable-attention kernels
    assert hasattr(mmcv._ext, 'ms_deform_attn_forward')


def test_no_torchvision_or_timm():
    # a CUDA torchvision wheel beside the CPU torch crashes mmengine's Runner at start
    assert importlib.util.find_spec('torchvision') is None
    assert importlib.util.find_spec('timm') is None


def test_version_pins():
    import mmaction
    import mmdet
    import mmengine

    import mmrvos
    assert mmengine.__version__ == '0.10.7'
    assert mmdet.__version__ == '3.3.0'
    assert mmaction.__version__ == '1.2.0'
    assert mmrvos.__version__


def test_mmdet_config_inheritance(tmp_path):
    # `mmdet::` inheritance resolves through pkg_resources, which setuptools >= 81 removed
    cfg_file = tmp_path / 'inherits_mmdet.py'
    cfg_file.write_text("_base_ = ['mmdet::_base_/default_runtime.py']\nwork_dir = 'x'\n")
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.default_scope == 'mmdet'
    assert cfg.default_hooks.checkpoint.type == 'CheckpointHook'
    assert cfg.work_dir == 'x'


def test_mmrvos_default_runtime():
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/_base_/default_runtime.py'))
    assert cfg.default_scope == 'mmrvos'
    assert cfg.custom_imports.imports == ['mmrvos']


def test_setup_is_idempotent_and_fast():
    """A second run of the set-up over a complete environment takes seconds (acceptance: < 1 minute)."""
    stamp = os.path.join(sys.prefix, '.mmrvos-setup-stamp')
    if not os.path.isfile(stamp):
        pytest.skip(f'{sys.prefix} was not created by tools/setup_env.sh')
    env = dict(os.environ, MMRVOS_VENV=sys.prefix)
    start = time.time()
    proc = subprocess.run(['bash', os.path.join(ROOT, 'tools/setup_env.sh')], env=env,
                          capture_output=True, text=True, timeout=300)
    elapsed = time.time() - start
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'up to date' in proc.stdout
    assert elapsed < 60, f'second set-up run took {elapsed:.1f} s'


@pytest.mark.parametrize('device', ['cpu'])
def test_torch_device(device):
    assert torch.zeros(1, device=device).sum().item() == 0
