# Copyright (c) mmrvos contributors. All rights reserved.
"""LBDT's Bilateral Channel Activation (Ding et al., CVPR 2022)."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmrvos.registry import MODELS


@MODELS.register_module()
class BilateralChannelActivation(BaseModule):
    """BCA: channel gates for the appearance and motion decoder maps, then their fusion.

    With ``a = GAP(spa)``, ``m = GAP(tem)`` (B, C) and the sentence feature ``s`` (B, D_t):

    .. code:: text

        z   = ReLU(joint_fc([a; m]))                          shared spatio-temporal code (B, C)
        spa = spa * sigmoid(spa_text_gate([a; s])) * sigmoid(spa_joint_gate(z))
        tem = tem * sigmoid(tem_text_gate([m; s])) * sigmoid(tem_joint_gate(z))
        out = fuse_conv([spa; tem])                           3x3 conv (no bias) + BN + ReLU

    Args:
        channels (int): Channels C of both maps. Defaults to 128.
        text_channels (int): Width D_t of the sentence feature. Defaults to 512.
        norm_cfg (dict): Norm of the fusion convolution. Defaults to BN.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self, channels: int = 128, text_channels: int = 512, norm_cfg: dict = dict(type='BN'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.joint_fc = nn.Linear(2 * channels, channels)
        self.spa_text_gate = nn.Linear(channels + text_channels, channels)
        self.tem_text_gate = nn.Linear(channels + text_channels, channels)
        self.spa_joint_gate = nn.Linear(channels, channels)
        self.tem_joint_gate = nn.Linear(channels, channels)
        self.fuse_conv = ConvModule(2 * channels, channels, 3, padding=1, bias=False, norm_cfg=norm_cfg)

    def forward(self, spa: Tensor, tem: Tensor, sentence: Tensor) -> Tensor:
        """Gate and fuse.

        Args:
            spa (Tensor): (B, C, H, W) appearance map.
            tem (Tensor): (B, C, H, W) motion map.
            sentence (Tensor): (B, D_t) sentence feature.

        Returns:
            Tensor: (B, C, H, W) fused map.
        """
        spa_avg, tem_avg = spa.flatten(2).mean(2), tem.flatten(2).mean(2)
        joint = F.relu(self.joint_fc(torch.cat((spa_avg, tem_avg), 1)))
        spa_gate = torch.sigmoid(self.spa_text_gate(torch.cat((spa_avg, sentence), 1)))
        tem_gate = torch.sigmoid(self.tem_text_gate(torch.cat((tem_avg, sentence), 1)))
        spa = spa * spa_gate[:, :, None, None] * torch.sigmoid(self.spa_joint_gate(joint))[:, :, None, None]
        tem = tem * tem_gate[:, :, None, None] * torch.sigmoid(self.tem_joint_gate(joint))[:, :, None, None]
        return self.fuse_conv(torch.cat((spa, tem), 1))
