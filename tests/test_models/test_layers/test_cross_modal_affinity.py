# Copyright (c) mmrvos contributors. All rights reserved.
import math

import pytest
import torch

from mmrvos.models.layers import CrossModalAffinity, support_squash


def test_support_squash_values_and_oddness():
    x = torch.tensor([0.01, 0.1, 1.0, 10.0])
    g = support_squash(x)
    assert torch.allclose(g, torch.tensor([0.095, 0.28, 1.57, 21.0]), rtol=0.03), g
    assert torch.equal(support_squash(-x), -g)  # odd
    assert support_squash(torch.zeros(1)).item() == 0
    grid = torch.linspace(-5, 5, 101)
    assert (support_squash(grid).diff() > 0).all()  # monotone


def _module(**kwargs):
    torch.manual_seed(0)
    return CrossModalAffinity(**kwargs).eval()


def test_affinity_shapes_and_middle_frames():
    cma = _module(in_channels=16, channels=8)
    query = torch.randn(2 * 3, 16, 4, 5)  # 2 clips of 3 frames
    support = torch.randn(2 * 5, 16, 6, 7)  # 2 clips of 5 support frames, another size
    masks = (torch.rand(2 * 5, 24, 28) > 0.5).float()
    out = cma(query, support, masks, 3, 5)
    assert out.shape == (6, 16, 4, 5)
    # the second half of the channels is conv_q of the query
    assert torch.allclose(out[:, 8:], cma.conv_q(query))
    # keys and values come from the middle frames only: other support frames and masks do not matter
    support2, masks2, query2 = support.clone(), masks.clone(), query.clone()
    for f in (0, 1, 3, 4, 5, 6, 8, 9):
        support2[f] = torch.randn_like(support2[f])
        masks2[f] = 1 - masks2[f]
    assert torch.allclose(cma(query, support2, masks2, 3, 5), out)
    support2[2] += 1  # the middle support frame of clip 0 changes clip 0 only
    changed = cma(query, support2, masks2, 3, 5)
    assert not torch.allclose(changed[:3], out[:3]) and torch.allclose(changed[3:], out[3:])
    # a query frame that is not the middle changes only its own output (a query, not a key)
    query2[0] += 1
    changed = cma(query2, support, masks, 3, 5)
    assert torch.allclose(changed[1:], out[1:], atol=1e-6) and not torch.allclose(changed[0], out[0])
    with pytest.raises(ValueError, match='support maps'):
        cma(query, support[:5], masks[:5], 3, 5)


def test_affinity_written_out():
    """The two affinity steps written out with explicit loops on a tiny case (one clip, 2 frames)."""
    cma = _module(in_channels=4, channels=2)
    query = torch.randn(2, 4, 2, 2)
    support = torch.randn(3, 4, 2, 2)
    masks = torch.ones(3, 2, 2)
    out = cma(query, support, masks, 2, 3)

    def step(q, k, v):  # q: (L, c) tokens, k / v: (K, c)
        res = torch.empty_like(q)
        for i in range(q.shape[0]):
            logits = torch.stack([k[j] @ q[i] / math.sqrt(q.shape[1]) for j in range(k.shape[0])])
            weights = logits.exp() / logits.exp().sum()  # softmax over the keys
            res[i] = q[i] + sum(weights[j] * v[j] for j in range(k.shape[0]))
        return cma.layer_norm(res)

    tokens = lambda x: x.permute(0, 2, 3, 1).reshape(-1, x.shape[1])  # noqa: E731  (frames, h, w) order
    q = tokens(cma.query_qkv.query(query))
    q = step(q, tokens(cma.query_qkv.Key(query[1:2])), tokens(cma.query_qkv.Value(query[1:2])))
    q = step(q, tokens(cma.support_qkv.Key(support[1:2])), tokens(cma.support_qkv.Value(support[1:2])))
    expected = q.view(2, 2, 2, 2).permute(0, 3, 1, 2)
    assert torch.allclose(out[:, :2], expected, atol=1e-5)


def test_affinity_shares_its_layer_norm_and_train_mode_dropout():
    cma = _module(in_channels=8, channels=4)
    norms = [m for m in cma.modules() if isinstance(m, torch.nn.LayerNorm)]
    assert norms == [cma.layer_norm]  # one LayerNorm for both steps
    calls = []
    cma.layer_norm.register_forward_hook(lambda *args: calls.append(1))
    cma(torch.randn(2, 8, 3, 3), torch.randn(2, 8, 3, 3), torch.ones(2, 3, 3), 2, 2)
    assert len(calls) == 2
    assert {n.split('.')[0] for n, _ in cma.named_parameters()} == {
        'support_qkv', 'query_qkv', 'conv_q', 'layer_norm'}
    assert {n for n, _ in cma.support_qkv.named_children()} == {'query', 'Key', 'Value'}
    with pytest.raises(ValueError, match='channels'):
        CrossModalAffinity(in_channels=8, channels=8)
