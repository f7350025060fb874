# Copyright (c) mmrvos contributors. All rights reserved.
import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmrvos.registry import MODELS


def support_squash(x: Tensor, beta: float = 1.3, eps: float = 1e-5) -> Tensor:
    """CMA's element-wise re-mapping of the support features before the visual <- text fusion.

    ``g(x) = f(max(x, 0)) - f(max(-x, 0))`` with ``f(a) = log(1 + 1 / (a + eps)) ** -beta``, i.e.
    ``sign(x) * (f(|x|) - f(0))``: odd, monotone, ``g(0) = 0``; it boosts small magnitudes
    (``g(0.01) ~ 0.095``, ``g(1) ~ 1.57``) and grows like ``|x| ** beta`` for large ones (``g(10) ~ 21``).
    The official code applies it (``beta = 1.3``) to the projected support maps of the three backbone levels.

    Args:
        x (Tensor): Any shape.
        beta (float): Exponent. Defaults to 1.3.
        eps (float): Added to the magnitude before the inverse. Defaults to 1e-5.

    Returns:
        Tensor: Same shape as ``x``.
    """

    def f(a: Tensor) -> Tensor:
        return torch.log(1 / (a + eps) + 1).pow(-beta)

    return f(x.clamp(min=0)) - f((-x).clamp(min=0))


class QueryKeyValue(nn.Module):
    """Three 3x3 convolutions (query, key, value) of one branch of :class:`CrossModalAffinity`.

    The attribute names are the official ones (``query``, ``Key``, ``Value``) so that official
    checkpoints map one to one.

    Args:
        in_channels (int): Input channels.
        key_channels (int): Output channels of ``query`` and ``Key``.
        value_channels (int): Output channels of ``Value``.
    """

    def __init__(self, in_channels: int, key_channels: int, value_channels: int) -> None:
        super().__init__()
        self.query = nn.Conv2d(in_channels, key_channels, 3, padding=1)
        self.Key = nn.Conv2d(in_channels, key_channels, 3, padding=1)
        self.Value = nn.Conv2d(in_channels, value_channels, 3, padding=1)


