# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence

from torch import Tensor

from mmrvos.registry import MODELS

from ..layers import MultimodalFusion
from ..layers.cross_modal_fpn_decoder import clip_tokens
from .vision_language_fusion_neck import VisionLanguageFusionNeck


@MODELS.register_module()
class MMFNeck(VisionLanguageFusionNeck):
    """Multi-modal fusion (MMF) neck of SOC: ReferFormer's :class:`VisionLanguageFusionNeck` plus the
    vision-to-language direction.

    * language-to-vision (``vlf``, shared by the four levels, inherited): ``V * MHA(V, W + P_w, W)``;
    * vision-to-language (``lvf``, shared by levels 0-2): the words of a clip are gated by their attention
      over all visual tokens of the clip's frames, ``W * MHA(W, V + P_v, V)`` (un-fused ``V``). Only the
      stride-32 result is used (mean-pooled, it is the text side of the contrastive loss).

    ``W`` is always the projected text, never chained.

    Args:
        in_channels (Sequence[int]): Channels of the backbone stages of stride 8, 16, 32.
        embed_dims (int): Model dimension. Defaults to 256.
        num_heads (int): Attention heads of the two fusion blocks. Defaults to 8.
        num_levels (int): Transformer levels, ``len(in_channels) + 1``. Defaults to 4.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 in_channels: Sequence[int] = (192, 384, 768),
                 embed_dims: int = 256,
                 num_heads: int = 8,
                 num_levels: int = 4,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(in_channels, embed_dims, num_heads, num_levels, init_cfg)
        self.lvf = MultimodalFusion(embed_dims, num_heads)

    def fuse_vision_to_language(self, outs: dict, level: int, projected: Tensor, mask: Tensor, pos: Tensor,
                                num_frames: int, text: Dict[str, Tensor]) -> None:
        """Words gated by the un-fused visual tokens of a backbone level (``outs['fused_words']``, the
        last backbone level's kept)."""
        if level >= self.num_levels - 1:
            return
        outs['fused_words'] = self.lvf(
            text['word_feats'], clip_tokens(projected, num_frames),
            mask.view(mask.shape[0] // num_frames, -1), memory_pos=clip_tokens(pos, num_frames))

    def forward(self, feats: Sequence[Tensor], frame_masks: Tensor, num_frames: int,
                text: Dict[str, Tensor]) -> Dict[str, List[Tensor]]:
        """Project and fuse (arguments: see :meth:`VisionLanguageFusionNeck.forward`).

        Returns:
            dict: ``feats`` / ``masks`` / ``pos`` as :class:`VisionLanguageFusionNeck`, and
            ``text_embeds`` (N, C): mean over the real tokens of the vision-to-language fused words of
            the last backbone level.
        """
        outs = super().forward(feats, frame_masks, num_frames, text)
        fused_words = outs.pop('fused_words')
        valid = (~text['word_mask']).to(fused_words.dtype)[..., None]
        outs['text_embeds'] = (fused_words * valid).sum(1) / valid.sum(1).clamp(min=1)
        return outs
