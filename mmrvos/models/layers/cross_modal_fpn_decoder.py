# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence, Tuple

import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmdet.models.layers import SinePositionalEncoding
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmrvos.registry import MODELS


def clip_tokens(maps: Tensor, num_frames: int) -> Tensor:
    """Flatten per-frame maps into one token sequence per clip.

    Args:
        maps (Tensor): (N * T, C, h, w), the frames of a clip consecutive.
        num_frames (int): Frames per clip T.

    Returns:
        Tensor: (N, T * h * w, C), tokens ordered by (frame, row, column).
    """
    nt, c, h, w = maps.shape
    return maps.view(nt // num_frames, num_frames, c, h * w).transpose(2, 3).reshape(nt // num_frames, -1, c)


def clip_maps(tokens: Tensor, num_frames: int, size: Tuple[int, int]) -> Tensor:
    """Inverse of :func:`clip_tokens`: (N, T * h * w, C) -> (N * T, C, h, w)."""
    n, _, c = tokens.shape
    return tokens.view(n, num_frames, size[0] * size[1], c).transpose(2, 3).reshape(n * num_frames, c, *size)


class ConvNormReLU(nn.Conv2d):
    """A 'same'-padded convolution with an optional norm layer and ReLU after it.

    The norm layer is the attribute ``norm``, so the state-dict keys are ``weight`` (``bias`` only
    without a norm) and ``norm.*``, as detectron2's ``Conv2d`` that the official ReferFormer uses.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Odd kernel size.
        norm_cfg (dict, optional): Norm layer config; None for a biased conv without norm.
        with_relu (bool): Whether a ReLU follows. Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 norm_cfg: Optional[dict] = None,
                 with_relu: bool = False) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=norm_cfg is None)
        self.norm = None if norm_cfg is None else build_norm_layer(norm_cfg, out_channels)[1]
        self.with_relu = with_relu

    def forward(self, x: Tensor) -> Tensor:
        """(B, in_channels, h, w) -> (B, out_channels, h, w)."""
        x = super().forward(x)
        if self.norm is not None:
            x = self.norm(x)
        return F.relu(x) if self.with_relu else x


class VisionLanguageBlock(BaseModule):
    """ReferFormer's vision-language block of the cross-modal FPN (post-norm).

    1. Spatial-temporal self-attention over the visual tokens of all ``T`` frames of a clip; with
       ``sr_ratio > 1`` the queries (features + position), keys (the same) and values (features) are
       nearest-downsampled to ``(int(h / sr_ratio), int(w / sr_ratio))`` per frame, the padding mask
       likewise, and the attention output is bilinearly upsampled back to ``(h, w)``
       (``align_corners=False``); padded pixels are masked keys, but with ``sr_ratio > 1`` the outputs
       of padded (reduced) queries reach their unpadded neighbours through that upsampling, as in the
       official code. Residual, LayerNorm ``norm1``.
    2. Cross-attention of the visual tokens (+ position) to the words: key = word + word position,
       value = word, padded words masked. Residual, ``norm2``.
    3. FFN ``linear2(dropout(relu(linear1(x))))``. Residual, ``norm3``.

    Module names follow the official implementation (``self_attn``, ``multihead_attn``, ``linear1``,
    ``linear2``, ``norm1..3``).

    Args:
        embed_dims (int): Feature dimension C. Defaults to 256.
        num_heads (int): Attention heads. Defaults to 8.
        feedforward_channels (int): Hidden width of the FFN. Defaults to 2048.
        dropout (float): Dropout of the attentions, the FFN and the residual branches. Defaults to 0.1.
        sr_ratio (int): Spatial reduction ratio of the self-attention. Defaults to 1.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 embed_dims: int = 256,
                 num_heads: int = 8,
                 feedforward_channels: int = 2048,
                 dropout: float = 0.1,
                 sr_ratio: int = 1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.sr_ratio = sr_ratio
        self.self_attn = nn.MultiheadAttention(embed_dims, num_heads, dropout=dropout, batch_first=True)
        self.multihead_attn = nn.MultiheadAttention(embed_dims, num_heads, dropout=dropout, batch_first=True)
        self.linear1 = nn.Linear(embed_dims, feedforward_channels)
        self.linear2 = nn.Linear(feedforward_channels, embed_dims)
        self.norm1 = nn.LayerNorm(embed_dims)
        self.norm2 = nn.LayerNorm(embed_dims)
        self.norm3 = nn.LayerNorm(embed_dims)
        self.dropout = nn.Dropout(dropout)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)

    def init_weights(self) -> None:
        """Xavier-uniform on every parameter with more than one dimension, as the official code."""
        super().init_weights()
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def reduced_size(self, size: Tuple[int, int]) -> Tuple[int, int]:
        """The (h, w) at which the self-attention runs for an input of ``size``."""
        reduced = (int(size[0] / self.sr_ratio), int(size[1] / self.sr_ratio))
        if min(reduced) < 1:
            raise ValueError(f'VisionLanguageBlock: a {size[0]}x{size[1]} feature map is too small for '
                             f'sr_ratio {self.sr_ratio} (reduced to {reduced[0]}x{reduced[1]})')
        return reduced

    def forward(self, x: Tensor, pos: Tensor, mask: Tensor, words: Tensor, word_pos: Tensor,
                word_mask: Tensor, num_frames: int) -> Tensor:
        """Fuse one FPN level with the words.

        Args:
            x (Tensor): Visual features (N * T, C, h, w), the T frames of a clip consecutive.
            pos (Tensor): Their position encoding (N * T, C, h, w).
            mask (Tensor): Their padding mask (N * T, h, w), True at padding.
            words (Tensor): Word features (N, S, C).
            word_pos (Tensor): Word position encoding (N, S, C).
            word_mask (Tensor): (N, S) bool, True at padding words.
            num_frames (int): Frames per clip T.

        Returns:
            Tensor: (N * T, C, h, w).
        """
        size = tuple(x.shape[-2:])
        query, value, key_mask = x + pos, x, mask
        attn_size = size
        if self.sr_ratio > 1:
            attn_size = self.reduced_size(size)
            query = F.interpolate(query, size=attn_size, mode='nearest')
            value = F.interpolate(value, size=attn_size, mode='nearest')
            key_mask = F.interpolate(mask[:, None].float(), size=attn_size, mode='nearest')[:, 0].bool()
        query = clip_tokens(query, num_frames)
        attn = self.self_attn(query, query, clip_tokens(value, num_frames),
                              key_padding_mask=key_mask.reshape(query.shape[0], -1), need_weights=False)[0]
        attn = clip_maps(attn, num_frames, attn_size)
        if self.sr_ratio > 1:
            attn = F.interpolate(attn, size=size, mode='bilinear', align_corners=False)
        tokens = self.norm1(clip_tokens(x + self.dropout1(attn), num_frames))

        attn = self.multihead_attn(tokens + clip_tokens(pos, num_frames), words + word_pos, words,
                                   key_padding_mask=word_mask, need_weights=False)[0]
        tokens = self.norm2(tokens + self.dropout2(attn))
        ffn = self.linear2(self.dropout(F.relu(self.linear1(tokens))))
        tokens = self.norm3(tokens + self.dropout3(ffn))
        return clip_maps(tokens, num_frames, size)


