# Copyright (c) mmrvos contributors. All rights reserved.
"""Issue 19, item 10: a config inherits an mmrvos config as ``_base_ = ['mmrvos::soc/...']`` (mmengine's
package lookup, through the ``mmrvos/.mim`` links that ``pip install -e .`` makes with setup.py)."""
import os.path as osp
import subprocess
import sys

import mmrvos
from mmrvos.testing import get_repo_root

BASE = 'soc/soc_video-swin-t_8xb1-30e_ref-ytvos.py'


def _mim_links():
    """The links of an editable install (setup.py's add_mim_extension), made here if this checkout has
    none (a checkout that was never installed)."""
    mim_configs = osp.join(osp.dirname(mmrvos.__file__), '.mim', 'configs')
    if not osp.isdir(mim_configs):
        code = ('import sys; sys.argv = ["setup.py", "develop"]; sys.path.insert(0, "."); '
                'import setup; setup.add_mim_extension()')
        subprocess.run([sys.executable, '-c', code], cwd=get_repo_root(), check=True)
    assert osp.isfile(osp.join(mim_configs, BASE))


def test_config_inherits_with_the_mmrvos_prefix(tmp_path):
    _mim_links()
    cfg_file = tmp_path / 'my_soc.py'
    cfg_file.write_text(f"_base_ = ['mmrvos::{BASE}']\ntrain_cfg = dict(max_epochs=1)\n")
    code = ('import mmrvos\nfrom mmengine.config import Config\n'
            f'cfg = Config.fromfile({str(cfg_file)!r})\n'
            'print(cfg.model.type, cfg.train_cfg.max_epochs, cfg.default_scope)\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == 'SOC 1 mmrvos'
    # tools/train.py reads it before anything else imported mmrvos
    train_py = osp.join(get_repo_root(), 'tools', 'train.py')
    code = ('import importlib.util\n'
            f'spec = importlib.util.spec_from_file_location("train", {train_py!r})\n'
            'train = importlib.util.module_from_spec(spec); spec.loader.exec_module(train)\n'
            f'cfg = train.build_config(train.parse_args([{str(cfg_file)!r}]))\n'
            'print(cfg.model.type, cfg.train_cfg.max_epochs)\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == 'SOC 1'
