# Copyright (c) mmrvos contributors. All rights reserved.
import copy

import pytest
import torch

from mmrvos.registry import MODELS
from mmrvos.testing import demo_rvos_inputs


def _build(cfg, **test_cfg):
    cfg = copy.deepcopy(cfg)
    cfg['test_cfg'].update(test_cfg)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_soc_loss_and_gradients(tiny_soc_cfg):
    model = _build(tiny_soc_cfg)
    model.train()
    data = demo_rvos_inputs(batch_size=2, num_frames=3, image_shapes=((64, 64), (48, 60)),
                            texts=['a red square', 'the red box on the left'], invisible_frames=(2, ))
    data = model.data_preprocessor(data, True)
    assert data['inputs'].shape == (2, 3, 3, 64, 64)
    losses = model.loss(**data)
    names = ('loss_cls', 'loss_mask', 'loss_dice', 'loss_bbox', 'loss_iou', 'loss_contrastive')
    assert set(losses) == {f'{p}{n}' for p in ('', 'd0.') for n in names}
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    # random video queries: the contrastive loss is about ln(num_queries)
    assert abs(losses['loss_contrastive'].item() - torch.log(torch.tensor(5.)).item()) < 0.5
    sum(losses.values()).backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing, missing


def test_soc_frozen_text_encoder_and_annotated_frame(tiny_soc_cfg):
    cfg = copy.deepcopy(tiny_soc_cfg)
    cfg['text_encoder']['freeze'] = True
    model = _build(cfg)
    model.train()
    # A2D-style window: only the middle frame is annotated; the model continues with it alone.
    data = model.data_preprocessor(demo_rvos_inputs(batch_size=2, num_frames=3, annotated_frames=[1]), True)
    batch_frames = model.get_key_frames(data['data_samples'], True)
    assert batch_frames == [[1], [1]]
    head_inputs = model.extract_feat(data['inputs'], data['data_samples'], batch_frames)
    assert head_inputs['num_frames'] == 1 and head_inputs['stride4_feats'].shape[0] == 2
    assert model.head(**head_inputs)['mask_preds'].shape[:4] == (2, 2, 1, 5)
    losses = model.loss(**data)
    sum(losses.values()).backward()
    assert all(p.grad is None for p in model.text_encoder.model.parameters())
    assert all(p.grad is not None for p in model.text_encoder.text_proj.parameters())


def test_soc_predict_video_selection(tiny_soc_cfg):
    model = _build(tiny_soc_cfg)
    model.eval()
    data = demo_rvos_inputs(batch_size=1, num_frames=3, image_shapes=((40, 52), ))
    data['data_samples'][0][0].set_metainfo(dict(ori_shape=(80, 104)))
    for sample in data['data_samples'][0]:
        sample.set_metainfo(dict(ori_shape=(80, 104)))
    data = model.data_preprocessor(data, False)
    with torch.no_grad():
        results = model.predict(**data)
        outs = model._forward(data['inputs'], data['data_samples'])
    assert outs['cls_scores'].shape == (1, 1, 3, 5, 1) and outs['mask_preds'].shape == (1, 1, 3, 5, 10, 13)
    frames = results[0]
    inst = [frames[t].pred_track_instances for t in range(3)]
    assert all(i.masks.shape == (1, 80, 104) and i.masks.dtype == torch.bool for i in inst)
    best = outs['cls_scores'][0, 0, :, :, 0].sigmoid().mean(0).argmax()
    expected = torch.nn.functional.interpolate(outs['mask_preds'][0, 0, :, best][:, None], (80, 104),
                                               mode='bilinear', align_corners=False)[:, 0] > 0
    assert all(torch.equal(inst[t].masks[0], expected[t]) for t in range(3))
    assert len({float(i.scores[0]) for i in inst}) == 1 and all(i.bboxes.shape == (1, 4) for i in inst)


def test_soc_predict_all_queries_on_annotated_frame(tiny_soc_cfg):
    model = _build(tiny_soc_cfg, query_selection='all', key_frames='annotated', mask_upsample='via_input')
    model.eval()
    data = model.data_preprocessor(demo_rvos_inputs(num_frames=3, annotated_frames=[1]), False)
    with torch.no_grad():
        frames = model.predict(**data)[0]
    annotated = frames[1].pred_track_instances
    assert len(annotated) == 5 and annotated.masks.shape == (5, 64, 64)
    assert len(frames[0].pred_track_instances) == 0 and len(frames[2].pred_track_instances) == 0