@MODELS.register_module()
class CrossModalFPNDecoder(BaseModule):
    """ReferFormer's cross-modal FPN pixel decoder (stride-4 mask features).

    Level ``k`` (1..4 for strides 4, 8, 16, 32) projects its input with ``adapter_k`` (1x1 conv + GN),
    fuses it with the words by ``cross_attn_k`` (:class:`VisionLanguageBlock`, ``sr_ratio`` 8, 4, 2, 1)
    and, from the coarsest level down, adds the nearest-upsampled output of the coarser level before
    ``layer_k`` (3x3 conv + GN + ReLU); ``mask_features`` (3x3 conv) gives the output. The inputs of
    strides 8..32 are the deformable encoder's memory, the stride-4 input the backbone's stride-4
    features, whose position encoding is computed here (sine, normalised, offset -0.5). Submodule names
    are the official ones so that converted checkpoints map key by key.

    Args:
        in_channels (Sequence[int]): Input channels, stride 4 first. Defaults to (256, 256, 256, 256).
        feat_channels (int): Width of the FPN and of the words (official ``conv_dim``). Defaults to 256.
        out_channels (int): Mask feature channels (official ``mask_dim``). Defaults to 256.
        num_heads (int): Attention heads of the blocks. Defaults to 8.
        feedforward_channels (int): FFN width of the blocks. Defaults to 2048.
        dropout (float): Dropout of the blocks. Defaults to 0.1.
        sr_ratios (Sequence[int]): Self-attention reduction ratio per level, stride 4 first.
            Defaults to (8, 4, 2, 1).
        norm_cfg (dict, optional): Norm of the adapters and output convs; None gives biased convs
            without norm. Defaults to ``dict(type='GN', num_groups=8)``.
        init_cfg (dict, optional): Initialisation config. Defaults to Caffe2-Xavier (kaiming-uniform,
            a=1, zero bias) on every conv, as the official code; the blocks init themselves.
    """

    def __init__(self,
                 in_channels: Sequence[int] = (256, 256, 256, 256),
                 feat_channels: int = 256,
                 out_channels: int = 256,
                 num_heads: int = 8,
                 feedforward_channels: int = 2048,
                 dropout: float = 0.1,
                 sr_ratios: Sequence[int] = (8, 4, 2, 1),
                 norm_cfg: Optional[dict] = dict(type='GN', num_groups=8),
                 init_cfg: Optional[dict] = dict(type='Caffe2Xavier', layer='Conv2d')) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(in_channels) != len(sr_ratios):
            raise ValueError(f'CrossModalFPNDecoder: in_channels {tuple(in_channels)} and sr_ratios '
                             f'{tuple(sr_ratios)} must have one entry per level')
        self.num_levels = len(in_channels)
        self.feat_channels = feat_channels
        for k, (channels, sr_ratio) in enumerate(zip(in_channels, sr_ratios), start=1):
            self.add_module(f'adapter_{k}', ConvNormReLU(channels, feat_channels, 1, norm_cfg))
            self.add_module(f'layer_{k}',
                            ConvNormReLU(feat_channels, feat_channels, 3, norm_cfg, with_relu=True))
            self.add_module(f'cross_attn_{k}', VisionLanguageBlock(
                feat_channels, num_heads, feedforward_channels, dropout, sr_ratio))
        self.mask_features = nn.Conv2d(feat_channels, out_channels, 3, padding=1)
        self.positional_encoding = SinePositionalEncoding(
            num_feats=feat_channels // 2, normalize=True, offset=-0.5)

    def _check_inputs(self, memory: List[Tensor], masks: List[Tensor], pos: List[Tensor],
                      text: Dict[str, Tensor], num_frames: int, num_images: int) -> None:
        """Raise a ValueError naming the input that does not fit."""
        for name, value in (('memory', memory), ('masks', masks), ('pos', pos)):
            if len(value) != self.num_levels - 1:
                raise ValueError(f'CrossModalFPNDecoder: {name} has {len(value)} levels, expected '
                                 f'{self.num_levels - 1} (strides 8 and coarser)')
        for key in ('word_feats', 'word_pos'):
            if text[key].shape[-1] != self.feat_channels:
                raise ValueError(f"CrossModalFPNDecoder: text['{key}'] has width {text[key].shape[-1]}, but "
                                 f'feat_channels is {self.feat_channels}')
        num_clips = text['word_feats'].shape[0]
        if num_frames < 1 or num_images != num_clips * num_frames:
            raise ValueError(f'CrossModalFPNDecoder: {num_images} frames do not form '
                             f'{num_clips} clips of num_frames={num_frames}')

    def forward(self, memory: List[Tensor], stride4_feats: Tensor, stride4_mask: Tensor, masks: List[Tensor],
                pos: List[Tensor], text: Dict[str, Tensor], num_frames: int) -> Tensor:
        """Decode the stride-4 mask features.

        Args:
            memory (list[Tensor]): Encoder memory of strides 8, 16, 32, each (N * T, C_k, h_k, w_k).
            stride4_feats (Tensor): Backbone features of stride 4, (N * T, C_1, H / 4, W / 4).
            stride4_mask (Tensor): Their padding mask (N * T, H / 4, W / 4), True at padding.
            masks (list[Tensor]): Padding masks of strides 8, 16, 32, each (N * T, h_k, w_k).
            pos (list[Tensor]): Sine position encodings of strides 8, 16, 32, each (N * T, C, h_k, w_k).
            text (dict[str, Tensor]): ``word_feats`` (N, S, C), ``word_mask`` (N, S) True at padding,
                ``word_pos`` (N, S, C); other keys are ignored.
            num_frames (int): Frames per clip T.

        Returns:
            Tensor: Mask features (N * T, out_channels, H / 4, W / 4).
        """
        self._check_inputs(memory, masks, pos, text, num_frames, stride4_feats.shape[0])
        stride4_pos = self.positional_encoding(stride4_mask).to(stride4_feats.dtype)
        levels = list(zip([stride4_feats, *memory], [stride4_mask, *masks], [stride4_pos, *pos]))
        words, word_pos, word_mask = text['word_feats'], text['word_pos'], text['word_mask'].bool()
        out = None
        for k in range(self.num_levels, 0, -1):
            feats, mask, level_pos = levels[k - 1]
            x = getattr(self, f'adapter_{k}')(feats)
            x = getattr(self, f'cross_attn_{k}')(
                x, level_pos, mask.bool(), words, word_pos, word_mask, num_frames)
            if out is not None:
                x = x + F.interpolate(out, size=x.shape[-2:], mode='nearest')
            out = getattr(self, f'layer_{k}')(x)
        return self.mask_features(out)
