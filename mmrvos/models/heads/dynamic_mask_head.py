# Copyright (c) mmrvos contributors. All rights reserved.
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmdet.models.layers import MLP
from mmdet.models.utils import aligned_bilinear
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmrvos.registry import MODELS

from ..layers import FPNSpatialDecoder


@MODELS.register_module()
class SOCDynamicMaskHead(BaseModule):
    """Dynamic-convolution mask head of SOC (CondInst style) with its FPN spatial decoder.

    The spatial decoder turns the stride-32/16/8 encoder memory and the stride-4 backbone stage into
    ``mask_feat_dims``-channel mask features at stride 4. A controller MLP maps every query to the
    weights of a small per-query network of 1x1 convolutions (``num_layers`` layers, ReLU between) that
    runs on the mask features concatenated with the *relative coordinates* ``(ref_x - x, ref_y - y)``
    in pixels of the resized (un-padded) frame, where ``(x, y) = (4 j + 2, 4 i + 2)`` are the centres of
    the stride-4 cells and ``ref`` the query's reference point.

    Args:
        embed_dims (int): Query / memory dimension. Defaults to 256.
        fpn_dims (Tuple[int]): Channels of the stride-16, 8 and 4 inputs of the spatial decoder.
            Defaults to ``(256, 256, 96)``.
        mask_feat_dims (int): Mask feature channels. Defaults to 8.
        dynamic_channels (int): Channels of the dynamic convolutions. Defaults to 8.
        num_layers (int): Dynamic convolution layers. Defaults to 3.
        rel_coords (bool): Append relative coordinates. Defaults to True.
        rel_coords_scale (float): Factor applied to the relative coordinates (in pixels) before the
            dynamic convolutions. Defaults to 1.0 (the official behaviour: raw pixels, so at init the
            coordinates dominate the 8 feature channels by two orders of magnitude). Models trained
            from scratch learn much faster with a scale of about 1/32 (see
            ``configs/synthetic``).
        mask_feat_stride (int): Stride of the mask features. Defaults to 4.
        mask_out_stride (int): Stride of the predicted masks. Defaults to 4.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 embed_dims: int = 256,
                 fpn_dims: Tuple[int, ...] = (256, 256, 96),
                 mask_feat_dims: int = 8,
                 dynamic_channels: int = 8,
                 num_layers: int = 3,
                 rel_coords: bool = True,
                 rel_coords_scale: float = 1.0,
                 mask_feat_stride: int = 4,
                 mask_out_stride: int = 4,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if mask_feat_stride % mask_out_stride != 0:
            raise ValueError('mask_feat_stride must be a multiple of mask_out_stride')
        self.spatial_decoder = FPNSpatialDecoder(embed_dims, fpn_dims, mask_feat_dims)
        self.rel_coords = rel_coords
        self.rel_coords_scale = rel_coords_scale
        self.dynamic_channels = dynamic_channels
        self.mask_feat_stride = mask_feat_stride
        self.mask_out_stride = mask_out_stride
        in_channels = mask_feat_dims + (2 if rel_coords else 0)
        self.weight_nums: List[int] = []
        self.bias_nums: List[int] = []
        for i in range(num_layers):
            c_in = in_channels if i == 0 else dynamic_channels
            c_out = 1 if i == num_layers - 1 else dynamic_channels
            self.weight_nums.append(c_in * c_out)
            self.bias_nums.append(c_out)
        self.controller = MLP(embed_dims, embed_dims, sum(self.weight_nums) + sum(self.bias_nums), 3)

    def init_weights(self) -> None:
        """Xavier controller weights with zero biases (the spatial decoder initialises itself)."""
        super().init_weights()
        for layer in self.controller.layers:
            nn.init.zeros_(layer.bias)
            nn.init.xavier_uniform_(layer.weight)

    def forward_mask_features(self, memory: List[Tensor], stride4_feats: Tensor) -> Tensor:
        """Run the spatial decoder.

        Args:
            memory (list[Tensor]): Encoder memory at strides 8, 16, 32, each (N*T, C, h, w).
            stride4_feats (Tensor): Backbone stride-4 stage (N*T, C_4, H/4, W/4).

        Returns:
            Tensor: Mask features (N*T, mask_feat_dims, H/4, W/4).
        """
        return self.spatial_decoder(memory[2], [memory[1], memory[0], stride4_feats])

    def forward(self, queries: Tensor, reference_points: Tensor, mask_feats: Tensor,
                img_sizes: Tensor) -> Tensor:
        """Predict mask logits.

        Args:
            queries (Tensor): Per-frame queries (N, T, Q, C).
            reference_points (Tensor): Normalised reference centres (N, T, Q, 2) as (x, y).
            mask_feats (Tensor): Mask features (N, T, D, h, w).
            img_sizes (Tensor): (N, 2) un-padded resized frame size of each clip as (h, w).

        Returns:
            Tensor: Mask logits (N, T, Q, h * s, w * s), ``s = mask_feat_stride / mask_out_stride``.
        """
        n, t, q = queries.shape[:3]
        _, _, d, h, w = mask_feats.shape
        params = self.controller(queries).flatten(0, 2)  # (N*T*Q, P)
        feats = mask_feats[:, :, None].expand(n, t, q, d, h, w)
        if self.rel_coords:
            scale = img_sizes.flip(-1).to(reference_points)  # (w, h)
            refs = reference_points * scale[:, None, None, :]
            stride = self.mask_feat_stride
            ys = torch.arange(h, device=queries.device, dtype=torch.float32) * stride + stride // 2
            xs = torch.arange(w, device=queries.device, dtype=torch.float32) * stride + stride // 2
            grid_y, grid_x = torch.meshgrid(ys, xs, indexing='ij')
            locations = torch.stack((grid_x, grid_y), dim=0)  # (2, h, w)
            rel = refs[..., None, None] - locations  # (N, T, Q, 2, h, w)
            if self.rel_coords_scale != 1.0:
                rel = rel * self.rel_coords_scale
            feats = torch.cat([feats, rel.to(feats.dtype)], dim=3)
        feats = feats.reshape(1, -1, h, w)
        weights, biases = self._parse_dynamic_params(params)
        x = feats
        for i, (weight, bias) in enumerate(zip(weights, biases)):
            x = F.conv2d(x, weight, bias=bias, groups=params.shape[0])
            if i < len(weights) - 1:
                x = F.relu(x)
        x = x.reshape(-1, 1, h, w)
        x = aligned_bilinear(x, self.mask_feat_stride // self.mask_out_stride)
        return x.reshape(n, t, q, x.shape[-2], x.shape[-1])

    def _parse_dynamic_params(self, params: Tensor) -> Tuple[List[Tensor], List[Tensor]]:
        """Split (num_insts, P) controller outputs into grouped-conv weights and biases.

        The layout is ``[w_0 | w_1 | ... | b_0 | b_1 | ...]`` with each ``w_i`` stored (out, in).
        """
        num_insts = params.shape[0]
        splits = list(torch.split_with_sizes(params, self.weight_nums + self.bias_nums, dim=1))
        num_layers = len(self.weight_nums)
        weights, biases = [], []
        for i in range(num_layers):
            out_channels = 1 if i == num_layers - 1 else self.dynamic_channels
            weights.append(splits[i].reshape(num_insts * out_channels, -1, 1, 1))
            biases.append(splits[num_layers + i].reshape(num_insts * out_channels))
        return weights, biases
