# Copyright (c) mmrvos contributors. All rights reserved.
"""Workarounds for two packaging defects of the mmaction2 1.2.0 wheel.

1. The wheel lacks the package ``mmaction/models/localizers/drn`` (its folder had no ``__init__.py`` at
   the v1.2.0 tag, so ``find_packages`` skipped it; open-mmlab/mmaction2#2714). ``import mmaction.models``
   then fails with ``No module named 'mmaction.models.localizers.drn'``. We register an empty placeholder
   package with a ``DRN`` class that raises when used.
2. With ``transformers`` installed, ``mmaction.models`` imports its multimodal models (VindLU), which need
   ``timm`` and old ``transformers`` functions. We set ``mmaction.utils.dependency.WITH_MULTIMODAL = False``
   so mmaction registers its own placeholders instead.

Each workaround acts only when needed (a fixed mmaction wins), is idempotent, and logs once. Set the
environment variable ``MMRVOS_NO_COMPAT=1`` to turn both off.
"""
import importlib.util
import os
import os.path as osp
import sys
import types
from typing import List, Optional

DRN_MODULE = 'mmaction.models.localizers.drn'
_applied: List[str] = []


def _log_once(msg: str) -> None:
    from mmengine.logging import print_log
    print_log(f'[mmrvos.compat] {msg}', logger='current')


def mmaction_package_dir() -> Optional[str]:
    """Folder of the installed ``mmaction`` package, found without importing it (None if absent)."""
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def mmaction_lacks_drn(package_dir: Optional[str] = None) -> bool:
    """Whether the installed mmaction misses ``models/localizers/drn`` (the mmaction2 1.2.0 wheel defect).

    ``importlib.util.find_spec(DRN_MODULE)`` cannot answer this: it imports the parent package, which is
    exactly what fails. We look for the folder on disk instead.
    """
    package_dir = package_dir or mmaction_package_dir()
    if package_dir is None:
        return False
    return not osp.isfile(osp.join(package_dir, 'models', 'localizers', 'drn', '__init__.py'))


def _install_drn_placeholder() -> None:

    class DRN:  # noqa: D401  (placeholder only)
        """Placeholder for mmaction's DRN localizer, missing from the mmaction2 1.2.0 wheel."""

        def __init__(self, *args, **kwargs):
            raise ImportError('mmaction.models.localizers.drn is missing from the installed mmaction2 '
                              'wheel (open-mmlab/mmaction2#2714); mmrvos registered a placeholder.')

    package = types.ModuleType(DRN_MODULE)
    package.__path__ = []  # a package, so ``drn.drn`` resolves
    package.DRN = DRN
    module = types.ModuleType(f'{DRN_MODULE}.drn')
    module.DRN = DRN
    package.drn = module
    sys.modules.setdefault(DRN_MODULE, package)
    sys.modules.setdefault(f'{DRN_MODULE}.drn', module)


def apply_mmaction_compat() -> List[str]:
    """Apply the mmaction2 1.2.0 workarounds that the installed mmaction needs.

    Must run before anything imports ``mmaction.models``; ``import mmrvos`` calls it.

    Returns:
        list[str]: names of the workarounds applied by this call or an earlier one
        (``'drn_placeholder'``, ``'no_multimodal'``); empty when turned off or not needed.
    """
    if os.environ.get('MMRVOS_NO_COMPAT', '0') not in ('', '0'):
        return []
    package_dir = mmaction_package_dir()
    if package_dir is None:
        return []
    if 'drn_placeholder' not in _applied and mmaction_lacks_drn(package_dir) \
            and DRN_MODULE not in sys.modules:
        _install_drn_placeholder()
        _applied.append('drn_placeholder')
        _log_once(f'registered a placeholder for {DRN_MODULE}, missing from the installed mmaction2 '
                  'wheel (open-mmlab/mmaction2#2714)')
    if 'no_multimodal' not in _applied:
        import mmaction.utils.dependency as dependency
        if getattr(dependency, 'WITH_MULTIMODAL', False) and 'mmaction.models' not in sys.modules:
            dependency.WITH_MULTIMODAL = False
            _applied.append('no_multimodal')
            _log_once('set mmaction.utils.dependency.WITH_MULTIMODAL=False so mmaction does not import '
                      'its multimodal models (they need timm)')
    return list(_applied)
