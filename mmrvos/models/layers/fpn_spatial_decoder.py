# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence

import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmrvos.registry import MODELS


@MODELS.register_module()
class FPNSpatialDecoder(BaseModule):
    """FPN-like spatial decoder that produces SOC's stride-4 mask features.

    Starting from the coarsest map, each step is ``ReLU(GN(conv3x3(x)))``, nearest upsampling and
    the addition of a 1x1-projected finer feature map. Channels shrink as ``C, C/2, C/4, C/8, C/16``;
    GroupNorm has 8 groups; a final 3x3 conv gives ``mask_dims`` channels. Attribute names
    (``lay1``... ``out_lay``) follow the official implementation.

    A pixel decoder of :class:`DynamicMaskHead` (the call signature every pixel decoder shares): it
    decodes the stride-32 encoder memory with the stride-16, 8 and 4 maps as the finer inputs and ignores
    the padding masks, positions and text.

    Args:
        context_dims (int): Channels of the coarsest input. Defaults to 256.
        fpn_dims (Sequence[int]): Channels of the finer inputs, coarse to fine
            (strides 16, 8 and 4 in SOC). Two or three entries. Defaults to (256, 256, 96).
        mask_dims (int): Output channels. Defaults to 8.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 context_dims: int = 256,
                 fpn_dims: Sequence[int] = (256, 256, 96),
                 mask_dims: int = 8,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(fpn_dims) not in (2, 3):
            raise ValueError(f'fpn_dims must have 2 or 3 entries, got {fpn_dims}')
        inter = [context_dims // 2**i for i in range(5)]
        self.lay1 = nn.Conv2d(context_dims, inter[0], 3, padding=1)
        self.gn1 = nn.GroupNorm(8, inter[0])
        self.lay2 = nn.Conv2d(inter[0], inter[1], 3, padding=1)
        self.gn2 = nn.GroupNorm(8, inter[1])
        self.lay3 = nn.Conv2d(inter[1], inter[2], 3, padding=1)
        self.gn3 = nn.GroupNorm(8, inter[2])
        self.lay4 = nn.Conv2d(inter[2], inter[3], 3, padding=1)
        self.gn4 = nn.GroupNorm(8, inter[3])
        self.adapter1 = nn.Conv2d(fpn_dims[0], inter[1], 1)
        self.adapter2 = nn.Conv2d(fpn_dims[1], inter[2], 1)
        self.num_fpn_levels = len(fpn_dims)
        if self.num_fpn_levels == 3:
            self.adapter3 = nn.Conv2d(fpn_dims[2], inter[3], 1)
            self.lay5 = nn.Conv2d(inter[3], inter[4], 3, padding=1)
            self.gn5 = nn.GroupNorm(8, inter[4])
            self.out_lay = nn.Conv2d(inter[4], mask_dims, 3, padding=1)
        else:
            self.out_lay = nn.Conv2d(inter[3], mask_dims, 3, padding=1)

    def init_weights(self) -> None:
        """Kaiming-uniform (a=1) conv weights and zero biases, as the official decoder."""
        super().init_weights()
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_uniform_(m.weight, a=1)
                nn.init.constant_(m.bias, 0)

    def forward(self,
                memory: List[Tensor],
                stride4_feats: Tensor,
                stride4_mask: Optional[Tensor] = None,
                masks: Optional[List[Tensor]] = None,
                pos: Optional[List[Tensor]] = None,
                text: Optional[Dict[str, Tensor]] = None,
                num_frames: Optional[int] = None) -> Tensor:
        """Decode (the pixel-decoder signature of :class:`DynamicMaskHead`).

        Args:
            memory (list[Tensor]): Encoder memory at strides 8, 16, 32, each (N*T, C, h, w),
                ``C = context_dims``.
            stride4_feats (Tensor): Backbone stride-4 stage (N*T, C_4, H/4, W/4).
            stride4_mask, masks, pos, text, num_frames: Unused (other pixel decoders need them).

        Returns:
            Tensor: Mask features (N*T, mask_dims, H/4, W/4); with two ``fpn_dims`` entries the
            stride-4 stage is not used and the features are at stride 8.
        """
        return self.decode(memory[2], [memory[1], memory[0], stride4_feats])

    def decode(self, x: Tensor, finer_feats: List[Tensor]) -> Tensor:
        """Decode from the coarsest map.

        Args:
            x (Tensor): Coarsest feature map (N, context_dims, h, w).
            finer_feats (list[Tensor]): Finer maps, coarse to fine, e.g. strides 16, 8, 4; only the first
                ``len(fpn_dims)`` are used.

        Returns:
            Tensor: Mask features (N, mask_dims, H_f, W_f) at the resolution of the finest input used.
        """
        x = F.relu(self.gn1(self.lay1(x)))
        x = F.relu(self.gn2(self.lay2(x)))
        steps = [(self.adapter1, self.lay3, self.gn3), (self.adapter2, self.lay4, self.gn4)]
        if self.num_fpn_levels == 3:
            steps.append((self.adapter3, self.lay5, self.gn5))
        for (adapter, conv, norm), feat in zip(steps, finer_feats):
            lateral = adapter(feat)
            x = lateral + F.interpolate(x, size=lateral.shape[-2:], mode='nearest')
            x = F.relu(norm(conv(x)))
        return self.out_lay(x)
