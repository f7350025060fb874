# Copyright (c) mmrvos contributors. All rights reserved.
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmdet.models.layers import MLP
from mmdet.models.utils import aligned_bilinear
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmrvos.registry import MODELS


@MODELS.register_module()
class DynamicMaskHead(BaseModule):
    """Dynamic-convolution mask head of ReferFormer and SOC (CondInst style) with its pixel decoder.

    The pixel decoder (a registered module, ``FPNSpatialDecoder`` for SOC, ``CrossModalFPNDecoder`` for
    ReferFormer) turns the encoder memory and the stride-4 backbone stage into ``in_channels``-channel
    mask features at stride 4. A controller MLP maps every query to the weights of a small per-query
    network of 1x1 convolutions (``num_layers`` layers, ReLU between) that runs on the mask features
    concatenated with the *relative coordinates* ``(ref_x - x, ref_y - y)`` in pixels of the resized
    (un-padded) frame, where ``(x, y) = (4 j + 2, 4 i + 2)`` are the centres of the stride-4 cells and
    ``ref`` the query's reference point.

    Checkpoints written before the pixel decoder was configurable (keys ``mask_head.spatial_decoder.*``)
    load into ``mask_head.pixel_decoder.*``.

    Args:
        embed_dims (int): Query dimension. Defaults to 256.
        pixel_decoder (dict): Pixel decoder config; it is called with the keyword arguments of
            :meth:`forward_mask_features`. Defaults to SOC's ``FPNSpatialDecoder``.
        in_channels (int): Mask feature channels (the pixel decoder's output): 8 for SOC, 256 for
            ReferFormer. Defaults to 8.
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
                 pixel_decoder: dict = dict(
                     type='FPNSpatialDecoder', context_dims=256, fpn_dims=(256, 256, 96), mask_dims=8),
                 in_channels: int = 8,
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
        self.pixel_decoder = MODELS.build(pixel_decoder)
        self.rel_coords = rel_coords
        self.rel_coords_scale = rel_coords_scale
        self.dynamic_channels = dynamic_channels
        self.mask_feat_stride = mask_feat_stride
        self.mask_out_stride = mask_out_stride
        in_channels = in_channels + (2 if rel_coords else 0)
        self.weight_nums: List[int] = []
        self.bias_nums: List[int] = []
        for i in range(num_layers):
            c_in = in_channels if i == 0 else dynamic_channels
            c_out = 1 if i == num_layers - 1 else dynamic_channels
            self.weight_nums.append(c_in * c_out)
            self.bias_nums.append(c_out)
        self.controller = MLP(embed_dims, embed_dims, sum(self.weight_nums) + sum(self.bias_nums), 3)

    def init_weights(self) -> None:
        """Xavier controller weights with zero biases (the pixel decoder initialises itself)."""
        super().init_weights()
        for layer in self.controller.layers:
            nn.init.zeros_(layer.bias)
            nn.init.xavier_uniform_(layer.weight)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args, **kwargs) -> None:
        """Rename the keys of checkpoints from before the configurable pixel decoder
        (``spatial_decoder.*`` -> ``pixel_decoder.*``) before loading."""
        old = prefix + 'spatial_decoder.'
        for key in [k for k in state_dict if k.startswith(old)]:
            state_dict[prefix + 'pixel_decoder.' + key[len(old):]] = state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward_mask_features(self, **kwargs) -> Tensor:
        """Run the pixel decoder.

        Args:
            memory (list[Tensor]): Encoder memory at strides 8, 16, 32, each (N*T, C, h, w).
            stride4_feats (Tensor): Backbone stride-4 stage (N*T, C_4, H/4, W/4).
            stride4_mask (Tensor): (N*T, H/4, W/4) bool, True at padding.
            masks (list[Tensor]): Padding masks (N*T, h, w) of strides 8, 16, 32.
            pos (list[Tensor]): Sine position encodings (N*T, C, h, w) of strides 8, 16, 32.
            text (dict[str, Tensor]): Output of the text encoder.
            num_frames (int): Frames per clip T.

        Returns:
            Tensor: Mask features (N*T, in_channels, H/4, W/4).
        """
        return self.pixel_decoder(**kwargs)

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
