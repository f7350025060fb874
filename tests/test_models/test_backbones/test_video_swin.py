# Copyright (c) mmrvos contributors. All rights reserved.
import pytest
import torch

from mmrvos.models.backbones import VideoSwinTransformerRVOS

TINY = dict(embed_dims=16, depths=[1, 2, 1, 1], num_heads=[1, 2, 2, 2])


def test_video_swin_per_frame_outputs():
    model = VideoSwinTransformerRVOS(arch=TINY, drop_path_rate=0.1)
    model.init_weights()
    assert model.train() is model and model.eval() is model
    x = torch.randn(2, 3, 3, 36, 50)
    outs = model(x)
    assert [tuple(o.shape) for o in outs] == [(6, 16, 9, 13), (6, 32, 5, 7), (6, 64, 3, 4), (6, 128, 2, 2)]
    assert model.out_channels == [16, 32, 64, 128]
    # no output norms: stage outputs are raw
    assert all(isinstance(getattr(model, f'norm{i}'), torch.nn.Identity) for i in range(4))
    # frames of a clip are contiguous and clips independent
    single = model(x[1:])
    torch.testing.assert_close(outs[0][3:], single[0], atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match='N, T, C, H, W'):
        model(torch.randn(2, 3, 36, 50))


def test_video_swin_gradients_and_checkpointing():
    model = VideoSwinTransformerRVOS(arch=TINY, with_cp=True)
    model.train()
    outs = model(torch.randn(1, 2, 3, 32, 32, requires_grad=True))
    sum(o.sum() for o in outs).backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing, missing


def test_video_swin_kinetics_checkpoint(tmp_path):
    ref = VideoSwinTransformerRVOS(arch=TINY)
    state = {f'backbone.{k}': v.clone() for k, v in ref.state_dict().items()}
    weight = state['backbone.patch_embed.proj.weight']
    state['backbone.patch_embed.proj.weight'] = torch.cat([weight, 2 * weight], dim=2)  # (C, 3, 2, 4, 4)
    state['backbone.norm.weight'] = torch.ones(128)
    state['backbone.norm.bias'] = torch.zeros(128)
    state['cls_head.fc_cls.weight'] = torch.zeros(400, 128)
    path = tmp_path / 'swin_kinetics.pth'
    torch.save(dict(state_dict=state), path)
    model = VideoSwinTransformerRVOS(arch=TINY, pretrained=str(path))
    model.init_weights()
    torch.testing.assert_close(model.patch_embed.proj.weight, 3 * weight)
    torch.testing.assert_close(model.layers[1].blocks[1].mlp.fc1.weight,
                               ref.layers[1].blocks[1].mlp.fc1.weight)
    torch.save(dict(state_dict={'cls_head.w': torch.zeros(1)}), tmp_path / 'bad.pth')
    with pytest.raises(KeyError, match='bad.pth'):
        VideoSwinTransformerRVOS(arch=TINY, pretrained=str(tmp_path / 'bad.pth')).init_weights()
    with pytest.raises(ValueError, match='pretrained2d'):
        VideoSwinTransformerRVOS(arch=TINY, pretrained2d=True)
