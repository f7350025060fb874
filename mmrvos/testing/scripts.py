# Copyright (c) mmrvos contributors. All rights reserved.
import importlib.util
import os.path as osp
from types import ModuleType


def get_repo_root() -> str:
    """Root of a source checkout (the folder holding ``tools/``), else ``mmrvos/.mim`` of an install."""
    import mmrvos
    pkg = osp.dirname(mmrvos.__file__)
    for root in (osp.dirname(pkg), osp.join(pkg, '.mim')):
        if osp.isdir(osp.join(root, 'tools')):
            return root
    raise FileNotFoundError(f'no mmrvos tools/ found next to {pkg}')


def load_script(relative_path: str) -> ModuleType:
    """Import a repository script (``tools/...``, ``demo/...``) as a module, e.g. to call its ``main``.

    Args:
        relative_path (str): Path of the script relative to the repository root, such as
            ``'tools/train.py'``.

    Returns:
        ModuleType: The executed module, registered under a name derived from the path.
    """
    path = osp.join(get_repo_root(), relative_path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'script {path} does not exist')
    name = 'mmrvos_script_' + osp.splitext(relative_path)[0].replace('/', '_').replace('\\', '_')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
