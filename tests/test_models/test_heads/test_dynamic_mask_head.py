# Copyright (c) mmrvos contributors. All rights reserved.
from unittest import mock

import pytest
import torch
import torch.nn.functional as F
from mmengine.runner.checkpoint import load_state_dict

from mmrvos.models.heads import DynamicMaskHead
from mmrvos.models.layers import FPNSpatialDecoder

FPN = dict(type='FPNSpatialDecoder', context_dims=128, fpn_dims=(128, 128, 16), mask_dims=8)


def _inputs(n=2, t=2, q=3, c=128, h=6, w=10):
    torch.manual_seed(0)
    queries = torch.randn(n, t, q, c)
    refs = torch.rand(n, t, q, 2)
    feats = torch.randn(n, t, 8, h, w)
    sizes = torch.tensor([[4 * h, 4 * w], [4 * h - 4, 4 * w]])
    return queries, refs, feats, sizes


def _first_conv_input(head, *args):
    """Run the head and return the input of its first dynamic convolution."""
    seen = []
    real = F.conv2d

    def spy(x, *a, **k):
        seen.append(x)
        return real(x, *a, **k)

    with mock.patch('mmrvos.models.heads.dynamic_mask_head.F.conv2d', side_effect=spy):
        out = head(*args)
    return out, seen[0]


def test_dynamic_mask_head_shapes():
    head = DynamicMaskHead(embed_dims=128, pixel_decoder=FPN)
    head.init_weights()
    queries, refs, feats, sizes = _inputs()
    out = head(queries, refs, feats, sizes)
    assert out.shape == (2, 2, 3, 6, 10)


@pytest.mark.parametrize('scale', [0.5, 1 / 32])
def test_rel_coords_scale_scales_only_the_coordinate_channels(scale):
    ref_head = DynamicMaskHead(embed_dims=128, pixel_decoder=FPN)
    ref_head.init_weights()
    head = DynamicMaskHead(embed_dims=128, pixel_decoder=FPN, rel_coords_scale=scale)
    head.load_state_dict(ref_head.state_dict())
    args = _inputs()
    out_ref, x_ref = _first_conv_input(ref_head, *args)
    out, x = _first_conv_input(head, *args)
    # (1, N*T*Q*(8 + 2), h, w): per instance 8 feature channels, then (dx, dy) in pixels
    x_ref, x = x_ref.view(-1, 10, 6, 10), x.view(-1, 10, 6, 10)
    torch.testing.assert_close(x[:, :8], x_ref[:, :8])
    torch.testing.assert_close(x[:, 8:], x_ref[:, 8:] * scale)
    assert x_ref[:, 8:].abs().max() > 20  # raw pixel offsets
    assert not torch.allclose(out, out_ref)


def _decoder_inputs(n=2, c=128, seed=0):
    g = torch.Generator().manual_seed(seed)
    shapes = ((8, 12), (4, 6), (2, 3))  # strides 8, 16, 32 of a 64 x 96 input
    return dict(memory=[torch.randn(n, c, h, w, generator=g) for h, w in shapes],
                stride4_feats=torch.randn(n, 16, 16, 24, generator=g),
                stride4_mask=torch.zeros(n, 16, 24, dtype=torch.bool),
                masks=[torch.zeros(n, h, w, dtype=torch.bool) for h, w in shapes],
                pos=[torch.randn(n, c, h, w, generator=g) for h, w in shapes],
                text=dict(word_feats=torch.randn(1, 4, c, generator=g), word_mask=torch.zeros(1, 4).bool(),
                          word_pos=torch.randn(1, 4, c, generator=g)),
                num_frames=2)


