# Copyright (c) mmrvos contributors. All rights reserved.
import os

os.environ.setdefault('HF_HUB_OFFLINE', '1')
os.environ.setdefault('TRANSFORMERS_OFFLINE', '1')

import pytest  # noqa: E402


@pytest.fixture(scope='session', autouse=True)
def mmrvos_scope():
    """Register every module and make ``mmrvos`` the default scope for the whole session."""
    from mmrvos.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    yield


@pytest.fixture(autouse=True)
def one_torch_thread():
    """One intra-op thread per test: the tiny models and tensors of the suite gain nothing from more, and
    on a busy 2-core CI machine OpenMP spinning made them 5-20x slower."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
