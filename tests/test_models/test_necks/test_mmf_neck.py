# Copyright (c) mmrvos contributors. All rights reserved.
import torch

from mmrvos.models.necks import MMFNeck
from mmrvos.registry import MODELS

SHAPES = ((8, 12), (4, 6), (2, 3))  # strides 8, 16, 32 of a 64 x 96 input


def _neck_inputs(num_clips=2, num_frames=3, dims=(16, 32, 64), embed_dims=64, num_words=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    feats = [torch.randn(num_clips * num_frames, c, h, w, generator=g) for c, (h, w) in zip(dims, SHAPES)]
    frame_masks = torch.zeros(num_clips * num_frames, 64, 96, dtype=torch.bool)
    frame_masks[num_frames:, :, 48:] = True  # the second clip is padded on the right
    word_mask = torch.zeros(num_clips, num_words, dtype=torch.bool)
    word_mask[1, 3:] = True
    text = dict(word_feats=torch.randn(num_clips, num_words, embed_dims, generator=g), word_mask=word_mask,
                word_pos=torch.randn(num_clips, num_words, embed_dims, generator=g))
    return feats, frame_masks, text


def _neck():
    torch.manual_seed(0)
    neck = MMFNeck(in_channels=(16, 32, 64), embed_dims=64, num_heads=4)
    neck.init_weights()
    return neck.eval()


def test_mmf_neck_shapes_and_masks():
    neck = _neck()
    feats, frame_masks, text = _neck_inputs()
    out = neck(feats, frame_masks, 3, text)
    assert [f.shape for f in out['feats']] == [(6, 64, h, w) for h, w in SHAPES + ((1, 2), )]
    assert [m.shape for m in out['masks']] == [(6, h, w) for h, w in SHAPES + ((1, 2), )]
    assert [p.shape for p in out['pos']] == [f.shape for f in out['feats']]
    assert out['text_embeds'].shape == (2, 64)
    # padding masks follow the frames: the second clip's right half is padding at every level
    assert not out['masks'][0][:3].any() and out['masks'][0][3:, :, 6:].all()
    assert not out['masks'][0][3:, :, :6].any()


def test_mmf_neck_sentence_changes_only_its_clip():
    neck = _neck()
    feats, frame_masks, text = _neck_inputs()
    with torch.no_grad():
        base = neck(feats, frame_masks, 3, text)
        other = dict(text, word_feats=text['word_feats'].clone())
        other['word_feats'][0] += 1.0  # another sentence for clip 0
        changed = neck(feats, frame_masks, 3, other)
        padded = dict(text, word_feats=text['word_feats'].clone())
        padded['word_feats'][1, 3:] += 5.0  # clip 1's padding tokens
        same = neck(feats, frame_masks, 3, padded)
    for level in range(4):
        assert not torch.allclose(base['feats'][level][:3], changed['feats'][level][:3])
        torch.testing.assert_close(base['feats'][level][3:], changed['feats'][level][3:])
        torch.testing.assert_close(base['feats'][level], same['feats'][level])
    assert not torch.allclose(base['text_embeds'][0], changed['text_embeds'][0])
    torch.testing.assert_close(base['text_embeds'][1], changed['text_embeds'][1])
    torch.testing.assert_close(base['text_embeds'], same['text_embeds'])


def test_mmf_neck_gradient_reaches_text_projection(tiny_text_encoder_cfg):
    torch.manual_seed(0)
    encoder = MODELS.build(dict(tiny_text_encoder_cfg, embed_dims=64))
    neck = MMFNeck(in_channels=(16, 32, 64), embed_dims=64, num_heads=4)
    neck.init_weights()
    feats, frame_masks, _ = _neck_inputs()
    text = encoder(['a red square moving down', 'the dog'])
    out = neck(feats, frame_masks, 3, text)
    (sum(f.sum() for f in out['feats']) + out['text_embeds'].sum()).backward()
    for param in list(encoder.text_proj.parameters()) + list(neck.vlf.parameters()) + \
            list(neck.lvf.parameters()):
        assert param.grad is not None and param.grad.abs().sum() > 0
