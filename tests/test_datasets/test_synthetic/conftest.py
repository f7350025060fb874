# Copyright (c) mmrvos contributors. All rights reserved.
import pytest

from mmrvos.datasets.synthetic import SyntheticRVOSConfig, generate_dataset

#: Small videos so that the whole folder runs in seconds.
SMALL = dict(num_frames=(10, 14), num_objects=(3, 5))


@pytest.fixture(scope='session')
def small_cfg() -> SyntheticRVOSConfig:
    return SyntheticRVOSConfig(**SMALL)


@pytest.fixture(scope='session')
def synthetic_root(tmp_path_factory, small_cfg) -> str:
    """A generated benchmark with 8 train and 4 valid videos."""
    root = str(tmp_path_factory.mktemp('synthetic_rvos'))
    generate_dataset(root, num_train=8, num_valid=4, seed=3, cfg=small_cfg)
    return root
