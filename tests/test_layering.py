# Copyright (c) mmrvos contributors. All rights reserved.
"""Imports inside ``mmrvos/`` flow one way: utils <- datasets, models, evaluation, visualization <- apis.

The checker reads every module's imports with ``ast`` (absolute ``mmrvos.x`` imports, relative ``from ..x``
imports resolved to their package, imports inside functions included) and applies the rules below:

* every direct child of ``mmrvos/`` has a layer (``LAYERS``); a module imports mmrvos modules of its own
  layer or lower ones only. ``registry.py``, ``version.py``, ``utils/`` and the package root are the bottom,
  ``apis/`` the top of the library; ``testing/`` (tiny models and tokenizers for the tests and the built-in
  benchmark) sits above everything, so it may import any of mmrvos and nothing in the library imports it
  (tests, tools and configs may).
* ``FORBIDDEN``: datasets never import models; ``evaluation/functional`` is pure numpy and imports no
  mmengine (nor mmcv, mmdet or mmaction, which import it).
* ``ALLOWED``: the one exception, ``utils.setup_env.register_all_modules``, imports the packages that
  register modules when it is called (as ``mmdet.utils.register_all_modules`` does); never ``apis``.
"""
import ast
import textwrap
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / 'mmrvos'

LAYERS: Dict[str, int] = {
    '': 0, 'registry': 0, 'version': 0, 'utils': 0,
    'datasets': 1, 'models': 1, 'evaluation': 1, 'visualization': 1,
    'apis': 2,
    'testing': 3,
}
FORBIDDEN: List[Tuple[str, Tuple[str, ...], str]] = [
    ('mmrvos.datasets', ('mmrvos.models', ), 'datasets never import models'),
    ('mmrvos.evaluation.functional', ('mmengine', 'mmcv', 'mmdet', 'mmaction'),
     'evaluation/functional is pure numpy: no mmengine, nor the packages built on it'),
]
ALLOWED: Dict[Tuple[str, str], Tuple[str, ...]] = {
    ('mmrvos.utils.setup_env', 'register_all_modules'):
    ('mmrvos.datasets', 'mmrvos.evaluation', 'mmrvos.models', 'mmrvos.visualization'),
}


class Violation(NamedTuple):
    path: str  # relative to the folder that holds the package
    lineno: int
    importer: str
    imported: str
    reason: str

    def __str__(self) -> str:
        return f'{self.path}:{self.lineno}: {self.importer} imports {self.imported} ({self.reason})'


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + '.')


def _child(name: str) -> str:
    """The direct child of the package that ``name`` (``mmrvos...``) lies in; '' for the root itself."""
    parts = name.split('.')
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else ''


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[Tuple[int, str, Optional[str]]]:
    """Yield ``(line, imported module name, enclosing top-level function or None)`` for every import.

    ``from a import b`` yields ``a.b`` (``b`` may be a submodule); relative imports are resolved against
    ``module``; a relative import that climbs above the package raises ValueError.
    """
    package = module.split('.') if is_package else module.split('.')[:-1]

    def visit(node: ast.AST, function: Optional[str]) -> Iterator[Tuple[int, str, Optional[str]]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield child.lineno, alias.name, function
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ''
                if child.level:
                    if child.level - 1 >= len(package):
                        raise ValueError(f'{module}:{child.lineno}: relative import climbs above the package')
                    base = '.'.join(package[:len(package) - child.level + 1] + ([base] if base else []))
                for alias in child.names:
                    yield child.lineno, base if alias.name == '*' else f'{base}.{alias.name}', function
            else:
                inner = function
                if function is None and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    inner = child.name
                yield from visit(child, inner)

    yield from visit(tree, None)


def check_layering(package_dir: Path) -> List[Violation]:
    """All imports of the package at ``package_dir`` that break the rules above, in file and line order."""
    root = package_dir.parent
    violations = []
    for entry in sorted(package_dir.iterdir()):
        name = entry.stem if entry.suffix == '.py' else entry.name
        is_module = entry.suffix == '.py' or (entry.is_dir() and any(entry.rglob('*.py')))
        if is_module and name != '__init__' and name not in LAYERS:
            violations.append(Violation(str(entry.relative_to(root)), 0, f'{package_dir.name}.{name}', '-',
                                        'no layer assigned in tests/test_layering.py LAYERS'))
    for path in sorted(package_dir.rglob('*.py')):
        rel = path.relative_to(root)
        is_package = path.name == '__init__.py'
        module = '.'.join(rel.parent.parts if is_package else rel.with_suffix('').parts)
        layer = LAYERS[_child(module)]
        tree = ast.parse(path.read_text(), str(path))
        for lineno, imported, function in _imports(tree, module, is_package):
            reason = None
            if _under(imported, package_dir.name):
                imported_layer = LAYERS[_child(imported)]
                allowed = ALLOWED.get((module, function), ())
                exempt = any(_under(imported, a) for a in allowed)
                if imported_layer > layer and not exempt:
                    reason = f'layer {layer} imports layer {imported_layer}'
            for importer_prefix, forbidden, why in FORBIDDEN:
                if _under(module, importer_prefix) and any(_under(imported, f) for f in forbidden):
                    reason = why
            if reason:
                violations.append(Violation(str(rel), lineno, module, imported, reason))
    return violations


def test_mmrvos_imports_flow_one_way():
    violations = check_layering(PACKAGE_DIR)
    assert not violations, 'imports against the layering:\n' + '\n'.join(map(str, violations))


def _write(root: Path, rel: str, source: str = '') -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))


