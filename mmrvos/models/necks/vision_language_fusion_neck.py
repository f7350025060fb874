# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Callable, Dict, List, Optional, Sequence

import torch.nn.functional as F
from mmdet.models.layers import SinePositionalEncoding
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmrvos.registry import MODELS

from ..layers import MultimodalFusion
from ..layers.cross_modal_fpn_decoder import clip_maps, clip_tokens


def resize_padding_mask(mask: Tensor, size: Sequence[int]) -> Tensor:
    """Nearest-resize a (N, H, W) bool padding mask to ``size`` (as the official code does)."""
    return F.interpolate(mask[None].float(), size=tuple(size)).bool()[0]


@MODELS.register_module()
class VisionLanguageFusionNeck(BaseModule):
    """ReferFormer's input projection and visual <- text early fusion.

    Builds the four levels of the deformable transformer and fuses the words into them:

    * levels 0-2: 1x1 conv + GroupNorm(32) on the backbone stages of stride 8, 16, 32; level 3: a 3x3
      stride-2 conv + GroupNorm on the stride-32 stage (stride 64);
    * language-to-vision (``vlf``, shared by the four levels): every visual token is gated by its
      attention over the words of its clip's sentence, ``V * MHA(V, W + P_w, W)`` (ReferFormer's
      ``VisionLanguageFusionModule``).

    2-D sine position encodings (DETR style, ``offset=-0.5``) are computed from each level's padding
    mask. A subclass adds a fusion step per level in :meth:`fuse_vision_to_language` (SOC's
    :class:`MMFNeck`).

    Args:
        in_channels (Sequence[int]): Channels of the backbone stages of stride 8, 16, 32.
        embed_dims (int): Model dimension. Defaults to 256.
        num_heads (int): Attention heads of the fusion blocks. Defaults to 8.
        num_levels (int): Transformer levels, ``len(in_channels) + 1``. Defaults to 4.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 in_channels: Sequence[int] = (512, 1024, 2048),
                 embed_dims: int = 256,
                 num_heads: int = 8,
                 num_levels: int = 4,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_levels != len(in_channels) + 1:
            raise ValueError(f'num_levels must be len(in_channels) + 1, got {num_levels} and {in_channels}')
        projs = [
            nn.Sequential(nn.Conv2d(c, embed_dims, 1), nn.GroupNorm(32, embed_dims)) for c in in_channels
        ]
        projs.append(
            nn.Sequential(nn.Conv2d(in_channels[-1], embed_dims, 3, stride=2, padding=1),
                          nn.GroupNorm(32, embed_dims)))
        self.input_proj = nn.ModuleList(projs)
        self.vlf = MultimodalFusion(embed_dims, num_heads)
        self.positional_encoding = SinePositionalEncoding(
            num_feats=embed_dims // 2, normalize=True, offset=-0.5)
        self.embed_dims = embed_dims
        self.num_levels = num_levels

    def init_weights(self) -> None:
        """Xavier-uniform input projections with zero bias, as the official code."""
        super().init_weights()
        for proj in self.input_proj:
            nn.init.xavier_uniform_(proj[0].weight, gain=1)
            nn.init.constant_(proj[0].bias, 0)

    def _language_to_vision(self, feat: Tensor, num_frames: int, text: Dict[str, Tensor]) -> Tensor:
        """Gate (N*T, C, h, w) visual features by the words of their clip."""
        fused = self.vlf(clip_tokens(feat, num_frames), text['word_feats'], text['word_mask'],
                         memory_pos=text['word_pos'])
        return clip_maps(fused, num_frames, feat.shape[-2:])

    def fuse_vision_to_language(self, outs: dict, level: int, projected: Tensor, mask: Tensor, pos: Tensor,
                                num_frames: int, text: Dict[str, Tensor]) -> None:
        """Hook run on every level before its language-to-vision fusion; may add entries to ``outs``.

        ReferFormer fuses text into vision only: nothing happens here.

        Args:
            outs (dict): The outputs collected so far (see :meth:`forward`).
            level (int): Transformer level (``len(in_channels)`` is the extra stride-64 level).
            projected (Tensor): The level's projected, un-fused map (N*T, C, h, w).
            mask (Tensor): Its padding mask (N*T, h, w).
            pos (Tensor): Its position encoding (N*T, C, h, w).
            num_frames (int): Frames per clip T.
            text (dict[str, Tensor]): Output of the text encoder.
        """

    def forward(self, feats: Sequence[Tensor], frame_masks: Tensor, num_frames: int, text: Dict[str, Tensor],
                proj_transform: Optional[Callable[[Tensor], Tensor]] = None) -> Dict[str, List[Tensor]]:
        """Project and fuse.

        Args:
            feats (Sequence[Tensor]): Backbone stages of stride 8, 16, 32, each (N*T, C_i, h_i, w_i),
                frames of a clip contiguous.
            frame_masks (Tensor): (N*T, H, W) bool, True at padding pixels of the input frames.
            num_frames (int): Frames per clip T.
            text (dict[str, Tensor]): Output of the text encoder (``word_feats`` (N, S, C),
                ``word_mask`` (N, S) True at padding, ``word_pos`` (N, S, C)).
            proj_transform (callable, optional): Applied to the projected maps of the backbone stages (not
                the extra stride-64 level) before the fusion, e.g. CMA's support squash. Defaults to None.

        Returns:
            dict: ``feats`` / ``masks`` / ``pos``: lists of ``num_levels`` tensors (N*T, C, h, w),
            (N*T, h, w), (N*T, C, h, w), strides 8, 16, 32, 64.
        """
        outs = dict(feats=[], masks=[], pos=[])
        for level in range(self.num_levels):
            projected = self.input_proj[level](feats[min(level, len(feats) - 1)])
            if proj_transform is not None and level < len(feats):
                projected = proj_transform(projected)
            mask = resize_padding_mask(frame_masks, projected.shape[-2:])
            pos = self.positional_encoding(mask)
            self.fuse_vision_to_language(outs, level, projected, mask, pos, num_frames, text)
            outs['feats'].append(self._language_to_vision(projected, num_frames, text))
            outs['masks'].append(mask)
            outs['pos'].append(pos)
        return outs