def test_mask_features_from_the_fpn_spatial_decoder():
    head = DynamicMaskHead(embed_dims=128, pixel_decoder=FPN)
    head.init_weights()
    assert isinstance(head.pixel_decoder, FPNSpatialDecoder)
    kwargs = _decoder_inputs()
    with torch.no_grad():
        feats = head.forward_mask_features(**kwargs)
        # the FPN decoder runs from the stride-32 memory over strides 16, 8 and the stride-4 stage
        expected = head.pixel_decoder.decode(kwargs['memory'][2], [kwargs['memory'][1], kwargs['memory'][0],
                                                                   kwargs['stride4_feats']])
        # and ignores the padding masks, positions and text
        ignored = head.forward_mask_features(**dict(kwargs, pos=None, masks=None, text=None))
    assert feats.shape == (2, 8, 16, 24)
    assert torch.equal(feats, expected) and torch.equal(feats, ignored)
    assert head.controller.layers[-1].out_features == (8 + 2) * 8 + 8 * 8 + 8 * 1 + 8 + 8 + 1


def test_in_channels_sizes_the_controller():
    decoder = dict(FPN, mask_dims=16)
    head = DynamicMaskHead(embed_dims=128, pixel_decoder=decoder, in_channels=16, rel_coords=False)
    assert head.controller.layers[-1].out_features == 16 * 8 + 8 * 8 + 8 * 1 + 8 + 8 + 1
    head.init_weights()
    queries, refs, _, sizes = _inputs()
    feats = torch.randn(2, 2, 16, 6, 10)
    assert head(queries, refs, feats, sizes).shape == (2, 2, 3, 6, 10)


@pytest.mark.parametrize('loader', ['torch', 'mmengine'])
def test_old_spatial_decoder_keys_load(loader):
    """Checkpoints of the SOC mask head before the configurable pixel decoder (``spatial_decoder.*``)."""
    torch.manual_seed(0)
    old = DynamicMaskHead(embed_dims=128, pixel_decoder=FPN)
    old.init_weights()
    state = {k.replace('pixel_decoder.', 'spatial_decoder.'): v for k, v in old.state_dict().items()}
    assert any(k.startswith('spatial_decoder.out_lay.') for k in state)
    wrapped = torch.nn.ModuleDict(dict(mask_head=DynamicMaskHead(embed_dims=128, pixel_decoder=FPN)))
    prefixed = {f'mask_head.{k}': v for k, v in state.items()}
    if loader == 'torch':
        wrapped.load_state_dict(prefixed, strict=True)
    else:
        load_state_dict(wrapped, prefixed, strict=True)
    for key, value in old.state_dict().items():
        assert torch.equal(wrapped['mask_head'].state_dict()[key], value), key
    assert 'mask_head.spatial_decoder.out_lay.weight' in prefixed  # the caller's dict is left as it was


def test_mask_features_from_the_cross_modal_fpn_decoder():
    decoder = dict(type='CrossModalFPNDecoder', in_channels=(16, 128, 128, 128), feat_channels=128,
                   out_channels=32, num_heads=4, feedforward_channels=256, dropout=0.0)
    torch.manual_seed(0)
    head = DynamicMaskHead(embed_dims=128, pixel_decoder=decoder, in_channels=32)
    head.init_weights()
    head.eval()
    assert type(head.pixel_decoder).__name__ == 'CrossModalFPNDecoder'
    assert {k.split('.')[1] for k in head.state_dict() if k.startswith('pixel_decoder.')} >= {
        'adapter_1', 'layer_4', 'cross_attn_2', 'mask_features'}
    kwargs = _decoder_inputs()
    with torch.no_grad():
        feats = head.forward_mask_features(**kwargs)
        direct = head.pixel_decoder(**kwargs)
        words = dict(kwargs['text'], word_feats=kwargs['text']['word_feats'] + 1.0)
        other = head.forward_mask_features(**dict(kwargs, text=words))
        masks = head(*_inputs(n=1, t=2, c=128, h=16, w=24)[:2], feats.view(1, 2, 32, 16, 24),
                     torch.tensor([[64, 96]]))
    assert feats.shape == (2, 32, 16, 24) and torch.equal(feats, direct)
    assert not torch.allclose(feats, other)  # the decoder attends to the words
    assert masks.shape == (1, 2, 3, 16, 24)
