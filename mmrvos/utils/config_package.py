# Copyright (c) mmrvos contributors. All rights reserved.
"""Let mmengine resolve ``mmrvos::`` config paths, e.g. ``_base_ = ['mmrvos::soc/<config>.py']``.

mmengine 0.10.7 resolves ``<package>::<path>`` only for the OpenMMLab packages it lists
(``mmengine.config.utils.MODULE2PACKAGE``), in ``<installed package>/.mim/configs`` (``setup.py`` links or
copies ``configs/`` there). It also locates the installed package from its distribution record, which for a
PEP 660 editable install (``pip install -e .``) is ``site-packages/mmrvos``, a folder that does not exist.
:func:`register_config_package` adds ``mmrvos`` to that list and makes the lookup return the folder of the
imported ``mmrvos`` package. ``import mmrvos`` runs it.
"""
import os.path as osp


def _mmrvos_package_dir() -> str:
    import mmrvos
    return osp.dirname(osp.abspath(mmrvos.__file__))


def register_config_package() -> None:
    """Register ``mmrvos`` with mmengine's config loader (idempotent)."""
    from mmengine.config import config as config_module
    from mmengine.config import utils as config_utils

    config_utils.MODULE2PACKAGE.setdefault('mmrvos', 'mmrvos')
    original = config_module.get_installed_path
    if getattr(original, 'mmrvos_aware', False):
        return

    def get_installed_path(package: str) -> str:
        if package == 'mmrvos':
            return _mmrvos_package_dir()
        return original(package)

    get_installed_path.mmrvos_aware = True
    config_module.get_installed_path = get_installed_path
