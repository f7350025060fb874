# Copyright (c) mmrvos contributors. All rights reserved.
"""The mmaction2 1.2.0 packaging workarounds act only where needed."""
import os
import subprocess
import sys

import pytest

from mmrvos.utils import compat


def test_detects_missing_drn_package(tmp_path):
    pkg = tmp_path / 'mmaction'
    (pkg / 'models' / 'localizers').mkdir(parents=True)
    assert compat.mmaction_lacks_drn(str(pkg))
    (pkg / 'models' / 'localizers' / 'drn').mkdir()
    (pkg / 'models' / 'localizers' / 'drn' / '__init__.py').write_text('')
    # a fixed mmaction (the folder is there) wins: no placeholder
    assert not compat.mmaction_lacks_drn(str(pkg))


def test_applied_once_and_idempotent():
    first = compat.apply_mmaction_compat()
    second = compat.apply_mmaction_compat()
    assert first == second
    # on the pinned mmaction2 1.2.0 wheel the drn package is missing, so the placeholder is in place
    assert compat.mmaction_lacks_drn()
    assert 'drn_placeholder' in first
    assert sys.modules[compat.DRN_MODULE].DRN is sys.modules[compat.DRN_MODULE + '.drn'].DRN
    import mmaction.utils.dependency as dependency
    assert dependency.WITH_MULTIMODAL is False


def test_placeholder_raises_when_used():
    compat.apply_mmaction_compat()
    with pytest.raises(ImportError, match='2714'):
        sys.modules[compat.DRN_MODULE].DRN()


def test_switch_off(monkeypatch):
    monkeypatch.setenv('MMRVOS_NO_COMPAT', '1')
    assert compat.apply_mmaction_compat() == []


def _run(code, **env):
    return subprocess.run([sys.executable, '-c', code], env=dict(os.environ, **env), capture_output=True,
                          text=True, timeout=300)


@pytest.mark.slow
def test_mmaction_models_import_needs_the_workaround():
    code = 'import mmrvos, mmaction.models; print(mmaction.models.SwinTransformer3D.__name__)'
    with_shim = _run(code)
    assert with_shim.returncode == 0, with_shim.stderr
    assert 'SwinTransformer3D' in with_shim.stdout
    without_shim = _run(code, MMRVOS_NO_COMPAT='1')
    assert without_shim.returncode != 0
    assert 'mmaction.models.localizers.drn' in without_shim.stderr
