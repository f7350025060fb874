# Copyright (c) mmrvos contributors. All rights reserved.
import torch
from mmcv.ops.multi_scale_deform_attn import MultiScaleDeformableAttnFunction

from mmrvos.models.layers import bf16_in_fp32


def _inputs(dtype):
    value = torch.randn(1, 6, 2, 4, dtype=dtype)
    shapes = torch.tensor([[2, 3]])
    start = torch.tensor([0])
    locations = torch.rand(1, 5, 2, 1, 3, 2)
    weights = torch.rand(1, 5, 2, 1, 3)
    return value, shapes, start, locations, weights, 64


def test_bf16_calls_run_in_fp32_and_return_bf16():
    seen = []

    def kernel(value, shapes, start, locations, weights, step):  # mmcv's kernel: float32 / float16 only
        seen.append((value.dtype, locations.dtype, weights.dtype))
        assert value.dtype in (torch.float32, torch.float16)
        bs, _, heads, dims = value.shape
        return torch.ones(bs, locations.shape[1], heads * dims, dtype=value.dtype)

    wrapped = bf16_in_fp32(kernel)
    out = wrapped(*_inputs(torch.bfloat16))
    assert out.dtype == torch.bfloat16 and out.shape == (1, 5, 8)
    assert seen[-1] == (torch.float32, torch.float32, torch.float32)
    for dtype in (torch.float32, torch.float16):  # untouched
        value, *rest = _inputs(dtype)
        assert wrapped(value, *rest).dtype == dtype
        assert seen[-1][0] == dtype and seen[-1][1] == torch.float32


def test_installed_on_mmcv_once():
    import mmrvos.models  # noqa: F401  (installs it)
    from mmrvos.models.layers import enable_bf16_deformable_attention
    apply = MultiScaleDeformableAttnFunction.apply
    assert getattr(apply, '_mmrvos_bf16_in_fp32', False)
    enable_bf16_deformable_attention()
    assert MultiScaleDeformableAttnFunction.apply is apply  # idempotent: not wrapped twice
