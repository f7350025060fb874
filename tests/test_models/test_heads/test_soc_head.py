# Copyright (c) mmrvos contributors. All rights reserved.
"""SOCHead: what it changes in ReferFormerHead (zero query content, VOC and the output layers, its losses
on a hand-built assignment, checked by formula) and predict_by_feat (inherited), checked by formula."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData

from mmrvos.registry import MODELS


@pytest.fixture
def head(tiny_soc_cfg):
    cfg = copy.deepcopy(tiny_soc_cfg)
    head = MODELS.build(dict(cfg['head'], train_cfg=cfg['train_cfg'], test_cfg=cfg['test_cfg']))
    head.init_weights()
    return head


def test_frame_queries_start_from_zero_content(head):
    query_pos = head.query_embed.weight[None].expand(4, -1, -1)
    text = dict(sentence_feats=torch.randn(2, 128))
    assert torch.equal(head.initial_query_content(query_pos, text, 2), torch.zeros(4, 5, 128))


def test_video_queries_and_output_layers(head):
    head.eval()
    n, t, q, c = 1, 2, head.num_queries, 128
    hidden_states = torch.randn(head.decoder.num_layers, n * t, q, c)
    sentence = torch.randn(n, c)
    with torch.no_grad():
        video_queries = head.forward_video_queries(hidden_states, sentence, t, [0, 1])
        queries, outs = head.forward_queries(hidden_states, [(1, 1)], dict(sentence_feats=sentence), t)
    assert video_queries.shape == (2, n, head.voc.num_queries, c)
    # the heads see frame queries + video queries of the same layer
    torch.testing.assert_close(outs['video_queries'][0], video_queries[1])
    torch.testing.assert_close(queries[0], hidden_states[1].view(n, t, q, c) + video_queries[1][:, None])
    frame_level = copy.copy(head)
    frame_level.voc = None
    assert frame_level.forward_video_queries(hidden_states, sentence, t, [1]) is None
    queries, outs = frame_level.forward_queries(hidden_states, [(1, 1)], dict(sentence_feats=sentence), t)
    assert outs == {} and torch.equal(queries[0], hidden_states[1].view(n, t, q, c))

    head.train()
    assert head._output_layers(3) == [(0, 0), (1, 1), (2, 2)]
    head.eval()
    assert head._output_layers(3) == [(2, 2)]
    head.test_cfg['official_layer0_quirk'] = True
    assert head._output_layers(3) == [(0, 2)]
    head.train()
    assert head._output_layers(3) == [(0, 0), (1, 1), (2, 2)]  # the quirk is a test-time one


def _focal(logits, targets, alpha=0.25, gamma=2.0):
    """Element-wise sigmoid focal loss, written out."""
    p = logits.sigmoid()
    pos = -alpha * (1 - p)**gamma * torch.log(p)
    neg = -(1 - alpha) * p**gamma * torch.log(1 - p)
    return targets * pos + (1 - targets) * neg


def _giou(a, b, eps=1e-6):
    """GIoU of xyxy box pairs with the official additive smoothing."""
    inter = ((torch.min(a[:, 2:], b[:, 2:]) - torch.max(a[:, :2], b[:, :2])).clamp(min=0)).prod(1)
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])
    union = area(a) + area(b) - inter
    enclose = (torch.max(a[:, 2:], b[:, 2:]) - torch.min(a[:, :2], b[:, :2])).prod(1)
    return (inter + eps) / (union + eps) - (enclose - union + eps) / (enclose + eps)


def _cxcywh_to_xyxy(b):
    return torch.cat([b[..., :2] - b[..., 2:] / 2, b[..., :2] + b[..., 2:] / 2], -1)


def test_loss_by_feat_on_hand_built_assignment(head):
    torch.manual_seed(0)
    n, t, q, c, h4, w4 = 1, 2, 5, 128, 3, 4
    img_h, img_w = 10, 14  # un-padded frame; the padded input is 12 x 16
    outs = dict(
        cls_scores=torch.randn(1, n, t, q, 1),
        bbox_preds=torch.rand(1, n, t, q, 4) * 0.5 + 0.25,
        mask_preds=torch.randn(1, n, t, q, h4, w4),
        video_queries=torch.randn(1, n, q, c),
        text_embeds=torch.randn(n, c))
    gt_masks = torch.zeros(1, t, 12, 16)
    gt_masks[0, 0, 2:6, 3:9] = 1  # visible in frame 0, absent in frame 1
    gt = InstanceData(labels=torch.zeros(1, dtype=torch.long), masks=gt_masks,
                      bboxes=torch.tensor([[[3., 2., 9., 6.], [0., 0., 0., 0.]]]),
                      valid=torch.tensor([[True, False]]))
    meta = dict(img_shape=(img_h, img_w))
    matched = 3
    assignment = torch.full((q, ), -1, dtype=torch.long)
    assignment[matched] = 0
    head._get_assignment = lambda *args: assignment  # the hand-built assignment: query 3 <-> object 0
    losses = head.loss_by_feat(outs, [gt], [meta])
    assert set(losses) == {'loss_cls', 'loss_mask', 'loss_dice', 'loss_bbox', 'loss_iou', 'loss_contrastive'}

    num_masks = 1 * t  # (frame, object) pairs
    cls_targets = torch.zeros(t, q, 1)
    cls_targets[0, matched] = 1  # only where the object is visible
    expected_cls = 2.0 * _focal(outs['cls_scores'][0, 0], cls_targets).sum() / num_masks
    pred_masks = F.interpolate(outs['mask_preds'][0, 0, :, matched][:, None], size=(12, 16), mode='bilinear',
                               align_corners=False)[:, 0].flatten(1)
    target = gt_masks[0].flatten(1)
    expected_mask = 2.0 * _focal(pred_masks, target).sum() / (num_masks * 12 * 16)
    probs = pred_masks.sigmoid()
    dice = 1 - (2 * (probs * target).sum(1) + 1) / (probs.sum(1) + target.sum(1) + 1)
    expected_dice = 5.0 * dice.sum() / num_masks
    pred_boxes = outs['bbox_preds'][0, 0, :, matched]
    scale = torch.tensor([img_w, img_h, img_w, img_h], dtype=torch.float32)
    xyxy = gt.bboxes[0] / scale
    gt_boxes = torch.cat([(xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]], 1)
    expected_bbox = 2.0 * (pred_boxes - gt_boxes).abs().sum() / num_masks
    expected_iou = 2.0 * (1 - _giou(_cxcywh_to_xyxy(pred_boxes), _cxcywh_to_xyxy(gt_boxes))).sum() / num_masks
    temperature = head.loss_contrastive.temperature or c  # None: the official feature dimension
    sims = outs['video_queries'][0, 0] / temperature @ outs['text_embeds'][0]
    expected_con = -torch.log_softmax(sims, 0)[matched]
    expected = dict(loss_cls=expected_cls, loss_mask=expected_mask, loss_dice=expected_dice,
                    loss_bbox=expected_bbox, loss_iou=expected_iou, loss_contrastive=expected_con)
    for key, value in expected.items():
        torch.testing.assert_close(losses[key], value, rtol=1e-5, atol=1e-6, msg=key)


def test_loss_by_feat_prefixes_auxiliary_layers(head):
    torch.manual_seed(1)
    outs = dict(cls_scores=torch.randn(2, 1, 1, 5, 1), bbox_preds=torch.rand(2, 1, 1, 5, 4) * 0.5 + 0.25,
                mask_preds=torch.randn(2, 1, 1, 5, 2, 2), video_queries=torch.randn(2, 1, 5, 128),
                text_embeds=torch.randn(1, 128))
    gt = InstanceData(labels=torch.zeros(1, dtype=torch.long), masks=torch.ones(1, 1, 8, 8),
                      bboxes=torch.tensor([[[0., 0., 8., 8.]]]), valid=torch.tensor([[True]]))
    losses = head.loss_by_feat(outs, [gt], [dict(img_shape=(8, 8))])
    assert {k for k in losses if k.startswith('d0.')} == {f'd0.{k}' for k in losses if '.' not in k}
    last = head.loss_by_feat({k: (v[1:] if k != 'text_embeds' else v) for k, v in outs.items()}, [gt],
                             [dict(img_shape=(8, 8))])
    assert all(torch.equal(losses[k], last[k]) for k in last)


def _predict_outs():
    # 2 frames, 3 queries: query 0 is best in frame 0, query 1 has the best mean probability
    logits = torch.tensor([[2.0, 1.5, -3.0], [-2.0, 1.0, -3.0]])
    probs = logits.sigmoid()
    assert probs[0].argmax() == 0 and probs.mean(0).argmax() == 1
    torch.manual_seed(2)
    return dict(cls_scores=logits[None, None, :, :, None], bbox_preds=torch.rand(1, 1, 2, 3, 4) * 0.5 + 0.25,
                mask_preds=torch.randn(1, 1, 2, 3, 4, 5))


def test_predict_by_feat_selects_best_video_query(head):
    outs = _predict_outs()
    meta = dict(img_shape=(14, 20), batch_input_shape=(16, 20), ori_shape=(28, 40))
    results = head.predict_by_feat(outs, [[meta, meta]])
    assert len(results) == 1 and len(results[0]) == 2
    mean_prob = outs['cls_scores'][0, 0, :, 1, 0].sigmoid().mean()
    for t, inst in enumerate(results[0]):
        assert set(inst.keys()) == {'masks', 'scores', 'labels', 'instances_id', 'bboxes'}
        assert inst.masks.shape == (1, 28, 40) and inst.masks.dtype == torch.bool
        torch.testing.assert_close(inst.scores, mean_prob[None])
        assert inst.labels.tolist() == [0] and inst.instances_id.tolist() == [0]
        # the logits of the un-padded 4 x 5 cells (14 / 4 rounded up), resized to the original size
        expected = F.interpolate(outs['mask_preds'][0, 0, t, 1][None, None, :4, :5], size=(28, 40),
                                 mode='bilinear', align_corners=False)[0, 0] > 0
        assert torch.equal(inst.masks[0], expected)
        box = outs['bbox_preds'][0, 0, t, 1]
        torch.testing.assert_close(inst.bboxes[0], _cxcywh_to_xyxy(box) * torch.tensor([40., 28., 40., 28.]))


def test_predict_by_feat_all_queries_via_input(head):
    head.test_cfg.update(query_selection='all', mask_upsample='via_input')
    outs = _predict_outs()
    meta = dict(img_shape=(12, 16), batch_input_shape=(16, 20), ori_shape=(24, 32))
    frames = head.predict_by_feat(outs, [[meta, meta]])[0]
    for t, inst in enumerate(frames):
        assert inst.masks.shape == (3, 24, 32) and inst.instances_id.tolist() == [0, 1, 2]
        torch.testing.assert_close(inst.scores, outs['cls_scores'][0, 0, t, :, 0].sigmoid())
        # upsampled to the padded input, thresholded, cropped to img_shape, nearest-resized
        up = F.interpolate(outs['mask_preds'][0, 0, t][:, None], size=(16, 20), mode='bilinear',
                           align_corners=False)[:, 0] > 0
        expected = F.interpolate(up[:, None, :12, :16].float(), size=(24, 32), mode='nearest')[:, 0] > 0.5
        assert torch.equal(inst.masks, expected)
    head.test_cfg['query_selection'] = 'best'
    with pytest.raises(ValueError, match='query_selection'):
        head.predict_by_feat(outs, [[meta, meta]])


def test_mask_threshold_is_on_probabilities(head):
    outs = _predict_outs()
    meta = dict(img_shape=(16, 20), batch_input_shape=(16, 20), ori_shape=(16, 20))
    head.test_cfg['mask_thr'] = 0.8
    inst = head.predict_by_feat(outs, [[meta, meta]])[0][0]
    logits = F.interpolate(outs['mask_preds'][0, 0, 0, 1][None, None], size=(16, 20), mode='bilinear',
                           align_corners=False)[0, 0]
    assert torch.equal(inst.masks[0], logits.sigmoid() > 0.8)
    assert not torch.equal(inst.masks[0], logits > 0)