def test_checker_reports_each_upward_import_with_file_and_line(tmp_path):
    for package in ('', 'utils/', 'datasets/', 'models/', 'evaluation/', 'evaluation/functional/', 'apis/',
                    'testing/'):
        _write(tmp_path, f'mmrvos/{package}__init__.py')
    _write(tmp_path, 'mmrvos/registry.py', 'from mmengine.registry import Registry\n')
    _write(tmp_path, 'mmrvos/utils/setup_env.py', '''\
        import mmengine


        def register_all_modules():
            import mmrvos.datasets
            import mmrvos.apis


        def other():
            import mmrvos.models
        ''')
    _write(tmp_path, 'mmrvos/utils/misc.py', 'from mmrvos.apis.writers import davis_palette\n')
    _write(tmp_path, 'mmrvos/datasets/loading.py', '''\
        from ..utils import misc
        from mmrvos.evaluation.functional import read


        def load():
            from ..models.heads import head
        ''')
    _write(tmp_path, 'mmrvos/evaluation/functional/read.py', '''\
        import numpy as np
        from mmengine.fileio import get
        ''')
    _write(tmp_path, 'mmrvos/evaluation/metric.py',
           'from mmengine.evaluator import BaseMetric\nfrom . import functional\n')
    _write(tmp_path, 'mmrvos/apis/infer.py', 'from mmrvos import datasets, testing\nimport mmrvos\n')
    _write(tmp_path, 'mmrvos/testing/cfg.py', 'from mmrvos.apis import infer\n')
    _write(tmp_path, 'mmrvos/engine/__init__.py', '')

    found = {(v.path, v.lineno, v.imported) for v in check_layering(tmp_path / 'mmrvos')}
    assert found == {
        ('mmrvos/engine', 0, '-'),  # a subpackage without a layer
        ('mmrvos/utils/setup_env.py', 6, 'mmrvos.apis'),  # register_all_modules may not import apis
        ('mmrvos/utils/setup_env.py', 10, 'mmrvos.models'),  # only register_all_modules is exempt
        ('mmrvos/utils/misc.py', 1, 'mmrvos.apis.writers.davis_palette'),
        ('mmrvos/datasets/loading.py', 6, 'mmrvos.models.heads.head'),  # relative, inside a function
        ('mmrvos/evaluation/functional/read.py', 2, 'mmengine.fileio.get'),
        ('mmrvos/apis/infer.py', 1, 'mmrvos.testing'),
    }
    messages = [str(v) for v in check_layering(tmp_path / 'mmrvos')]
    assert 'mmrvos/datasets/loading.py:6: mmrvos.datasets.loading imports mmrvos.models.heads.head ' \
        '(datasets never import models)' in messages
    assert 'mmrvos/utils/misc.py:1: mmrvos.utils.misc imports mmrvos.apis.writers.davis_palette ' \
        '(layer 0 imports layer 2)' in messages


def test_relative_import_above_the_package_is_an_error(tmp_path):
    _write(tmp_path, 'mmrvos/__init__.py')
    _write(tmp_path, 'mmrvos/utils/__init__.py', 'from ... import x\n')
    with pytest.raises(ValueError, match='mmrvos.utils:1: relative import climbs above the package'):
        check_layering(tmp_path / 'mmrvos')
