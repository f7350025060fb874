# Copyright (c) mmrvos contributors. All rights reserved.
import math

import pytest
import torch

from mmrvos.models.layers import CrossModalFPNDecoder, VisionLanguageBlock
from mmrvos.registry import MODELS

C, C4, OUT, N, T, S = 32, 16, 8, 2, 3, 5


def make_decoder(**kwargs):
    cfg = dict(type='CrossModalFPNDecoder', in_channels=(C4, C, C, C), feat_channels=C, out_channels=OUT,
               feedforward_channels=64)
    cfg.update(kwargs)
    decoder = MODELS.build(cfg)
    assert isinstance(decoder, CrossModalFPNDecoder)
    decoder.init_weights()
    return decoder.eval()


def make_inputs(h4=13, w4=21, seed=0):
    """Stride-4 size (h4, w4), coarser levels halved with ceil; clip 1 padded right and bottom."""
    gen = torch.Generator().manual_seed(seed)
    sizes = [(h4, w4)]
    for _ in range(3):
        sizes.append((math.ceil(sizes[-1][0] / 2), math.ceil(sizes[-1][1] / 2)))
    masks = []
    for h, w in sizes:
        mask = torch.zeros(N * T, h, w, dtype=torch.bool)
        mask[T:, :, w - max(1, w // 4):] = True
        mask[T:, h - max(1, h // 4):] = True
        masks.append(mask)
    word_mask = torch.zeros(N, S, dtype=torch.bool)
    word_mask[1, 3:] = True
    return dict(
        memory=[torch.randn(N * T, C, *s, generator=gen) for s in sizes[1:]],
        stride4_feats=torch.randn(N * T, C4, *sizes[0], generator=gen),
        stride4_mask=masks[0],
        masks=masks[1:],
        pos=[torch.randn(N * T, C, *s, generator=gen) for s in sizes[1:]],
        text=dict(word_feats=torch.randn(N, S, C, generator=gen), word_mask=word_mask,
                  word_pos=torch.randn(N, S, C, generator=gen)),
        num_frames=T)


def test_output_shape_and_reduced_attention_sizes():
    decoder = make_decoder()
    seen = {}
    for k in range(1, 5):
        getattr(decoder, f'cross_attn_{k}').self_attn.register_forward_pre_hook(
            lambda m, args, k=k: seen.__setitem__(k, tuple(args[0].shape)))
    out = decoder(**make_inputs(13, 21))
    assert out.shape == (N * T, OUT, 13, 21)
    # levels 13x21, 7x11, 4x6, 2x3 with sr 8, 4, 2, 1: int(h / sr) x int(w / sr) per frame, T frames per clip
    assert seen == {1: (N, T * 1 * 2, C), 2: (N, T * 1 * 2, C), 3: (N, T * 2 * 3, C), 4: (N, T * 2 * 3, C)}
    with pytest.raises(ValueError, match='too small for sr_ratio 8'):
        decoder(**make_inputs(7, 21))


def test_state_dict_keys_are_the_official_ones():
    attn = ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']
    block = [f'{m}.{p}' for m in ('self_attn', 'multihead_attn') for p in attn]
    wb, conv = ('weight', 'bias'), ('weight', 'norm.weight', 'norm.bias')
    block += [f'{m}.{p}' for m in ('linear1', 'linear2', 'norm1', 'norm2', 'norm3') for p in wb]
    expected = {'mask_features.weight', 'mask_features.bias'}
    for k in range(1, 5):
        expected |= {f'{m}_{k}.{p}' for m in ('adapter', 'layer') for p in conv}
        expected |= {f'cross_attn_{k}.{p}' for p in block}
    assert set(make_decoder().state_dict()) == expected


def test_init_statistics():
    torch.manual_seed(0)
    decoder = make_decoder(feat_channels=64, in_channels=(64, 64, 64, 64), out_channels=64,
                           feedforward_channels=256)
    # convs: kaiming-uniform with a=1 (std 1 / sqrt(fan_in)), zero bias; GN weight 1, bias 0
    for name in ('adapter_1', 'layer_2', 'mask_features'):
        conv = getattr(decoder, name)
        fan_in = conv.weight[0].numel()
        assert conv.weight.std().item() == pytest.approx(fan_in**-0.5, rel=0.1)
        assert conv.weight.abs().max().item() <= (3 / fan_in)**0.5
    assert torch.all(decoder.mask_features.bias == 0)
    assert torch.all(decoder.layer_3.norm.weight == 1) and torch.all(decoder.layer_3.norm.bias == 0)
    # every >1-dim tensor of the blocks: xavier-uniform, std sqrt(2 / (fan_in + fan_out))
    for name, p in decoder.cross_attn_2.named_parameters():
        if p.dim() > 1:
            assert p.std().item() == pytest.approx((2 / sum(p.shape))**0.5, rel=0.1), name


def test_padded_words_do_not_matter_and_clips_are_independent():
    decoder = make_decoder()
    inputs = make_inputs()
    out = decoder(**inputs)
    text = inputs['text']
    # new features and positions at the padded words of clip 1: nothing changes
    changed = {k: v.clone() for k, v in text.items()}
    changed['word_feats'][1, 3:] += 5
    changed['word_pos'][1, 3:] -= 5
    assert torch.allclose(decoder(**dict(inputs, text=changed)), out, atol=1e-5)
    # new words for clip 1: its frames change, clip 0's do not
    changed['word_feats'][1, :3] += 1
    new = decoder(**dict(inputs, text=changed))
    assert torch.allclose(new[:T], out[:T], atol=1e-5)
    assert (new[T:] - out[T:]).abs().amax(dim=(1, 2, 3)).min() > 1e-3


def test_self_attention_spans_the_frames_of_a_clip():
    decoder = make_decoder()
    inputs = make_inputs()
    out = decoder(**inputs)
    feats = inputs['stride4_feats'].clone()
    feats[T] += 1  # frame 0 of clip 1
    new = decoder(**dict(inputs, stride4_feats=feats))
    assert torch.allclose(new[:T], out[:T], atol=1e-5)
    assert (new[T + 2] - out[T + 2]).abs().max() > 1e-3  # frame 2 of clip 1 attends to frame 0


@pytest.mark.parametrize('sr_ratio', [1, 4])
def test_padded_pixels_in_a_block(sr_ratio):
    """Padded pixels are masked keys; with sr_ratio > 1 their (reduced) queries still reach unpadded
    neighbours through the bilinear upsampling, as in the official code, but nothing farther."""
    torch.manual_seed(0)
    block = VisionLanguageBlock(C, 4, 64, 0.0, sr_ratio)
    block.init_weights()
    x, pos = torch.randn(2 * T, C, 12, 16), torch.randn(2 * T, C, 12, 16)
    mask = torch.zeros(2 * T, 12, 16, dtype=torch.bool)
    mask[:, 9:] = True
    mask[:, :, 11:] = True
    words, word_pos = torch.randn(2, S, C), torch.randn(2, S, C)
    word_mask = torch.zeros(2, S, dtype=torch.bool)
    out = block(x, pos, mask, words, word_pos, word_mask, T)
    x = torch.where(mask[:, None], torch.randn_like(x), x)
    changed = (block(x, pos, mask, words, word_pos, word_mask, T) - out).abs().amax(1) > 1e-5
    changed &= ~mask
    near = torch.zeros_like(mask)
    near[:, 9 - sr_ratio:] = True
    near[:, :, 11 - sr_ratio:] = True
    assert not (changed & ~near).any()
    assert changed.any() == (sr_ratio > 1)


def test_gradient_reaches_every_parameter():
    decoder = make_decoder().train()
    decoder(**make_inputs()).sum().backward()
    for name, p in decoder.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_bad_inputs():
    decoder = make_decoder()
    inputs = make_inputs()
    with pytest.raises(ValueError, match=r"text\['word_pos'\] has width 16"):
        decoder(**dict(inputs, text=dict(inputs['text'], word_pos=torch.zeros(N, S, 16))))
    with pytest.raises(ValueError, match='memory has 2 levels'):
        decoder(**dict(inputs, memory=inputs['memory'][:2]))
    with pytest.raises(ValueError, match='do not form 2 clips of num_frames=2'):
        decoder(**dict(inputs, num_frames=2))
