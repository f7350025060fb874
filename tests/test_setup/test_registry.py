# Copyright (c) mmrvos contributors. All rights reserved.
"""Every registry node is a child of mmdet's, and mmdet/mmcv/mmaction modules build under scope mmrvos."""
import mmdet.registry as mmdet_registry
import pytest
import torch
from mmcv.ops.multi_scale_deform_attn import multi_scale_deformable_attn_pytorch
from mmengine.registry import DefaultScope

import mmrvos.registry as registry

NODES = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS',
    'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
    'PARAM_SCHEDULERS', 'METRICS', 'EVALUATOR', 'TASK_UTILS', 'VISUALIZERS', 'VISBACKENDS', 'LOG_PROCESSORS'
]


@pytest.mark.parametrize('name', NODES)
def test_nodes_are_children_of_mmdet(name):
    node = getattr(registry, name)
    assert node.scope == 'mmrvos'
    assert node.parent is getattr(mmdet_registry, name)
    assert node.name == getattr(mmdet_registry, name).name


def test_default_scope_is_mmrvos():
    assert DefaultScope.get_current_instance().scope_name == 'mmrvos'


def test_build_mmaction_video_swin():
    backbone = registry.MODELS.build(
        dict(type='mmaction.SwinTransformer3D', arch=dict(embed_dims=16, depths=[1, 1], num_heads=[1, 2]),
             patch_size=(1, 4, 4), window_size=(2, 4, 4), pretrained2d=False, out_indices=(0, 1)))
    backbone.eval()  # mmaction 1.2.0's train() returns None: never chain it
    with torch.no_grad():
        outs = backbone(torch.rand(1, 3, 2, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(1, 16, 2, 8, 8), (1, 32, 2, 4, 4)]


def test_build_mmdet_hungarian_assigner():
    from mmdet.models.task_modules import HungarianAssigner
    from mmengine.structures import InstanceData
    assigner = registry.TASK_UTILS.build(
        dict(type='HungarianAssigner', match_costs=[dict(type='DiceCost', weight=1.0, pred_act=True)]))
    assert isinstance(assigner, HungarianAssigner)
    gt_masks = torch.zeros(1, 8, 8)
    gt_masks[0, :4, :4] = 1
    pred_masks = torch.full((3, 8, 8), -10.)
    pred_masks[2, :4, :4] = 10.  # only query 2 matches the ground truth
    gt = InstanceData(masks=gt_masks, labels=torch.zeros(1, dtype=torch.long))
    result = assigner.assign(InstanceData(masks=pred_masks), gt)
    assert result.gt_inds.tolist() == [0, 0, 1]


def test_build_and_check_mmcv_multiscale_deformable_attention():
    torch.manual_seed(0)
    embed_dims, num_heads, num_levels, num_points = 16, 2, 2, 2
    attn = registry.MODELS.build(
        dict(type='MultiScaleDeformableAttention', embed_dims=embed_dims, num_heads=num_heads,
             num_levels=num_levels, num_points=num_points, dropout=0.0, batch_first=True))
    attn.init_weights()
    # random (not zero-initialised) projections so that every term of the forward matters
    for p in attn.parameters():
        torch.nn.init.normal_(p, std=0.1)
    attn.eval()
    spatial_shapes = torch.tensor([[6, 8], [3, 4]])
    level_start_index = torch.cat([spatial_shapes.new_zeros(1), spatial_shapes.prod(1).cumsum(0)[:-1]])
    num_value = int(spatial_shapes.prod(1).sum())
    bs, num_query = 2, 5
    query = torch.rand(bs, num_query, embed_dims)
    value = torch.rand(bs, num_value, embed_dims)
    reference_points = torch.rand(bs, num_query, num_levels, 2)
    with torch.no_grad():
        out = attn(query, value=value, reference_points=reference_points, spatial_shapes=spatial_shapes,
                   level_start_index=level_start_index)
        # the same computation spelled out around mmcv's pure-PyTorch kernel
        v = attn.value_proj(value).view(bs, num_value, num_heads, -1)
        offsets = attn.sampling_offsets(query).view(bs, num_query, num_heads, num_levels, num_points, 2)
        weights = attn.attention_weights(query).view(bs, num_query, num_heads, num_levels * num_points)
        weights = weights.softmax(-1).view(bs, num_query, num_heads, num_levels, num_points)
        normalizer = torch.stack([spatial_shapes[..., 1], spatial_shapes[..., 0]], -1)
        normalizer = normalizer[None, None, None, :, None, :]
        locations = reference_points[:, :, None, :, None, :] + offsets / normalizer
        expected = multi_scale_deformable_attn_pytorch(v, spatial_shapes, locations, weights)
        expected = attn.output_proj(expected) + query
    assert out.shape == (bs, num_query, embed_dims)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-6)
