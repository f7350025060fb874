# Copyright (c) mmrvos contributors. All rights reserved.
import pytest
import torch
from mmengine.config import Config

from mmrvos.apis import init_model
from mmrvos.testing import build_tiny_text_encoder_cfg, tiny_soc_cfg


def test_init_model_loads_checkpoint_and_options(tmp_path):
    text_encoder = build_tiny_text_encoder_cfg(str(tmp_path / 'roberta'), embed_dims=128)
    cfg = Config(dict(model=tiny_soc_cfg(text_encoder)))
    torch.manual_seed(0)
    random = init_model(cfg)
    assert not random.training and random.cfg is cfg
    # a checkpoint of other weights replaces the random ones
    torch.manual_seed(1)
    trained = init_model(Config(cfg.to_dict()))
    torch.save(dict(state_dict=trained.state_dict()), tmp_path / 'ckpt.pth')
    loaded = init_model(Config(cfg.to_dict()), str(tmp_path / 'ckpt.pth'))
    for name, value in trained.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], value), name
    assert any(not torch.equal(random.state_dict()[k], v) for k, v in trained.state_dict().items())
    # --cfg-options are merged before the model is built
    tuned = init_model(Config(cfg.to_dict()), cfg_options={'model.test_cfg.mask_thr': 0.3})
    assert tuned.head.test_cfg['mask_thr'] == 0.3 and tuned.cfg.model.test_cfg.mask_thr == 0.3
    with pytest.raises(TypeError, match='file path or a Config'):
        init_model(cfg.to_dict())
