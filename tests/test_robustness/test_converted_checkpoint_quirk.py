# Copyright (c) mmrvos contributors. All rights reserved.
"""Issue 19, item 11: a checkpoint written by the SOC converter (its ``meta`` names the converter) is
tested on the official path (``model.test_cfg.official_layer0_quirk=True``) by tools/test.py, the
inferencer and init_model, unless the user says otherwise; other checkpoints are left alone."""
import pytest
from mmengine.hooks import Hook
from robust_ckpt_utils import save_weights, tiny_soc_model_cfg, write_tiny_soc_config

from mmrvos.apis import RVOSInferencer, init_model
from mmrvos.registry import HOOKS
from mmrvos.testing import load_script

SEEN_TEST_CFG = []


@HOOKS.register_module(force=True)
class _RecordTestCfgHook(Hook):
    """Record the model's ``test_cfg`` when the test loop starts."""

    def before_test(self, runner):
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        SEEN_TEST_CFG.append(dict(model.test_cfg))


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('quirk')
    cfg_file = write_tiny_soc_config(str(tmp), tiny_soc_model_cfg(str(tmp)),
                                     extra="custom_hooks = [dict(type='_RecordTestCfgHook')]")
    weights = init_model(cfg_file).state_dict()
    converted = save_weights(str(tmp / 'soc_converted.pth'), weights, weights_only_load=True,
                             converted_from='ytvos_swin_tiny.pth.tar',
                             converter='tools/model_converters/soc_to_mmrvos.py')
    trained = save_weights(str(tmp / 'iter_10.pth'), weights, epoch=0, iter=10)
    return dict(cfg=cfg_file, tmp=tmp, converted=converted, trained=trained)


def _quirk(model) -> bool:
    return bool(model.test_cfg.get('official_layer0_quirk', False))


def test_init_model_and_inferencer_follow_the_converter(files):
    assert _quirk(init_model(files['cfg'], files['converted']))
    assert not _quirk(init_model(files['cfg'], files['trained']))
    # an explicit choice wins
    assert not _quirk(init_model(files['cfg'], files['converted'], official_quirk=False))
    assert not _quirk(init_model(files['cfg'], files['converted'],
                                 cfg_options={'model.test_cfg.official_layer0_quirk': False}))
    assert _quirk(init_model(files['cfg'], files['trained'], official_quirk=True))
    inferencer = RVOSInferencer(files['cfg'], files['converted'], device='cpu', show_progress=False)
    assert _quirk(inferencer.model) and inferencer.model.test_cfg['query_selection'] == 'all'
    inferencer = RVOSInferencer(files['cfg'], files['converted'], device='cpu', show_progress=False,
                                official_quirk=False)
    assert not _quirk(inferencer.model)


def test_test_tool_follows_the_converter(files):
    test = load_script('tools/test.py')
    SEEN_TEST_CFG.clear()
    metrics = test.main([files['cfg'], files['converted'], '--work-dir', str(files['tmp'] / 'w_converted')])
    assert 'ref_davis/J&F' in metrics
    test.main([files['cfg'], files['converted'], '--work-dir', str(files['tmp'] / 'w_off'),
               '--no-official-quirk'])
    test.main([files['cfg'], files['trained'], '--work-dir', str(files['tmp'] / 'w_trained')])
    assert [cfg.get('official_layer0_quirk') for cfg in SEEN_TEST_CFG] == [True, False, False]
