# Copyright (c) mmrvos contributors. All rights reserved.
"""Smoke check of an mmrvos installation: environment, registries and the ops SOC needs.

``python tools/misc/check_install.py`` prints the environment (mmdet's ``collect_env``), builds mmaction's
Video Swin, mmdet's Hungarian assigner and mmcv's multi-scale deformable attention under the ``mmrvos``
scope and runs them once on CPU.
"""
import time

import torch
from mmengine.structures import InstanceData


def main() -> None:
    from mmdet.utils import collect_env

    import mmrvos
    from mmrvos.registry import MODELS, TASK_UTILS
    from mmrvos.utils import register_all_modules

    start = time.time()
    register_all_modules()
    print('Environment:')
    for name, value in collect_env().items():
        print(f'  {name}: {value}')
    print(f'  mmrvos: {mmrvos.__version__}')

    swin = MODELS.build(
        dict(type='mmaction.SwinTransformer3D', arch='tiny', patch_size=(1, 4, 4), window_size=(8, 7, 7),
             pretrained2d=False))
    swin.eval()
    with torch.no_grad():
        feats = swin(torch.rand(1, 3, 2, 64, 64))
    print(f'Video Swin-T (mmaction): {sum(p.numel() for p in swin.parameters()) / 1e6:.1f} M parameters, '
          f'output {tuple(feats[-1].shape) if isinstance(feats, (tuple, list)) else tuple(feats.shape)}')

    attn = MODELS.build(dict(type='MultiScaleDeformableAttention', embed_dims=32, num_heads=4, num_levels=1,
                             num_points=2, batch_first=True))
    shapes = torch.tensor([[8, 8]])
    out = attn(torch.rand(1, 5, 32), value=torch.rand(1, 64, 32), reference_points=torch.rand(1, 5, 1, 2),
               spatial_shapes=shapes, level_start_index=torch.tensor([0]))
    print(f'MultiScaleDeformableAttention (mmcv, CPU path): output {tuple(out.shape)}')

    assigner = TASK_UTILS.build(dict(type='HungarianAssigner', match_costs=[dict(type='DiceCost')]))
    gt = InstanceData(masks=(torch.rand(1, 8, 8) > 0.5).float(), labels=torch.zeros(1, dtype=torch.long))
    result = assigner.assign(InstanceData(masks=torch.rand(4, 8, 8)), gt)
    print(f'HungarianAssigner (mmdet): ground truth matched to query {int(result.gt_inds.argmax())}')
    print(f'mmrvos installation OK ({time.time() - start:.1f} s)')


if __name__ == '__main__':
    main()
