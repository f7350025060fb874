# Copyright (c) mmrvos contributors. All rights reserved.
"""Issue 19, items 1-2 and weights_only: a checkpoint that does not fit the model, a file that is not a
checkpoint, and a resume from another architecture each stop with one line naming the file; a partial
load is allowed only when asked for; files are read with ``torch.load(weights_only=True)``."""
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image
from robust_ckpt_utils import (
    other_architecture_weights,
    random_bytes_file,
    save_weights,
    tiny_soc_model_cfg,
    write_tiny_soc_config,
)

from mmrvos.apis import RVOSInferencer, init_model
from mmrvos.testing import load_script
from mmrvos.utils.checkpoint import CheckpointError


class _Payload:
    """An arbitrary pickled object: ``torch.load(weights_only=True)`` must refuse to build it."""

    def __init__(self):
        self.note = 'not a tensor'


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('ckpt_loading')
    cfg_file = write_tiny_soc_config(str(tmp), tiny_soc_model_cfg(str(tmp)), max_iters=1,
                                     checkpoint_interval=1)
    model = init_model(cfg_file)
    weights = model.state_dict()
    backbone = {k: v for k, v in weights.items() if k.startswith('backbone.')}
    assert 0 < len(backbone) < len(weights)
    torch.save(dict(state_dict=weights, payload=_Payload()), str(tmp / 'pickled_object.pth'))
    return dict(
        cfg=cfg_file, tmp=tmp, good=save_weights(str(tmp / 'good.pth'), weights),
        backbone=save_weights(str(tmp / 'backbone_only.pth'), backbone),
        other=other_architecture_weights(str(tmp / 'other_arch.pth')),
        other_trained=save_weights(str(tmp / 'other_arch_iter_1.pth'), torch.load(
            str(tmp / 'other_arch.pth'))['state_dict'], epoch=0, iter=1),
        garbage=random_bytes_file(str(tmp / 'random_bytes.pth')), pickled=str(tmp / 'pickled_object.pth'))


def _exit_message(excinfo) -> str:
    code = excinfo.value.code
    assert isinstance(code, str), f'expected an error line, got exit code {code!r}'
    assert '\n' not in code.strip(), code
    return code


@pytest.mark.parametrize('bad, expected', [
    ('other', ['does not fit', '0 of its', 'unexpected [0.bias, 0.weight, 2.bias, 2.weight]', 'missing',
               'backbone.']),
    ('garbage', ['is not a PyTorch checkpoint']),
], ids=['another_architecture', 'random_bytes'])
def test_test_tool_stops_with_one_line(files, bad, expected):
    with pytest.raises(SystemExit) as excinfo:
        load_script('tools/test.py').main([files['cfg'], files[bad], '--work-dir', str(files['tmp'] / bad)])
    message = _exit_message(excinfo)
    assert message.startswith('error: ') and files[bad] in message
    for part in expected:
        assert part in message, message
    assert not (files['tmp'] / bad).exists() or not list((files['tmp'] / bad).rglob('*.json'))


def test_init_model_and_inferencer_refuse_what_does_not_fit(files):
    for bad, expected in ((files['other'], 'does not fit'), (files['garbage'], 'is not a PyTorch checkpoint'),
                          (files['pickled'], 'holds pickled Python objects')):
        with pytest.raises(CheckpointError, match=expected) as excinfo:
            init_model(files['cfg'], bad)
        assert bad in str(excinfo.value)
        with pytest.raises(CheckpointError, match=expected):
            RVOSInferencer(files['cfg'], bad, device='cpu', show_progress=False)


def test_partial_checkpoint_needs_no_strict(files):
    with pytest.raises(CheckpointError, match='--no-strict') as excinfo:
        init_model(files['cfg'], files['backbone'])
    assert 'missing' in str(excinfo.value) and 'head.' in str(excinfo.value)
    model = init_model(files['cfg'], files['backbone'], strict=False)
    saved = torch.load(files['backbone'])['state_dict']
    for key, value in saved.items():
        torch.testing.assert_close(model.state_dict()[key], value)
    # matching nothing is an error even when a partial load is allowed
    with pytest.raises(CheckpointError, match='0 of its'):
        init_model(files['cfg'], files['other'], strict=False)
    assert init_model(files['cfg'], files['good']) is not None


