# Copyright (c) mmrvos contributors. All rights reserved.
"""The GPU path: mmcv's CUDA deformable attention and the whole SOC on CUDA against the CPU path.

These tests need a CUDA device and an mmcv compiled with its CUDA ops (``tools/setup_env.sh`` builds
them when ``nvcc`` is present; ``tools/setup_env_offline.sh`` on a machine without a registry). Where
there is none they are reported as skipped, never as passed.
"""
import copy

import pytest
import torch

from mmrvos.registry import MODELS
from mmrvos.testing import demo_rvos_inputs

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')

# fp32 tolerances of the CUDA kernel against mmcv's PyTorch (grid_sample) path. The two sum the same
# bilinear samples in a different order, and the backward kernel accumulates with atomics.
FWD_ATOL, GRAD_ATOL = 1e-5, 1e-4


def _msda_inputs(device, num_queries=30, embed_dims=64, levels=((16, 20), (8, 10), (4, 5), (2, 3))):
    generator = torch.Generator().manual_seed(0)
    num_value = sum(h * w for h, w in levels)
    query = torch.randn(2, num_queries, embed_dims, generator=generator)
    value = torch.randn(2, num_value, embed_dims, generator=generator)
    reference_points = torch.rand(2, num_queries, len(levels), 2, generator=generator)
    shapes = torch.tensor(levels, dtype=torch.long)
    start = torch.cat([shapes.new_zeros(1), (shapes[:, 0] * shapes[:, 1]).cumsum(0)[:-1]])
    tensors = [query, value, reference_points, shapes, start]
    return [t.to(device) for t in tensors]


def _msda_run(module, device):
    query, value, reference_points, shapes, start = _msda_inputs(device)
    query.requires_grad_(True)
    value.requires_grad_(True)
    out = module(query, value=value, reference_points=reference_points, spatial_shapes=shapes,
                 level_start_index=start, batch_first=True)
    (out * torch.linspace(-1, 1, out.numel(), device=device).view_as(out)).sum().backward()
    grads = {name: p.grad.detach().cpu().clone() for name, p in module.named_parameters()}
    grads.update(query=query.grad.cpu(), value=value.grad.cpu())
    return out.detach().cpu(), grads


def test_msda_cuda_kernel_matches_cpu_path():
    from mmcv.ops import MultiScaleDeformableAttention
    from mmcv.ops.multi_scale_deform_attn import MultiScaleDeformableAttnFunction

    torch.manual_seed(0)
    module = MultiScaleDeformableAttention(embed_dims=64, num_heads=4, num_levels=4, num_points=4,
                                           batch_first=True, dropout=0.0)
    module.init_weights()
    with torch.no_grad():  # non-zero sampling offsets: the zero init hides indexing mistakes
        for p in module.parameters():
            p.add_(0.05 * torch.randn_like(p))
    cpu_out, cpu_grads = _msda_run(module, 'cpu')
    module.zero_grad()
    calls = []
    original = MultiScaleDeformableAttnFunction.forward

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    MultiScaleDeformableAttnFunction.forward = staticmethod(spy)
    try:
        cuda_out, cuda_grads = _msda_run(module.cuda(), 'cuda')
    finally:
        MultiScaleDeformableAttnFunction.forward = staticmethod(original)
    assert calls, 'the CUDA kernel was not used on CUDA tensors'
    assert (cuda_out - cpu_out).abs().max() < FWD_ATOL
    for name, grad in cpu_grads.items():
        assert (cuda_grads[name] - grad).abs().max() < GRAD_ATOL * max(1.0, grad.abs().max()), name


def _tiny_soc(cfg, device):
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg))
    model.init_weights()
    with torch.no_grad():
        for p in model.head.parameters():
            p.add_(0.02 * torch.randn_like(p))
    return model.to(device)


@pytest.fixture
def no_tf32():
    """True float32 on the GPU: PyTorch runs cuDNN convolutions in TF32 by default (10-bit mantissa); on an
    H200 that alone moved the tiny SOC's mask logits by 1.0e-2 (values up to 18) from the CPU's."""
    flags = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = flags


def test_soc_eval_and_loss_on_cuda_match_cpu(tiny_soc_cfg, no_tf32):
    data = demo_rvos_inputs(batch_size=1, num_frames=3, image_shapes=((64, 96), ))
    outputs, losses = {}, {}
    for device in ('cpu', 'cuda'):
        model = _tiny_soc(tiny_soc_cfg, device).eval()
        batch = model.data_preprocessor(copy.deepcopy(data), False)
        with torch.no_grad():
            outputs[device] = {k: v.cpu() for k, v in model._forward(**batch).items() if torch.is_tensor(v)}
        model.train()
        for m in model.modules():  # compare the deterministic part of training
            if isinstance(m, torch.nn.Dropout):
                m.p = 0.0
        batch = model.data_preprocessor(copy.deepcopy(data), True)
        losses[device] = {k: v.item() for k, v in model.loss(**batch).items()}
    for key, value in outputs['cpu'].items():
        scale = max(1.0, value.abs().max().item())
        assert (outputs['cuda'][key] - value).abs().max() < 1e-4 * scale, key
    for key, value in losses['cpu'].items():
        assert abs(losses['cuda'][key] - value) < 1e-4 * max(1.0, abs(value)), key


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_soc_eval_under_autocast(tiny_soc_cfg, dtype):
    """Eval under autocast runs (bf16 through mmrvos's float32 fallback of the deformable kernel) and its
    mask logits keep the fp32 signs almost everywhere."""
    model = _tiny_soc(tiny_soc_cfg, 'cuda').eval()
    batch = model.data_preprocessor(demo_rvos_inputs(num_frames=3, image_shapes=((64, 96), )), False)
    with torch.no_grad():
        reference = model._forward(**batch)['mask_preds']
        with torch.autocast('cuda', dtype=dtype):
            masks = model._forward(**batch)['mask_preds'].float()
    assert torch.isfinite(masks).all()
    assert ((masks > 0) == (reference > 0)).float().mean() > 0.95


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_soc_mixed_precision_training_step(tiny_soc_cfg, dtype):
    """One optimiser step under autocast through mmengine's AmpOptimWrapper: finite losses and grads."""
    from mmengine.optim import AmpOptimWrapper

    model = _tiny_soc(tiny_soc_cfg, 'cuda').train()
    wrapper = AmpOptimWrapper(optimizer=torch.optim.AdamW(model.parameters(), lr=1e-4),
                              dtype=dtype, loss_scale='dynamic' if dtype == torch.float16 else 1.0)
    data = demo_rvos_inputs(batch_size=2, num_frames=3, image_shapes=((64, 96), (64, 80)))
    for _ in range(2):
        losses = model.train_step(copy.deepcopy(data), wrapper)
        assert all(torch.isfinite(v).all() for v in losses.values()), losses
    assert all(torch.isfinite(p).all() for p in model.parameters())
