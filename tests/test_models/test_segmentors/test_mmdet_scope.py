# Copyright (c) mmrvos contributors. All rights reserved.
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmrvos.testing import demo_rvos_inputs


def test_soc_builds_and_runs_under_mmdet_scope(tmp_path, tiny_soc_cfg):
    """An mmdet config (default_scope='mmdet') that imports mmrvos builds SOC and runs loss/predict."""
    model_cfg = dict(tiny_soc_cfg, type='mmrvos.SOC')
    cfg_file = tmp_path / 'soc_in_mmdet.py'
    cfg_file.write_text(f"default_scope = 'mmdet'\n"
                        f"custom_imports = dict(imports=['mmrvos'], allow_failed_imports=False)\n"
                        f'model = {model_cfg!r}\n')
    cfg = Config.fromfile(str(cfg_file))
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        from mmdet.registry import MODELS as MMDET_MODELS
        model = MMDET_MODELS.build(cfg.model)
        assert type(model).__name__ == 'SOC'
        model.init_weights()
        model.train()
        data = model.data_preprocessor(demo_rvos_inputs(num_frames=2), True)
        losses = model(**data, mode='loss')
        assert torch.isfinite(sum(losses.values()))
        model.eval()
        with torch.no_grad():
            results = model(**model.data_preprocessor(demo_rvos_inputs(num_frames=2), False), mode='predict')
    assert results[0][1].pred_track_instances.masks.shape == (1, 64, 64)
