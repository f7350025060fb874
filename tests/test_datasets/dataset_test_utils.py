# Copyright (c) mmrvos contributors. All rights reserved.
"""Helpers of the dataset tests: fixture paths, small pipelines, pixel probes."""
import atexit
import shutil
import tempfile
from pathlib import Path

import numpy as np

from mmrvos.testing import load_script

REPO = Path(__file__).resolve().parents[2]
FIXTURE_NAMES = ('ref_youtube_vos', 'ref_davis', 'a2d_sentences', 'jhmdb_sentences', 'refcoco', 'mevis')


def load_tool(relative_path: str):
    """Import a script of the repository's ``tools/`` folder."""
    return load_script(relative_path)


def _fixture_root() -> Path:
    """``tests/data`` when the fixtures are in the checkout, else a copy written once per test process."""
    committed = REPO / 'tests' / 'data'
    if all((committed / name).is_dir() for name in FIXTURE_NAMES):
        return committed
    out = Path(tempfile.mkdtemp(prefix='mmrvos_fixtures_'))
    atexit.register(shutil.rmtree, out, True)
    load_tool('tools/misc/make_test_fixtures.py').make_all(str(out))
    return out


DATA = _fixture_root()
SMALL_SCALE = (96, 64)  # (w, h) bound: 32x48 fixture frames become 64x96


def train_pipeline(flip_prob: float = 0.0, num_frames=None, sampling='given', scale=SMALL_SCALE):
    return [
        dict(type='RVOSClipSample', num_frames=num_frames, sampling=sampling),
        dict(
            type='TransformBroadcaster',
            share_random_params=True,
            transforms=[
                dict(type='LoadRVOSFrame'),
                dict(type='LoadRVOSAnnotations'),
                dict(type='TextAwareRandomFlip', prob=flip_prob),
                dict(type='Resize', scale=scale, keep_ratio=True),
            ]),
        dict(type='PackRVOSInputs', video_meta_keys=('dataset_name', )),
    ]


def eval_pipeline(scale=SMALL_SCALE):
    return [
        dict(type='RVOSClipSample'),
        dict(
            type='TransformBroadcaster',
            transforms=[
                dict(type='LoadRVOSFrame'),
                dict(type='Resize', scale=scale, keep_ratio=True),
                dict(type='LoadRVOSAnnotations'),
            ]),
        dict(type='PackRVOSInputs'),
    ]


def grey_levels(inputs) -> list:
    """Grey level of the centre of each frame of ``inputs`` ``(T, 3, H, W)`` (encodes the frame index)."""
    _, _, h, w = inputs.shape
    return [
        int(np.median(frame[:, h // 2 - 2:h // 2 + 2, w // 2 - 2:w // 2 + 2].numpy())) for frame in inputs
    ]


def bar_side(frame) -> str:
    """Side of the white bar written on the left of every fixture frame (``frame`` ``(3, H, W)``)."""
    left, right = frame[:, :, :2].float().mean(), frame[:, :, -2:].float().mean()
    return 'left' if left > right else 'right'


def fixture_value(index: int) -> int:
    """Grey level of fixture frame ``index`` (tools/misc/make_test_fixtures.py)."""
    return 30 + 20 * (index % 10)
