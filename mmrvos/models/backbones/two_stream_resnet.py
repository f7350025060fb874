# Copyright (c) mmrvos contributors. All rights reserved.
import copy
from typing import List, Optional, Tuple

from mmengine.model import BaseModule
from mmengine.registry import DefaultScope
from torch import Tensor

from mmrvos.registry import MODELS


@MODELS.register_module()
class TwoStreamResNet(BaseModule):
    """Two ResNets with the same architecture and separate weights, driven stage by stage (LBDT).

    The spatial stream sees the current frame, the temporal stream the absolute difference of the
    normalised current and reference frames. :meth:`stem` and :meth:`stage` run one step of both
    streams so that a segmentor can insert cross-stream layers between stages; :meth:`forward` runs all
    stages without them.

    Args:
        resnet (dict): Config of one stream, an mmdet ``ResNet`` (``style='pytorch'``, BN in train mode
            and no frozen stage for LBDT). Its ``init_cfg`` (e.g. torchvision ImageNet weights) is used by
            both streams.
        init_cfg (dict, optional): Initialisation config of the wrapper.
    """

    def __init__(self, resnet: dict, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        with DefaultScope.overwrite_default_scope('mmrvos'):
            self.spatial = MODELS.build(copy.deepcopy(resnet))
            self.temporal = MODELS.build(copy.deepcopy(resnet))
        self.num_stages = len(self.spatial.res_layers)
        channels = self.spatial.feat_dim // 2**(self.num_stages - 1)
        self.out_channels = [channels * 2**i for i in range(self.num_stages)]

    @staticmethod
    def _stem(resnet, x: Tensor) -> Tensor:
        if resnet.deep_stem:
            return resnet.maxpool(resnet.stem(x))
        return resnet.maxpool(resnet.relu(resnet.norm1(resnet.conv1(x))))

    def stem(self, frame: Tensor, difference: Tensor) -> Tuple[Tensor, Tensor]:
        """Stems of both streams.

        Args:
            frame (Tensor): (B, 3, H, W) normalised current frame.
            difference (Tensor): (B, 3, H, W) input of the temporal stream.

        Returns:
            tuple[Tensor, Tensor]: (B, C_stem, H/4, W/4) spatial and temporal features.
        """
        return self._stem(self.spatial, frame), self._stem(self.temporal, difference)

    def stage(self, index: int, spa: Tensor, tem: Tensor) -> Tuple[Tensor, Tensor]:
        """Residual stage ``index`` (0-based, ``layer{index + 1}``) of both streams.

        Args:
            index (int): Stage index.
            spa (Tensor): (B, C_in, H, W) spatial features.
            tem (Tensor): (B, C_in, H, W) temporal features.

        Returns:
            tuple[Tensor, Tensor]: (B, out_channels[index], H', W') spatial and temporal features.
        """
        name = self.spatial.res_layers[index]
        return getattr(self.spatial, name)(spa), getattr(self.temporal, name)(tem)

    def forward(self, frame: Tensor, difference: Tensor) -> List[Tuple[Tensor, Tensor]]:
        """All stages of both streams, without cross-stream layers.

        Returns:
            list[tuple[Tensor, Tensor]]: (spatial, temporal) per stage, strides 4 to 32.
        """
        spa, tem = self.stem(frame, difference)
        outs = []
        for i in range(self.num_stages):
            spa, tem = self.stage(i, spa, tem)
            outs.append((spa, tem))
        return outs
