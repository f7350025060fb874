# Copyright (c) mmrvos contributors. All rights reserved.
import pytest
import torch

from mmrvos.models.backbones import VideoSwinTransformerRVOS, WindowAttention3DSDPA  # isort: skip
from mmaction.models.backbones.swin import WindowAttention3D, compute_mask  # after mmrvos's compat fixes

TINY = dict(embed_dims=16, depths=[2, 2, 1, 1], num_heads=[2, 2, 2, 2])


@pytest.mark.parametrize('shift', [False, True])
@pytest.mark.parametrize('batch', [1, 2])
def test_sdpa_window_attention_equals_reference(shift, batch):
    torch.manual_seed(0)
    window = (2, 7, 7)
    ref = WindowAttention3D(32, window, num_heads=4)
    torch.nn.init.normal_(ref.relative_position_bias_table, std=1.)  # a bias that matters
    fast = WindowAttention3DSDPA.from_reference(ref)
    assert list(fast.state_dict()) == list(ref.state_dict())
    mask = compute_mask(4, 14, 21, window, (1, 3, 3), 'cpu') if shift else None  # (12, 98, 98)
    num_windows = 2 * 2 * 3
    x = torch.randn(batch * num_windows, 98, 32, requires_grad=True)
    out_ref, out_fast = ref(x, mask), fast(x, mask)
    if shift:
        assert not torch.allclose(out_ref, ref(x, None), atol=1e-3)  # the mask changes the output
    torch.testing.assert_close(out_fast, out_ref, atol=1e-5, rtol=1e-5)
    grad = torch.randn_like(out_ref)
    g_ref, = torch.autograd.grad(out_ref, x, grad)
    g_fast, = torch.autograd.grad(out_fast, x, grad)
    torch.testing.assert_close(g_fast, g_ref, atol=1e-5, rtol=1e-5)


def test_sdpa_swin_equals_reference_and_keeps_keys():
    torch.manual_seed(1)
    ref = VideoSwinTransformerRVOS(arch=TINY, window_size=(2, 7, 7), sdpa_attention=False)
    torch.manual_seed(1)
    fast = VideoSwinTransformerRVOS(arch=TINY, window_size=(2, 7, 7))
    assert isinstance(fast.layers[0].blocks[1].attn, WindowAttention3DSDPA)
    assert type(ref.layers[0].blocks[1].attn) is WindowAttention3D
    ref_state, fast_state = ref.state_dict(), fast.state_dict()
    assert list(fast_state) == list(ref_state)
    for key, value in ref_state.items():  # same seed, same weights: the swap leaves the random state alone
        torch.testing.assert_close(fast_state[key], value, msg=key)
    for name, param in ref.named_parameters():  # a relative position bias that matters
        if name.endswith('relative_position_bias_table'):
            torch.nn.init.normal_(param, std=1.)
    fast.load_state_dict(ref.state_dict())
    ref.eval(), fast.eval()
    x = torch.randn(1, 4, 3, 56, 84)  # stage 1: 14 x 21 tokens, shifted windows with a real mask
    with torch.no_grad():
        for out_fast, out_ref in zip(fast(x), ref(x)):
            torch.testing.assert_close(out_fast, out_ref, atol=1e-5, rtol=1e-5)
