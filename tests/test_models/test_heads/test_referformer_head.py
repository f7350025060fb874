# Copyright (c) mmrvos contributors. All rights reserved.
"""The named steps of ReferFormerHead (pre_transformer -> forward_encoder -> pre_decoder -> forward_decoder,
the language queries, the prediction heads) and its criterion against the official formulas."""
import copy

import pytest
import torch
from mmdet.models.layers import inverse_sigmoid
from mmengine.structures import InstanceData

from mmrvos.models.heads import ReferFormerHead
from mmrvos.registry import MODELS

SHAPES = ((8, 12), (4, 6), (2, 3), (1, 2))
C = 128


@pytest.fixture
def head_cfg(tiny_referformer_cfg):
    """Arguments of the tiny ReferFormer's head with its train and test configs."""
    cfg = copy.deepcopy(tiny_referformer_cfg)
    return dict(cfg['head'], train_cfg=cfg['train_cfg'], test_cfg=cfg['test_cfg'])


@pytest.fixture
def head(head_cfg):
    torch.manual_seed(0)
    head = MODELS.build(head_cfg)
    head.init_weights()
    with torch.no_grad():  # leave no zero-initialised offsets that would hide a wrong wiring
        for p in head.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    return head.eval()


def _levels(num_frames_total=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    feats = [torch.randn(num_frames_total, C, h, w, generator=g) for h, w in SHAPES]
    pos = [torch.randn(num_frames_total, C, h, w, generator=g) for h, w in SHAPES]
    masks = [torch.zeros(num_frames_total, h, w, dtype=torch.bool) for h, w in SHAPES]
    masks[0][1, :, 6:] = True  # frame 1: right half of level 0 is padding
    return feats, masks, pos


def _text(num_clips=1, seed=1):
    g = torch.Generator().manual_seed(seed)
    return dict(sentence_feats=torch.randn(num_clips, C, generator=g))


def test_pre_transformer_flattens_levels(head):
    feats, masks, pos = _levels()
    encoder_inputs, decoder_inputs = head.pre_transformer(feats, masks, pos)
    assert encoder_inputs['feat'].shape == (2, 96 + 24 + 6 + 2, C)
    assert encoder_inputs['spatial_shapes'].tolist() == [list(s) for s in SHAPES]
    assert encoder_inputs['level_start_index'].tolist() == [0, 96, 120, 126]
    # token (i, j) of level 1 with its level embedding
    i, j = 2, 5
    torch.testing.assert_close(encoder_inputs['feat'][:, 96 + i * 6 + j], feats[1][:, :, i, j])
    torch.testing.assert_close(encoder_inputs['feat_pos'][:, 96 + i * 6 + j],
                               pos[1][:, :, i, j] + head.level_embed[1])
    assert encoder_inputs['feat_mask'][1, :96].view(8, 12)[:, 6:].all()
    assert encoder_inputs['valid_ratios'].shape == (2, 4, 2)
    assert encoder_inputs['valid_ratios'][1, 0].tolist() == [0.5, 1.0]  # (w, h) of frame 1, level 0
    assert decoder_inputs['memory_mask'] is encoder_inputs['feat_mask']
    assert set(decoder_inputs) == {'memory_mask', 'spatial_shapes', 'level_start_index', 'valid_ratios'}


def test_encoder_and_language_queries(head):
    # 2 clips of 2 frames: every query of every frame of a clip starts from the clip's sentence feature
    encoder_inputs, _ = head.pre_transformer(*_levels(num_frames_total=4))
    text = _text(num_clips=2)
    with torch.no_grad():
        encoder_outputs = head.forward_encoder(**encoder_inputs)
        decoder_inputs, head_inputs = head.pre_decoder(**encoder_outputs, text=text, num_frames=2)
    memory = encoder_outputs['memory']
    assert memory.shape == encoder_inputs['feat'].shape
    assert not torch.allclose(memory, encoder_inputs['feat'])
    q = head.num_queries
    assert decoder_inputs['query'].shape == (4, q, C)
    for frame in range(4):
        assert torch.equal(decoder_inputs['query'][frame], text['sentence_feats'][frame // 2].expand(q, C))
    assert torch.equal(decoder_inputs['query_pos'][1], head.query_embed.weight)
    torch.testing.assert_close(decoder_inputs['reference_points'][0],
                               head.reference_points(head.query_embed.weight).sigmoid())
    assert head_inputs['memory'] is memory
    maps = head.memory_to_maps(memory, head_inputs['spatial_shapes'])
    assert [m.shape for m in maps] == [(4, C, h, w) for h, w in SHAPES[:3]]
    torch.testing.assert_close(maps[1][:, :, 2, 5], memory[:, 96 + 2 * 6 + 5])


def test_forward_decoder_and_transformer(head):
    feats, masks, pos = _levels()
    with torch.no_grad():
        encoder_inputs, decoder_inputs = head.pre_transformer(feats, masks, pos)
        encoder_outputs = head.forward_encoder(**encoder_inputs)
        query_inputs, _ = head.pre_decoder(**encoder_outputs, text=_text(), num_frames=2)
        decoder_outputs = head.forward_decoder(**decoder_inputs, **query_inputs)
        whole = head.forward_transformer(feats, masks, pos, _text(), 2)
    num_layers, q = head.decoder.num_layers, head.num_queries
    assert decoder_outputs['hidden_states'].shape == (num_layers, 2, q, C)
    references = decoder_outputs['references']
    assert len(references) == num_layers + 1
    assert references[0].shape == (2, q, 2) and all(r.shape == (2, q, 4) for r in references[1:])
    assert set(whole) == {'hidden_states', 'references', 'memory', 'spatial_shapes'}
    torch.testing.assert_close(whole['hidden_states'], decoder_outputs['hidden_states'])


def test_queries_follow_the_sentence(head):
    feats, masks, pos = _levels()
    other = _text(seed=2)
    with torch.no_grad():
        base = head.forward_transformer(feats, masks, pos, _text(), 2)
        changed = head.forward_transformer(feats, masks, pos, other, 2)
        same = head.forward_transformer(feats, masks, pos, _text(), 2)
    torch.testing.assert_close(base['memory'], changed['memory'])  # the encoder does not see the text
    assert not torch.allclose(base['hidden_states'], changed['hidden_states'], atol=1e-3)
    assert torch.equal(base['hidden_states'], same['hidden_states'])


def test_a_subclass_overrides_one_step(head, head_cfg):

    class ShiftedReferences(ReferFormerHead):

        def pre_decoder(self, memory, memory_mask, spatial_shapes, text, num_frames):
            decoder_inputs, head_inputs = super().pre_decoder(memory, memory_mask, spatial_shapes, text,
                                                              num_frames)
            decoder_inputs['reference_points'] = torch.full_like(decoder_inputs['reference_points'], 0.5)
            return decoder_inputs, head_inputs

    variant = ShiftedReferences(**{k: v for k, v in head_cfg.items() if k != 'type'})
    variant.load_state_dict(head.state_dict())  # the same weights
    variant.eval()
    feats, masks, pos = _levels()
    with torch.no_grad():
        base = head.forward_transformer(feats, masks, pos, _text(), 2)
        shifted = variant.forward_transformer(feats, masks, pos, _text(), 2)
    assert torch.equal(shifted['references'][0], torch.full_like(base['references'][0], 0.5))
    assert not torch.allclose(shifted['hidden_states'], base['hidden_states'])
    torch.testing.assert_close(shifted['memory'], base['memory'])  # the encoder is untouched


def test_predictions(head):
    n, t, q = 1, 2, head.num_queries
    queries = torch.randn(n, t, q, C)
    references = [torch.rand(n * t, q, 2), torch.rand(n * t, q, 4), torch.rand(n * t, q, 4)]
    mask_feats = torch.randn(n, t, 8, 6, 7)
    img_sizes = torch.tensor([[22, 26]])
    with torch.no_grad():
        cls0, boxes0, masks0 = head.forward_predictions(queries, 0, references, mask_feats, img_sizes)
        cls1, boxes1, _ = head.forward_predictions(queries, 1, references, mask_feats, img_sizes)
        offsets0, offsets1 = head.bbox_embed[0](queries), head.bbox_embed[1](queries)
        centres = references[1][..., :2].view(n, t, q, 2)
        expected_masks = head.mask_head(queries, centres, mask_feats, img_sizes)
    assert cls0.shape == (n, t, q, 1) and boxes0.shape == (n, t, q, 4) and masks0.shape == (n, t, q, 6, 7)
    torch.testing.assert_close(cls0, head.class_embed[0](queries))
    # layer 0: the centre refines the initial point, the size is predicted outright
    ref0 = inverse_sigmoid(references[0]).view(n, t, q, 2)
    torch.testing.assert_close(boxes0[..., :2], (offsets0[..., :2] + ref0).sigmoid())
    torch.testing.assert_close(boxes0[..., 2:], offsets0[..., 2:].sigmoid())
    # later layers refine the previous layer's box; masks centre on the layer's own refined box
    torch.testing.assert_close(boxes1, (offsets1 + inverse_sigmoid(references[1]).view(n, t, q, 4)).sigmoid())
    torch.testing.assert_close(masks0, expected_masks)


def test_output_layers_and_forward(head):
    head.train()
    assert head._output_layers(3) == [(0, 0), (1, 1), (2, 2)]
    head.eval()
    assert head._output_layers(3) == [(2, 2)]
    n, t = 1, 2
    feats, masks, pos = _levels(n * t)
    neck_outs = dict(feats=feats, masks=masks, pos=pos)
    kwargs = dict(neck_outs=neck_outs, stride4_feats=torch.randn(n * t, 16, 16, 24),
                  stride4_mask=torch.zeros(n * t, 16, 24, dtype=torch.bool), text=_text(n),
                  img_sizes=torch.tensor([[64, 96]]), num_frames=t)
    with torch.no_grad():
        outs = head(**kwargs)
        head.train()
        train_outs = head(**kwargs)
    assert set(outs) == {'cls_scores', 'bbox_preds', 'mask_preds'}
    q, layers = head.num_queries, head.decoder.num_layers
    assert outs['cls_scores'].shape == (1, n, t, q, 1) and outs['mask_preds'].shape == (1, n, t, q, 16, 24)
    assert train_outs['bbox_preds'].shape == (layers, n, t, q, 4)
    torch.testing.assert_close(train_outs['cls_scores'][-1], outs['cls_scores'][0])


# --------------------------------------------------------------------------------------------------
# criterion (official ReferFormer models/criterion.py, written out)
def _focal(logits, targets, alpha=0.25, gamma=2.0):
    """Element-wise sigmoid focal loss, written out."""
    p = logits.sigmoid()
    pos = -alpha * (1 - p)**gamma * torch.log(p)
    neg = -(1 - alpha) * p**gamma * torch.log(1 - p)
    return targets * pos + (1 - targets) * neg


def _giou(a, b):
    """GIoU of xyxy box pairs (DETR's generalized_box_iou, diagonal)."""
    inter = ((torch.min(a[:, 2:], b[:, 2:]) - torch.max(a[:, :2], b[:, :2])).clamp(min=0)).prod(1)
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])
    union = area(a) + area(b) - inter
    enclose = (torch.max(a[:, 2:], b[:, 2:]) - torch.min(a[:, :2], b[:, :2])).prod(1)
    return inter / union - (enclose - union) / enclose


def _cxcywh_to_xyxy(b):
    return torch.cat([b[..., :2] - b[..., 2:] / 2, b[..., :2] + b[..., 2:] / 2], -1)


def test_mask_targets_are_padded_and_sampled_at_cell_centres(head):
    masks = torch.rand(1, 2, 40, 60)  # padded input 40 x 60; predictions at stride 4 cover 48 x 64
    gt = InstanceData(labels=torch.zeros(1, dtype=torch.long), masks=masks, valid=torch.ones(1, 2).bool(),
                      bboxes=torch.zeros(1, 2, 4))
    sampled = head.get_mask_targets(gt, (12, 16))
    assert sampled.masks.shape == (1, 2, 12, 16)
    assert torch.equal(sampled.masks[..., :10, :15], masks[..., 2::4, 2::4])
    assert not sampled.masks[..., 10:, :].any() and not sampled.masks[..., 15:].any()
    assert torch.equal(sampled.valid, gt.valid) and torch.equal(sampled.labels, gt.labels)
    # inputs larger than the grid of the predictions are cropped to it
    assert head.get_mask_targets(gt, (8, 12)).masks.shape == (1, 2, 8, 12)


def test_loss_by_feat_on_hand_built_assignment(head):
    torch.manual_seed(0)
    n, t, q, h4, w4 = 1, 3, 5, 4, 6
    img_h, img_w = 14, 22  # un-padded frame; the padded input is 16 x 24
    outs = dict(cls_scores=torch.randn(1, n, t, q, 1), bbox_preds=torch.rand(1, n, t, q, 4) * 0.5 + 0.25,
                mask_preds=torch.randn(1, n, t, q, h4, w4))
    gt_masks = torch.zeros(1, t, 16, 24)
    gt_masks[0, 0, 2:9, 3:11] = 1
    gt_masks[0, 2, 4:12, 6:20] = 1  # frame 1: the object is invisible
    gt = InstanceData(labels=torch.zeros(1, dtype=torch.long), masks=gt_masks,
                      bboxes=torch.tensor([[[3., 2., 11., 9.], [0., 0., 0., 0.], [6., 4., 20., 12.]]]),
                      valid=torch.tensor([[True, False, True]]))
    matched = 3
    assignment = torch.full((q, ), -1, dtype=torch.long)
    assignment[matched] = 0
    seen = {}

    def assign(outs_, gt_, img_meta, clip):
        seen['gt_masks'] = gt_.masks
        return assignment  # the hand-built assignment: query 3 <-> object 0

    head._get_assignment = assign
    losses = head.loss_by_feat(outs, [gt], [dict(img_shape=(img_h, img_w))])
    assert set(losses) == {'loss_cls', 'loss_mask', 'loss_dice', 'loss_bbox', 'loss_iou'}
    assert seen['gt_masks'].shape == (1, t, h4, w4)  # the assigner sees the sampled masks

    num_boxes = 2  # visible (frame, object) pairs
    cls_targets = torch.zeros(t, q, 1)
    cls_targets[[0, 2], matched] = 1  # only where the object is visible
    expected_cls = 2.0 * _focal(outs['cls_scores'][0, 0], cls_targets).sum() / num_boxes
    pred_masks = outs['mask_preds'][0, 0, :, matched].flatten()[None]  # the clip volume (1, T*h*w)
    target = gt_masks[0, :, 2::4, 2::4].flatten()[None]
    expected_mask = 2.0 * _focal(pred_masks, target).mean(1).sum() / num_boxes
    probs = pred_masks.sigmoid()
    dice = 1 - (2 * (probs * target).sum(1) + 1) / (probs.sum(1) + target.sum(1) + 1)
    expected_dice = 5.0 * dice.sum() / num_boxes
    # boxes in every frame, the invisible one included (its target is the zero box)
    pred_boxes = outs['bbox_preds'][0, 0, :, matched]
    scale = torch.tensor([img_w, img_h, img_w, img_h], dtype=torch.float32)
    xyxy = gt.bboxes[0] / scale
    gt_boxes = torch.cat([(xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]], 1)
    expected_bbox = 5.0 * (pred_boxes - gt_boxes).abs().sum() / num_boxes
    expected_iou = 2.0 * (1 - _giou(_cxcywh_to_xyxy(pred_boxes), _cxcywh_to_xyxy(gt_boxes))).sum() / num_boxes
    expected = dict(loss_cls=expected_cls, loss_mask=expected_mask, loss_dice=expected_dice,
                    loss_bbox=expected_bbox, loss_iou=expected_iou)
    for key, value in expected.items():
        torch.testing.assert_close(losses[key], value, rtol=1e-5, atol=1e-6, msg=key)


def test_loss_by_feat_prefixes_auxiliary_layers_and_assigns(head):
    torch.manual_seed(1)
    outs = dict(cls_scores=torch.randn(2, 1, 2, 5, 1), bbox_preds=torch.rand(2, 1, 2, 5, 4) * 0.5 + 0.25,
                mask_preds=torch.randn(2, 1, 2, 5, 2, 2))
    gt = InstanceData(labels=torch.zeros(1, dtype=torch.long), masks=torch.ones(1, 2, 8, 8),
                      bboxes=torch.tensor([[[0., 0., 8., 8.], [0., 0., 8., 8.]]]),
                      valid=torch.tensor([[True, True]]))
    losses = head.loss_by_feat(outs, [gt], [dict(img_shape=(8, 8))])
    assert {k for k in losses if k.startswith('d0.')} == {f'd0.{k}' for k in losses if '.' not in k}
    last = head.loss_by_feat({k: v[1:] for k, v in outs.items()}, [gt], [dict(img_shape=(8, 8))])
    assert all(torch.equal(losses[k], last[k]) for k in last)
    # the real assigner picks the query of the lowest total cost (one object: argmin)
    sampled = head.get_mask_targets(gt, (2, 2))
    assigned = head._get_assignment({k: v[1, :] for k, v in outs.items()}, sampled, dict(img_shape=(8, 8)), 0)
    assert (assigned >= 0).sum() == 1 and assigned.max() == 0