def test_demo_one_line_for_bad_checkpoints(files, tmp_path, capsys):
    frames = tmp_path / 'frames'
    frames.mkdir()
    for i in range(2):
        Image.fromarray(np.full((32, 48, 3), 40 * i, np.uint8)).save(frames / f'{i:05d}.jpg')
    demo = load_script('demo/video_demo.py')
    for bad, expected in ((files['other'], 'does not fit'),
                          (files['garbage'], 'is not a PyTorch checkpoint')):
        rc = demo.main([str(frames), files['cfg'], bad, '--texts', 'a thing', '--out-dir',
                        str(tmp_path / 'out'), '--device', 'cpu', '--no-progress'])
        err = capsys.readouterr().err
        assert rc == 2, err
        assert bad in err and expected in err
    assert not (tmp_path / 'out').exists() or not any((tmp_path / 'out').iterdir())


@pytest.mark.slow
def test_training_load_from_and_resume_from_another_architecture(files):
    train = load_script('tools/train.py')
    base = [files['cfg'], '--work-dir', str(files['tmp'] / 'train')]
    with pytest.raises(SystemExit) as excinfo:
        train.main(base + ['--cfg-options', f'load_from={files["other"]}'])
    assert files['other'] in _exit_message(excinfo) and 'does not fit' in _exit_message(excinfo)
    # weights without a training state (converted, published) cannot be resumed
    with pytest.raises(SystemExit) as excinfo:
        train.main(base + ['--resume', files['other']])
    assert files['other'] in _exit_message(excinfo) and 'cannot be resumed' in _exit_message(excinfo)
    # a training checkpoint of another model: its keys are listed, not KeyError 'epoch'
    with pytest.raises(SystemExit) as excinfo:
        train.main(base + ['--resume', files['other_trained']])
    assert files['other_trained'] in _exit_message(excinfo) and 'does not fit' in _exit_message(excinfo)
    # a partial start (backbone only) is allowed when asked for
    with pytest.raises(SystemExit) as excinfo:
        train.main(base + ['--cfg-options', f'load_from={files["backbone"]}'])
    assert '--no-strict' in _exit_message(excinfo)
    train.main(base + ['--no-strict', '--cfg-options', f'load_from={files["backbone"]}'])
    assert osp.isfile(str(files['tmp'] / 'train' / 'iter_1.pth'))


def test_saved_checkpoints_load_with_weights_only(files):
    """tools/train.py writes checkpoints that torch.load(weights_only=True) reads (mmdet's and mmengine's
    own tools load them without TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD)."""
    work_dir = files['tmp'] / 'train_plain'
    load_script('tools/train.py').main([files['cfg'], '--work-dir', str(work_dir)])
    checkpoint = torch.load(str(work_dir / 'iter_1.pth'), map_location='cpu', weights_only=True)
    assert checkpoint['meta']['iter'] == 1 and 'message_hub' in checkpoint and 'optimizer' in checkpoint
    assert torch.serialization.get_unsafe_globals_in_checkpoint(str(work_dir / 'iter_1.pth')) == []


def test_lbdt_checkpoint_given_to_a_soc_config(files, tmp_path):
    """Issue 14: an LBDT checkpoint given to a SOC config stops with the file and the keys that do not fit."""
    from mmrvos.registry import MODELS
    from mmrvos.testing import tiny_lbdt_cfg, write_tiny_glove
    lbdt = MODELS.build(tiny_lbdt_cfg(write_tiny_glove(str(tmp_path / 'glove.txt'), dim=16)))
    path = str(tmp_path / 'lbdt.pth')
    torch.save(dict(meta=dict(), state_dict=lbdt.state_dict()), path)
    with pytest.raises(CheckpointError, match='does not fit') as excinfo:
        init_model(files['cfg'], path)
    message = str(excinfo.value)
    assert path in message and 'unexpected' in message and 'missing' in message