@MODELS.register_module()
class CrossModalAffinity(BaseModule):
    """CMA's cross-modal affinity between a query clip and a support clip, applied to one feature level.

    `Learning Cross-Modal Affinity for Referring Video Object Segmentation Targeting Limited Samples
    <https://arxiv.org/abs/2309.02041>`_ (ICCV 2023), official ``models/cma.py``.

    .. code:: text

        support S (N*T_s, C, h', w') --bilinear--> (h, w), x support masks --> support_qkv
            --> keys k_s, values v_s of the support's middle frame (N, c, h*w)
        query Q (N*T, C, h, w) --> query_qkv --> queries q of all frames (N, c, T*h*w),
            keys k_q, values v_q of the query's middle frame (N, c, h*w)
        self-affinity:  q'  = LN(q  + drop(v_q softmax_keys(k_q^T q  / sqrt(c))))
        cross-affinity: out = LN(q' + drop(v_s softmax_keys(k_s^T q' / sqrt(c))))   (the same LN)
        --> concat(out as (N*T, c, h, w), conv_q(Q) (N*T, C - c, h, w)) = (N*T, C, h, w)

    Only the middle frames (index ``T // 2``) give keys and values; the softmax runs over the ``h*w``
    keys. The support is resized to the query level's size with ``align_corners=True`` and so are the
    support masks. One module serves every level (the official code shares its convolutions and its
    LayerNorm between the four levels). The official ``support_qkv.query`` exists but is never used; it
    is kept for checkpoint compatibility (no gradient).

    The official training never updates ``support_qkv``, ``query_qkv`` and ``conv_q`` (they are left out
    of every optimizer group, see ``configs/cma/README.md``); only ``layer_norm`` learns.

    Args:
        in_channels (int): Channels of the fused maps C. Defaults to 256.
        channels (int): Key, query and value channels c (``< in_channels``). Defaults to 128.
        dropout (float): Dropout on the affinity outputs. Defaults to 0.1.
        init_cfg (dict, optional): Initialisation config. Defaults to None (PyTorch's defaults, as the
            official code).
    """

    def __init__(self,
                 in_channels: int = 256,
                 channels: int = 128,
                 dropout: float = 0.1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not 0 < channels < in_channels:
            raise ValueError(f'CrossModalAffinity: channels must be in (0, in_channels={in_channels}), '
                             f'got {channels}')
        self.in_channels = in_channels
        self.channels = channels
        self.support_qkv = QueryKeyValue(in_channels, channels, channels)
        self.query_qkv = QueryKeyValue(in_channels, channels, channels)
        self.conv_q = nn.Conv2d(in_channels, in_channels - channels, 1)
        self.dropout = nn.Dropout(dropout)
        self.layer_norm = nn.LayerNorm(channels)

    @staticmethod
    def middle_frame(maps: Tensor, num_frames: int) -> Tensor:
        """(N*T, c, h, w) -> (N, c, h, w) of frame ``T // 2`` of every clip."""
        return maps.unflatten(0, (-1, num_frames))[:, num_frames // 2]

    def attend(self, queries: Tensor, keys: Tensor, values: Tensor) -> Tensor:
        """One affinity step with its residual and LayerNorm.

        Args:
            queries (Tensor): (N, c, L) with ``L = T*h*w``.
            keys (Tensor): (N, c, h*w).
            values (Tensor): (N, c, h*w).

        Returns:
            Tensor: ``LN(queries + dropout(values @ softmax_keys(keys^T @ queries / sqrt(c))))`` (N, c, L).
        """
        affinity = torch.softmax(keys.transpose(1, 2) @ queries / math.sqrt(queries.shape[1]), dim=1)
        out = queries + self.dropout(values @ affinity)
        return self.layer_norm(out.transpose(1, 2)).transpose(1, 2)

    def support_keys_values(self, support_feats: Tensor, support_masks: Tensor, num_support_frames: int,
                            size: Tuple[int, int]) -> Tuple[Tensor, Tensor]:
        """Keys and values of the support's middle frame at the query level's size.

        Args:
            support_feats (Tensor): (N*T_s, C, h', w') fused support maps.
            support_masks (Tensor): (N*T_s, H', W') float support ground truth, over the same extent as
                the maps (the padded support frames).
            num_support_frames (int): T_s.
            size (tuple[int, int]): (h, w) of the query level.

        Returns:
            tuple[Tensor, Tensor]: keys and values (N, c, h*w).
        """
        feats = self.middle_frame(support_feats, num_support_frames)
        masks = self.middle_frame(support_masks[:, None].to(feats.dtype), num_support_frames)
        feats = F.interpolate(feats, size, mode='bilinear', align_corners=True)
        masks = F.interpolate(masks, size, mode='bilinear', align_corners=True)
        fg_feats = feats * masks
        return (self.support_qkv.Key(fg_feats).flatten(2), self.support_qkv.Value(fg_feats).flatten(2))

    def forward(self, query_feats: Tensor, support_feats: Tensor, support_masks: Tensor, num_frames: int,
                num_support_frames: int) -> Tensor:
        """Apply the affinity of one level.

        Args:
            query_feats (Tensor): (N*T, C, h, w) fused query maps.
            support_feats (Tensor): (N*T_s, C, h', w') fused support maps.
            support_masks (Tensor): (N*T_s, H', W') support ground truth (float or bool).
            num_frames (int): Query frames per clip T.
            num_support_frames (int): Support frames per clip T_s.

        Returns:
            Tensor: (N*T, C, h, w).
        """
        num_clips = query_feats.shape[0] // num_frames
        if support_feats.shape[0] != num_clips * num_support_frames or \
                support_masks.shape[0] != support_feats.shape[0]:
            raise ValueError(f'CrossModalAffinity: {num_clips} query clips of {num_frames} frames need '
                             f'{num_clips * num_support_frames} support maps and masks, got '
                             f'{support_feats.shape[0]} and {support_masks.shape[0]}')
        h, w = query_feats.shape[-2:]
        support_k, support_v = self.support_keys_values(support_feats, support_masks, num_support_frames,
                                                        (h, w))
        queries = self.query_qkv.query(query_feats)
        queries = queries.unflatten(0, (num_clips, num_frames)).transpose(1, 2).flatten(2)  # (N, c, T*h*w)
        middle = self.middle_frame(query_feats, num_frames)
        query_k = self.query_qkv.Key(middle).flatten(2)
        query_v = self.query_qkv.Value(middle).flatten(2)
        out = self.attend(self.attend(queries, query_k, query_v), support_k, support_v)
        out = out.unflatten(2, (num_frames, h, w)).transpose(1, 2).flatten(0, 1)  # (N*T, c, h, w)
        return torch.cat([out, self.conv_q(query_feats)], dim=1)
