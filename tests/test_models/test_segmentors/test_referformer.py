# Copyright (c) mmrvos contributors. All rights reserved.
import copy

import torch

from mmrvos.models.segmentors import SOC, ReferFormer
from mmrvos.registry import MODELS
from mmrvos.testing import demo_rvos_inputs


def _build(cfg, **test_cfg):
    cfg = copy.deepcopy(cfg)
    cfg['test_cfg'].update(test_cfg)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_soc_is_referformer_with_its_own_parts():
    assert issubclass(SOC, ReferFormer)
    own = {k for k, v in vars(SOC).items() if callable(v)}
    assert not own, own  # SOC adds no code: its neck and head differ, not the segmentor


def test_referformer_loss_and_gradients(tiny_referformer_cfg):
    model = _build(tiny_referformer_cfg)
    assert model.frame_backbone and type(model.backbone).__name__ == 'ResNet'
    model.train()
    data = demo_rvos_inputs(batch_size=2, num_frames=3, image_shapes=((64, 64), (48, 60)),
                            texts=['a red square', 'the red box on the left'], invisible_frames=(2, ))
    data = model.data_preprocessor(data, True)
    assert data['inputs'].shape == (2, 3, 3, 64, 64)
    head_inputs = model.extract_feat(data['inputs'], data['data_samples'])
    assert set(head_inputs) == {
        'neck_outs', 'stride4_feats', 'stride4_mask', 'text', 'img_sizes', 'num_frames'}
    assert head_inputs['stride4_feats'].shape == (6, 16, 16, 16)
    # clip 1 (48 x 60) is padded: 12 x 15 real cells at stride 4
    mask = head_inputs['stride4_mask']
    assert mask.shape == (6, 16, 16) and not mask[:3].any()
    assert mask[3:, 12:].all() and mask[3:, :, 15:].all() and not mask[3:, :12, :15].any()
    assert set(head_inputs['text']) >= {'word_feats', 'word_mask', 'word_pos', 'sentence_feats'}
    losses = model.loss(**data)
    names = ('loss_cls', 'loss_mask', 'loss_dice', 'loss_bbox', 'loss_iou')
    assert set(losses) == {f'{p}{n}' for p in ('', 'd0.') for n in names}
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    sum(losses.values()).backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    # a frozen text encoder: only its projection learns
    assert all(n.startswith('text_encoder.model.') for n in missing), missing
    assert all(p.grad is not None for p in model.text_encoder.text_proj.parameters())
    assert model.head.query_embed.weight.grad.abs().sum() > 0


def test_referformer_annotated_frame_and_predict(tiny_referformer_cfg):
    model = _build(tiny_referformer_cfg, query_selection='all', key_frames='annotated')
    model.train()
    # A2D-style window: only the middle frame is annotated; the model continues with it alone.
    data = model.data_preprocessor(demo_rvos_inputs(batch_size=2, num_frames=3, annotated_frames=[1]), True)
    batch_frames = model.get_key_frames(data['data_samples'], True)
    assert batch_frames == [[1], [1]]
    head_inputs = model.extract_feat(data['inputs'], data['data_samples'], batch_frames)
    assert head_inputs['num_frames'] == 1 and head_inputs['stride4_feats'].shape[0] == 2
    assert head_inputs['stride4_mask'].shape[0] == 2
    losses = model.loss(**data)
    assert all(torch.isfinite(v) for v in losses.values())
    model.eval()
    data = model.data_preprocessor(demo_rvos_inputs(num_frames=3, annotated_frames=[1]), False)
    with torch.no_grad():
        frames = model.predict(**data)[0]
    annotated = frames[1].pred_track_instances
    assert len(annotated) == 5 and annotated.masks.shape == (5, 64, 64)
    assert len(frames[0].pred_track_instances) == 0 and len(frames[2].pred_track_instances) == 0


def test_referformer_predict_windows_and_sentence(tiny_referformer_cfg):
    model = _build(tiny_referformer_cfg, clip_length=2)
    model.eval()
    data = model.data_preprocessor(demo_rvos_inputs(num_frames=3, texts=['a red square']), False)
    other = copy.deepcopy(data)
    other['data_samples'][0].set_metainfo(dict(text='the dog on the left'))
    with torch.no_grad():
        frames = model.predict(**copy.deepcopy(data))[0]
        outs = model._forward(data['inputs'], data['data_samples'])
        changed = model._forward(other['inputs'], other['data_samples'])
        first = model._forward(data['inputs'][:, :2], [model.slice_frames(data['data_samples'][0], 0, 2)])
    assert outs['mask_preds'].shape == (1, 1, 3, 5, 16, 16)
    # the sentence is the query content: another sentence, other predictions
    assert not torch.allclose(outs['cls_scores'], changed['cls_scores'])
    # windows of 2 frames are independent forwards: frames 0-1 select their own query
    scores = [float(frames[t].pred_track_instances.scores[0]) for t in range(3)]
    assert scores[0] == scores[1]
    assert abs(scores[0] - first['cls_scores'][0, 0, :, :, 0].sigmoid().mean(0).max().item()) < 1e-6


def test_referformer_with_a_video_backbone(tiny_referformer_cfg, tiny_soc_cfg):
    cfg = copy.deepcopy(tiny_referformer_cfg)
    cfg['frame_backbone'] = False
    cfg['backbone'] = copy.deepcopy(tiny_soc_cfg['backbone'])  # Video Swin, stages of 16..128 channels
    model = _build(cfg)
    model.train()
    data = model.data_preprocessor(demo_rvos_inputs(num_frames=2), True)
    losses = model.loss(**data)
    sum(losses.values()).backward()
    assert model.backbone.patch_embed.proj.weight.grad is not None


def test_referformer_with_the_cross_modal_fpn_decoder(tiny_referformer_cfg):
    cfg = copy.deepcopy(tiny_referformer_cfg)
    cfg['head']['mask_head'].update(
        in_channels=32,
        pixel_decoder=dict(type='CrossModalFPNDecoder', in_channels=(16, 128, 128, 128), feat_channels=128,
                           out_channels=32, num_heads=4, feedforward_channels=256, dropout=0.0))
    model = _build(cfg)
    model.train()
    data = demo_rvos_inputs(batch_size=2, num_frames=2, image_shapes=((64, 64), (48, 60)))
    data = model.data_preprocessor(data, True)
    losses = model.loss(**data)
    sum(losses.values()).backward()
    decoder = model.head.mask_head.pixel_decoder
    assert all(p.grad is not None for p in decoder.parameters())
    model.eval()
    with torch.no_grad():
        outs = model._forward(data['inputs'], data['data_samples'])
    assert outs['mask_preds'].shape == (1, 2, 2, 5, 16, 16)
