# Copyright (c) mmrvos contributors. All rights reserved.
import pytest
import torch
from test_mmf_neck import SHAPES, _neck_inputs

from mmrvos.models.necks import MMFNeck, VisionLanguageFusionNeck, resize_padding_mask
from mmrvos.registry import MODELS


def _neck():
    torch.manual_seed(0)
    neck = MODELS.build(dict(type='VisionLanguageFusionNeck', in_channels=(16, 32, 64), embed_dims=64,
                             num_heads=4))
    neck.init_weights()
    return neck.eval()


def test_shapes_masks_and_keys():
    neck = _neck()
    assert {k.split('.')[0] for k in neck.state_dict()} == {'input_proj', 'vlf'}
    feats, frame_masks, text = _neck_inputs()
    with torch.no_grad():
        out = neck(feats, frame_masks, 3, text)
    assert set(out) == {'feats', 'masks', 'pos'}
    assert [f.shape for f in out['feats']] == [(6, 64, h, w) for h, w in SHAPES + ((1, 2), )]
    assert [p.shape for p in out['pos']] == [f.shape for f in out['feats']]
    for mask, feat in zip(out['masks'], out['feats']):
        assert torch.equal(mask, resize_padding_mask(frame_masks, feat.shape[-2:]))
    # level 3 is the stride-2 conv of the stride-32 stage, gated by the words
    with torch.no_grad():
        projected = neck.input_proj[3](feats[2])
        torch.testing.assert_close(out['feats'][3], neck._language_to_vision(projected, 3, text))


def test_the_words_gate_every_level_of_their_clip_only():
    neck = _neck()
    feats, frame_masks, text = _neck_inputs()
    with torch.no_grad():
        base = neck(feats, frame_masks, 3, text)
        other = dict(text, word_feats=text['word_feats'].clone())
        other['word_feats'][0] += 1.0  # another sentence for clip 0
        changed = neck(feats, frame_masks, 3, other)
        unfused = [neck.input_proj[level](feats[min(level, 2)]) for level in range(4)]
    for level in range(4):
        assert not torch.allclose(base['feats'][level][:3], changed['feats'][level][:3])
        torch.testing.assert_close(base['feats'][level][3:], changed['feats'][level][3:])
        assert not torch.allclose(base['feats'][level], unfused[level])


@pytest.mark.parametrize('num_frames', [1, 3])
def test_mmf_neck_adds_only_the_vision_to_language_side(num_frames):
    """SOC's MMFNeck: the visual side is ReferFormer's neck with the same weights."""
    vlf_neck = _neck()
    torch.manual_seed(1)
    mmf = MMFNeck(in_channels=(16, 32, 64), embed_dims=64, num_heads=4).eval()
    assert {k.split('.')[0] for k in mmf.state_dict()} == {'input_proj', 'vlf', 'lvf'}
    vlf_neck.load_state_dict({k: v for k, v in mmf.state_dict().items() if not k.startswith('lvf.')})
    feats, frame_masks, text = _neck_inputs(num_frames=num_frames)
    with torch.no_grad():
        expected = vlf_neck(feats, frame_masks, num_frames, text)
        out = mmf(feats, frame_masks, num_frames, text)
    assert set(out) == {'feats', 'masks', 'pos', 'text_embeds'}
    for key in ('feats', 'masks', 'pos'):
        assert all(torch.equal(a, b) for a, b in zip(out[key], expected[key])), key


def test_rejects_a_wrong_number_of_levels():
    with pytest.raises(ValueError, match='num_levels'):
        VisionLanguageFusionNeck(in_channels=(16, 32, 64), embed_dims=64, num_levels=3)
