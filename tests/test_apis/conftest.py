# Copyright (c) mmrvos contributors. All rights reserved.
import pytest

# pytest puts this folder on sys.path; importing the module registers RVOSModelDouble
from rvos_model_double import double_config, make_frames, write_folder, write_mp4


@pytest.fixture
def frames():
    return make_frames()


@pytest.fixture
def frame_folder(tmp_path, frames):
    return write_folder(tmp_path / 'clip', frames)


@pytest.fixture
def video_file(tmp_path, frames):
    return write_mp4(tmp_path / 'clip.mp4', frames)


@pytest.fixture
def double_cfg(tmp_path):
    return double_config(str(tmp_path))
