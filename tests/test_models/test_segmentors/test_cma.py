# Copyright (c) mmrvos contributors. All rights reserved.
import copy

import pytest
import torch
from mmengine.structures import InstanceData

from mmrvos.models.segmentors import CMA, ReferFormer
from mmrvos.registry import MODELS
from mmrvos.testing import demo_episode_inputs, tiny_cma_cfg


@pytest.fixture(scope='module')
def cma_cfg(tiny_text_encoder_cfg):
    return tiny_cma_cfg(tiny_text_encoder_cfg)


def _build(cfg, **test_cfg):
    cfg = copy.deepcopy(cfg)
    cfg['test_cfg'].update(test_cfg)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_cma_is_referformer_with_affinity(cma_cfg):
    model = _build(cma_cfg)
    assert isinstance(model, ReferFormer) and type(model.head).__name__ == 'CMAHead'
    names = {n for n, _ in model.named_parameters()}
    for name in ('affinity.support_qkv.Key.weight', 'affinity.query_qkv.query.weight',
                 'affinity.conv_q.weight', 'affinity.layer_norm.weight', 'head.tgt_embed.weight',
                 'head.refpoint_embed.weight'):
        assert name in names


def test_split_and_crop_each_role(cma_cfg):
    model = _build(cma_cfg)
    model.train()
    # support 40 x 60 -> padded to 64 x 64; query 70 x 50 -> 96 x 64; together 96 x 64
    data = model.data_preprocessor(demo_episode_inputs(batch_size=2, support_frames=3, query_frames=2,
                                                       support_shape=(40, 60), query_shape=(70, 50)), True)
    assert data['inputs'].shape == (2, 5, 3, 96, 64)
    data['inputs'][:, :3, :, 40:] = 5.0  # what the episode packer may leave outside the support frames
    (s_in, s_samples), (q_in, q_samples) = model.split_episode(data['inputs'], data['data_samples'])
    assert s_in.shape == (2, 3, 3, 64, 64) and q_in.shape == (2, 2, 3, 96, 64)
    assert (s_in[..., 40:, :] == 0).all() and (s_in[..., :40, 60:] == 0).all()
    assert torch.equal(q_in[:, :, :, :70, :50], data['inputs'][:, 3:, :, :70, :50])
    assert [len(s) for s in s_samples] == [3, 3] and [len(s) for s in q_samples] == [2, 2]
    assert s_samples[0].metainfo['text'] == 'the support square'
    assert s_samples[0].metainfo['video_id'] == 'support0'
    assert q_samples[1].metainfo['text'] == 'a red square moving right'
    assert s_samples[0][0].metainfo['batch_input_shape'] == (64, 64)
    assert q_samples[0][1].metainfo['batch_input_shape'] == (96, 64)
    assert s_samples[0][0].gt_instances.masks.masks.shape[-2:] == (64, 64)  # training: masks cropped too
    masks = model.get_support_masks(s_samples, (64, 64), s_in.device)
    assert masks.shape == (6, 64, 64) and masks.sum() > 0 and masks[:, 40:].sum() == 0
    # test time: no padding, each role at its frames' size
    model.eval()
    data = model.data_preprocessor(demo_episode_inputs(support_shape=(40, 60), query_shape=(70, 50)), False)
    (s_in, _), (q_in, _) = model.split_episode(data['inputs'], data['data_samples'])
    assert s_in.shape[-2:] == (40, 60) and q_in.shape[-2:] == (70, 50)


def test_cma_loss_on_the_query_and_gradients(cma_cfg):
    model = _build(cma_cfg)
    model.train()
    data = model.data_preprocessor(demo_episode_inputs(batch_size=2, query_frames=3), True)
    losses = model.loss(**data)
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    assert 'loss_dice' in losses and 'd0.loss_dice' in losses
    sum(losses.values()).backward()
    grads = {n: p.grad for n, p in model.named_parameters() if p.requires_grad}
    # the official dead conv: support_qkv.query has no gradient; the rest of the affinity has
    assert grads['affinity.support_qkv.query.weight'] is None
    for name in ('affinity.support_qkv.Key.weight', 'affinity.support_qkv.Value.weight',
                 'affinity.query_qkv.query.weight', 'affinity.conv_q.weight', 'affinity.layer_norm.weight',
                 'head.tgt_embed.weight', 'head.refpoint_embed.weight',
                 'head.decoder.query_scale.layers.0.weight'):
        assert grads[name] is not None and grads[name].abs().sum() > 0, name
    # the support's boxes and labels are no target (the same dropout draws: compare exactly)
    data2 = model.data_preprocessor(demo_episode_inputs(batch_size=2, query_frames=3), True)
    torch.manual_seed(5)
    ref = model.loss(**copy.deepcopy(data2))
    for sample in data2['data_samples']:
        for t in range(3):
            sample[t].gt_instances.bboxes = sample[t].gt_instances.bboxes + 1000
            sample[t].gt_instances.labels = sample[t].gt_instances.labels + 3
    torch.manual_seed(5)
    other = model.loss(**data2)
    for k in ref:
        torch.testing.assert_close(ref[k], other[k])


