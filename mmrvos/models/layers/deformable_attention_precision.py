# Copyright (c) mmrvos contributors. All rights reserved.
"""bfloat16 mixed precision for mmcv's multi-scale deformable attention on CUDA.

mmcv 2.1.0's CUDA kernel (``MultiScaleDeformableAttnFunction``) is compiled for float32 and float16
only, and casts the sampling locations and weights to the dtype of ``value``. Under
``torch.autocast('cuda', dtype=torch.bfloat16)`` (``--amp`` with ``optim_wrapper.dtype=bfloat16``,
``benchmark.py --precision bf16``) ``value`` comes out of a bf16 ``Linear``, so the kernel stops with
"not implemented for 'BFloat16'". :func:`enable_bf16_deformable_attention` runs those calls in float32
and returns the output in bfloat16; float32 and float16 calls are untouched, and so is the CPU path
(mmcv's ``grid_sample`` implementation, which takes bfloat16). It is applied when
``mmrvos.models`` is imported.
"""
from typing import Callable

import torch

_PATCHED = '_mmrvos_bf16_in_fp32'


def bf16_in_fp32(apply: Callable) -> Callable:
    """Wrap ``MultiScaleDeformableAttnFunction.apply`` so that bfloat16 inputs are computed in float32.

    Args:
        apply (Callable): ``apply(value, spatial_shapes, level_start_index, sampling_locations,
            attention_weights, im2col_step)`` with ``value`` ``(bs, num_keys, num_heads, head_dims)``.

    Returns:
        Callable: the same signature; ``(bs, num_queries, num_heads * head_dims)`` in ``value``'s dtype.
    """

    def wrapped(value, spatial_shapes, level_start_index, sampling_locations, attention_weights,
                im2col_step):
        if value.dtype != torch.bfloat16:
            return apply(value, spatial_shapes, level_start_index, sampling_locations, attention_weights,
                         im2col_step)
        output = apply(value.float(), spatial_shapes, level_start_index, sampling_locations.float(),
                       attention_weights.float(), im2col_step)
        return output.to(torch.bfloat16)

    setattr(wrapped, _PATCHED, True)
    return wrapped


def enable_bf16_deformable_attention() -> None:
    """Install :func:`bf16_in_fp32` on mmcv's deformable attention function (idempotent)."""
    from mmcv.ops.multi_scale_deform_attn import MultiScaleDeformableAttnFunction as function
    if not getattr(function.apply, _PATCHED, False):
        function.apply = staticmethod(bf16_in_fp32(function.apply))
