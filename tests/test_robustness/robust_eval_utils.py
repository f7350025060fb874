# Copyright (c) mmrvos contributors. All rights reserved.
"""Helpers of the evaluation-run robustness tests: a copy of a fixture dataset to break, the tiny SOC
config of the tools tests testing on it, and an (untrained) checkpoint of that model."""
import glob
import os.path as osp
import shutil
from pathlib import Path

import torch

from mmrvos.testing import build_tiny_text_encoder_cfg, load_script, tiny_soc_cfg

DATA = Path(__file__).resolve().parents[1] / 'data'

# The Ref-YouTube-VOS fixture's train split (with masks) as a test set: ytvid_a (10 frames, expressions
# 0, 1, 2), then ytvid_b (3 frames, expression 0), scored by the Ref-YouTube-VOS metric.
TEST_SET = """
test_dataloader = dict(
    _delete_=True, batch_size=1, num_workers={num_workers}, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='RefYouTubeVOSDataset', data_root={root!r},
                 ann_file='meta_expressions/train/meta_expressions.json', meta_file='train/meta.json',
                 data_prefix=dict(img='train/JPEGImages', ann='train/Annotations'), test_mode=True,
                 pipeline=test_pipeline))
test_evaluator = dict(type='RefYouTubeVOSMetric', outfile_prefix='{{work_dir}}/predictions',
                      format_only=False, zip_name=None)
test_cfg = dict(type='RVOSTestLoop', on_broken_video={mode!r})
"""
ALL_ITEMS = [('ytvid_a', '0'), ('ytvid_a', '1'), ('ytvid_a', '2'), ('ytvid_b', '0')]


def copy_fixture(tmp_path: Path, name: str) -> Path:
    """A copy of ``tests/data/<name>`` under ``tmp_path`` (to break it)."""
    target = tmp_path / name
    shutil.copytree(DATA / name, target)
    return target


def tiny_soc_model(tmp_dir: Path) -> dict:
    """The tiny SOC config of ``mmrvos.testing`` with a tiny tokenizer written to ``tmp_dir``."""
    return tiny_soc_cfg(build_tiny_text_encoder_cfg(str(tmp_dir / 'tiny_roberta'), embed_dims=128))


def write_test_run(tmp_path: Path, model: dict, data_root: Path, mode: str = 'stop',
                   num_workers: int = 0) -> tuple:
    """Write the test config (``RVOSTestLoop``) and an untrained checkpoint; returns their paths."""
    from mmrvos.registry import MODELS
    tool_cfg = load_script('tests/test_tools/tiny_soc_tool_config.py')
    extra = TEST_SET.format(num_workers=num_workers, root=str(data_root), mode=mode)
    cfg_file = tool_cfg.write_tiny_soc_config(str(tmp_path), model, extra=extra)
    ckpt = tmp_path / 'untrained.pth'
    torch.manual_seed(0)
    torch.save(dict(state_dict=MODELS.build(model).state_dict(), meta=dict()), ckpt)
    return cfg_file, str(ckpt)


def run_test_tool(*argv: str) -> dict:
    """``tools/test.py`` with ``argv``; returns its metrics."""
    return load_script('tools/test.py').main([str(a) for a in argv])


def read_log(work_dir: Path) -> str:
    """The text log of the (only) run in ``work_dir``."""
    logs = glob.glob(osp.join(str(work_dir), '*', '*.log'))
    assert len(logs) == 1, logs
    return Path(logs[0]).read_text()
