# Copyright (c) mmrvos contributors. All rights reserved.
"""mmrvos.datasets.synthetic.config: the checks of SyntheticRVOSConfig."""
import pytest

from mmrvos.datasets.synthetic import SyntheticRVOSConfig


def test_config_errors():
    for bad in (dict(num_frames=(4, 10)), dict(num_frames=(20, 10)), dict(num_objects=(2, 4)),
                dict(num_twin_pairs=(0, 1)), dict(height=20)):
        with pytest.raises(ValueError):
            SyntheticRVOSConfig(**bad)
