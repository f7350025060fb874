# Copyright (c) mmrvos contributors. All rights reserved.
import gc
import shutil
from pathlib import Path

import pytest
from dataset_test_utils import DATA


@pytest.fixture(scope='session', autouse=True)
def frozen_import_heap():
    """Move the objects of the imported libraries out of the garbage collector's reach.

    mmengine calls ``gc.collect()`` whenever a dataset serializes its items, which costs ~0.5 s with
    torch/mmdet imported; the tests build many tiny datasets.
    """
    import mmrvos.datasets  # noqa: F401
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.fixture
def data_copy(tmp_path):
    """Copy one fixture dataset into a temporary folder (to corrupt it)."""

    def _copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(DATA / name, target)
        return target

    return _copy