def test_soc_clip_length_and_layer0_quirk(tiny_soc_cfg):
    model = _build(tiny_soc_cfg, clip_length=2)
    quirk = _build(tiny_soc_cfg, official_layer0_quirk=True)
    model.eval()
    quirk.eval()
    data = model.data_preprocessor(demo_rvos_inputs(num_frames=3), False)
    with torch.no_grad():
        frames = model.predict(**copy.deepcopy(data))[0]
        fixed = model._forward(data['inputs'], data['data_samples'])
        official = quirk._forward(data['inputs'], data['data_samples'])
        # windows of 2 frames are independent forwards: frames 0-1, then frame 2 alone
        first = model._forward(data['inputs'][:, :2], [model.slice_frames(data['data_samples'][0], 0, 2)])
        last = model._forward(data['inputs'][:, 2:], [model.slice_frames(data['data_samples'][0], 2, 3)])
    scores = [float(frames[t].pred_track_instances.scores[0]) for t in range(3)]
    assert scores[0] == scores[1]
    assert abs(scores[0] - first['cls_scores'][0, 0, :, :, 0].sigmoid().mean(0).max().item()) < 1e-6
    assert abs(scores[2] - last['cls_scores'][0, 0, 0, :, 0].sigmoid().max().item()) < 1e-6
    # the quirk applies decoder layer 0's heads (to hs[0] + VOC(hs[-1])): different outputs
    assert not torch.allclose(fixed['cls_scores'], official['cls_scores'])
    torch.testing.assert_close(fixed['video_queries'], official['video_queries'])


def test_soc_batch_clips_are_independent(tiny_soc_cfg):
    model = _build(tiny_soc_cfg)
    model.eval()
    data = model.data_preprocessor(demo_rvos_inputs(batch_size=2, num_frames=3,
                                                    texts=['a red square', 'the dog on the left']), False)
    with torch.no_grad():
        both = model._forward(data['inputs'], data['data_samples'])
        second = model._forward(data['inputs'][1:], data['data_samples'][1:])
    for key in ('cls_scores', 'bbox_preds', 'mask_preds'):
        torch.testing.assert_close(both[key][:, 1:], second[key], atol=1e-4, rtol=1e-4)


def test_soc_rejects_bad_input(tiny_soc_cfg):
    model = _build(tiny_soc_cfg)
    data = model.data_preprocessor(demo_rvos_inputs(num_frames=2), True)
    data['data_samples'][0].set_metainfo(dict(text=None))
    with pytest.raises(KeyError, match='clip0'):
        model.loss(**data)


def _frame_level_cfg(tiny_soc_cfg):
    cfg = copy.deepcopy(tiny_soc_cfg)
    cfg['head']['voc'] = None
    cfg['head']['loss_contrastive'] = None
    return cfg


def test_soc_frame_level_ablation_without_voc(tiny_soc_cfg):
    model = _build(_frame_level_cfg(tiny_soc_cfg))
    assert model.head.voc is None
    model.train()
    data = model.data_preprocessor(demo_rvos_inputs(num_frames=3, invisible_frames=(2, )), True)
    losses = model.loss(**data)
    assert not any('contrastive' in k for k in losses)
    assert {'loss_cls', 'loss_mask', 'loss_dice', 'loss_bbox', 'loss_iou'} <= set(losses)
    sum(losses.values()).backward()
    missing = {n for n, p in model.named_parameters() if p.requires_grad and p.grad is None}
    # only the text side that feeds VOC (sentence pooler) and the contrastive loss (lvf) goes unused
    unused_prefixes = ('text_encoder.model.pooler.', 'neck.lvf.')
    assert missing and all(n.startswith(unused_prefixes) for n in missing), missing


@pytest.mark.parametrize('with_voc', [False, True])
def test_soc_frames_interact_only_through_voc(tiny_soc_cfg, with_voc):
    cfg = copy.deepcopy(tiny_soc_cfg if with_voc else _frame_level_cfg(tiny_soc_cfg))
    # a temporal window of 1 keeps Video Swin per frame, so only the query side can mix frames
    cfg['backbone']['window_size'] = (1, 7, 7)
    model = _build(cfg)
    model.eval()
    data = model.data_preprocessor(demo_rvos_inputs(num_frames=3), False)
    single = model.data_preprocessor(demo_rvos_inputs(num_frames=3), False)
    single['inputs'] = single['inputs'][:, 1:2]
    with torch.no_grad():
        clip = model._forward(data['inputs'], data['data_samples'])
        frame = model._forward(single['inputs'], data['data_samples'])
    same = torch.allclose(clip['cls_scores'][:, :, 1:2], frame['cls_scores'], atol=1e-5)
    # without VOC a frame's prediction does not depend on the other frames of the clip
    assert same != with_voc


def test_soc_contrastive_loss_needs_voc(tiny_soc_cfg):
    cfg = copy.deepcopy(tiny_soc_cfg)
    cfg['head']['voc'] = None
    with pytest.raises(ValueError, match='loss_contrastive=None'):
        MODELS.build(cfg)