def test_support_masks_and_middle_frame(cma_cfg):
    model = _build(cma_cfg).eval()
    with torch.no_grad():
        data = model.data_preprocessor(demo_episode_inputs(support_frames=3), False)
        ref = model._forward(**copy.deepcopy(data))['mask_preds']
        changed = copy.deepcopy(data)
        for t in (0, 2):  # frames other than the middle one do not enter the affinity
            changed['data_samples'][0][t].gt_instances.masks.masks[:] = 0
            changed['inputs'][0, t] = torch.randn_like(changed['inputs'][0, t])
        torch.testing.assert_close(model._forward(**changed)['mask_preds'], ref)
        changed['data_samples'][0][1].gt_instances.masks.masks[:] = 0  # empty middle support mask
        assert not torch.allclose(model._forward(**changed)['mask_preds'], ref)


def test_cma_predict_windows_with_cached_support(cma_cfg):
    model = _build(cma_cfg, clip_length=2)
    model.eval()
    data = model.data_preprocessor(demo_episode_inputs(support_frames=3, query_frames=5), False)
    calls = []
    model.backbone.register_forward_hook(lambda m, args, out: calls.append(args[0].shape[0]))
    with torch.no_grad():
        frames = model.predict(**data)[0]
    assert calls == [3, 2, 2, 1]  # the support once, then the query in windows of 2
    assert [len(frames[t].pred_track_instances) for t in range(8)] == [0, 0, 0, 1, 1, 1, 1, 1]
    assert frames[3].pred_track_instances.masks.shape == (1, 64, 56)
    # at test time nothing is resized here: the masks at the resized size are the same
    assert torch.equal(frames[3].pred_track_instances.resized_masks, frames[3].pred_track_instances.masks)


def _episode(**kwargs):
    return demo_episode_inputs(**kwargs)


def test_cma_errors(cma_cfg):
    model = _build(cma_cfg)
    model.eval()
    data = model.data_preprocessor(_episode(), False)
    data['data_samples'][0][1].gt_instances = InstanceData()
    with pytest.raises(ValueError, match=r"support frame 1 \(video 'support0'\) has no masks"):
        model.predict(**data)
    data = model.data_preprocessor(_episode(class_ids=(3, 7)), False)
    with pytest.raises(ValueError, match=r"class\(es\) \[3\], the query frames of \[7\]"):
        model.predict(**data)
    data = model.data_preprocessor(_episode(), False)
    data['data_samples'][0][4].set_metainfo(dict(frame_role='support'))
    with pytest.raises(ValueError, match="episode of class 'square'.*support frames then query frames"):
        model.predict(**data)
    data['data_samples'][0][4].set_metainfo(dict(frame_role=None))
    with pytest.raises(KeyError, match='frame_role'):
        model.predict(**data)
    model.train()
    data = model.data_preprocessor(_episode(batch_size=2), True)
    data['data_samples'][1].video_data_samples = data['data_samples'][1].video_data_samples[:5]
    with pytest.raises(ValueError, match='same numbers of support and query'):
        model.loss(**data)


def test_neck_transform_only_on_backbone_levels(cma_cfg):
    model = _build(cma_cfg).eval()
    feats = [torch.randn(2, c, s, s) for c, s in ((32, 8), (64, 4), (128, 2))]
    masks = torch.zeros(2, 32, 32, dtype=torch.bool)
    text = model.text_encoder(['a square'])
    with torch.no_grad():
        ref = model.neck(feats, masks, 2, text)
        zero = model.neck(feats, masks, 2, text, proj_transform=torch.zeros_like)
    assert all((f == 0).all() for f in zero['feats'][:3])
    torch.testing.assert_close(zero['feats'][3], ref['feats'][3])


def test_cma_exports():
    assert CMA.__mro__[1] is ReferFormer
