# Copyright (c) mmrvos contributors. All rights reserved.
"""Issue 19, item 9: ``tools/train.py --auto-scale-lr`` scales the learning rate by the real batch size
over ``auto_scale_lr.base_batch_size``, and names the config (one line) when it lacks the base size."""
import pytest
from mmengine.hooks import Hook
from robust_ckpt_utils import toy_train_config

from mmrvos.registry import HOOKS
from mmrvos.testing import load_script

LRS_SEEN = []


@HOOKS.register_module(force=True)
class _RecordLrHook(Hook):

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        LRS_SEEN.append(runner.optim_wrapper.get_lr()['lr'][0])


def test_auto_scale_lr_needs_base_batch_size(tmp_path):
    cfg = toy_train_config(str(tmp_path))
    with pytest.raises(SystemExit) as excinfo:
        load_script('tools/train.py').main([cfg, '--work-dir', str(tmp_path / 'w'), '--auto-scale-lr'])
    message = str(excinfo.value.code)
    assert message.startswith('error:') and cfg in message and 'base_batch_size' in message
    assert '\n' not in message


def test_auto_scale_lr_scales_by_the_real_batch_size(tmp_path):
    # one process x batch 5 against a base of 10: half the config's learning rate
    cfg = toy_train_config(str(tmp_path), "auto_scale_lr = dict(enable=False, base_batch_size=10)\n"
                                          "custom_hooks = [dict(type='_RecordLrHook')]")
    train = load_script('tools/train.py')
    LRS_SEEN.clear()
    train.main([cfg, '--work-dir', str(tmp_path / 'w'), '--auto-scale-lr'])
    assert LRS_SEEN == pytest.approx([0.15] * 10)  # 50 samples, batch 5
    LRS_SEEN.clear()
    train.main([cfg, '--work-dir', str(tmp_path / 'w2')])  # without the flag: as configured
    assert LRS_SEEN == pytest.approx([0.3] * 10)
