# Copyright (c) mmrvos contributors. All rights reserved.
"""LBDT's decoder (Ding et al., CVPR 2022): per-stream stage refinement, BCA fusion, mask tower."""
from typing import Dict, Optional, Sequence

from mmcv.cnn import ConvModule
from mmdet.models.utils import aligned_bilinear
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmrvos.registry import MODELS


@MODELS.register_module()
class LBDTHead(BaseModule):
    """Dense mask decoder of LBDT with Bilateral Channel Activation and its loss.

    .. code:: text

        per stream, stage i (B, C_i, H_i, W_i) -> 3x3 conv + BN + ReLU -> (B, C, H_i, W_i)
        -> aligned-bilinear to the finest stage (stride 4) and summed   -> spa, tem (B, C, H/4, W/4)
        BCA(spa, tem, sentence)                                         -> (B, C, H/4, W/4)
        mask tower: num_convs x (3x3 conv + BN + ReLU), 1x1 conv        -> (B, 1, H/4, W/4)
        aligned-bilinear x upsample_factor                              -> (B, 1, H, W) logits

    The official decoder also builds ``spa_tower``, ``tem_tower`` and ``mask_head``, which it never
    calls; they are not built here.

    Loss (official ``train.py``): ``loss_bce`` (mmdet ``CrossEntropyLoss(use_sigmoid=True,
    class_weight=[1.5])``: the pixel mean of BCE with ``pos_weight=1.5``) plus ``loss_dice`` (mmdet
    ``DiceLoss(naive_dice=True, eps=1, activate=False)``) of the sigmoid clamped to
    ``[dice_clamp, 1 - dice_clamp]``, both weighted 0.5.

    Args:
        in_channels (Sequence[int]): Channels of the backbone stages, finest first.
        channels (int): Decoder width C. Defaults to 128.
        text_channels (int): Width of the sentence feature. Defaults to 512.
        num_convs (int): 3x3 convolutions of the mask tower. Defaults to 4.
        upsample_factor (int): Stride of the finest stage. Defaults to 4.
        norm_cfg (dict): Norm of the convolutions. Defaults to BN.
        bca (dict): Config of the fusion. Defaults to :class:`BilateralChannelActivation`.
        loss_bce (dict): Pixel-wise BCE loss config.
        loss_dice (dict): Dice loss config (given probabilities, ``activate=False``).
        dice_clamp (float): Clamp of the probabilities fed to the Dice loss. Defaults to 1e-4.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: int = 128,
                 text_channels: int = 512,
                 num_convs: int = 4,
                 upsample_factor: int = 4,
                 norm_cfg: dict = dict(type='BN'),
                 bca: dict = dict(type='BilateralChannelActivation'),
                 loss_bce: dict = dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True, class_weight=[1.5],
                                       loss_weight=0.5),
                 loss_dice: dict = dict(type='mmdet.DiceLoss', use_sigmoid=True, activate=False,
                                        naive_dice=True, eps=1.0, loss_weight=0.5),
                 dice_clamp: float = 1e-4,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        conv = dict(kernel_size=3, padding=1, bias=False, norm_cfg=norm_cfg)
        self.refine_spa = nn.ModuleList(ConvModule(c, channels, **conv) for c in in_channels)
        self.refine_tem = nn.ModuleList(ConvModule(c, channels, **conv) for c in in_channels)
        self.bca = MODELS.build(dict(bca, channels=channels, text_channels=text_channels, norm_cfg=norm_cfg))
        tower = [ConvModule(channels, channels, **conv) for _ in range(num_convs)]
        self.mask_tower = nn.Sequential(*tower, nn.Conv2d(channels, 1, kernel_size=1))
        self.upsample_factor = upsample_factor
        self.loss_bce = MODELS.build(loss_bce)
        self.loss_dice = MODELS.build(loss_dice)
        self.dice_clamp = dice_clamp

    def _merge(self, feats: Sequence[Tensor], refine: nn.ModuleList) -> Tensor:
        """Refine every stage and sum them at the finest resolution: (B, C, H_0, W_0)."""
        out = refine[0](feats[0])
        for feat, conv in zip(feats[1:], refine[1:]):
            feat = conv(feat)
            factor = out.shape[-1] // feat.shape[-1]
            if out.shape[-2:] != (feat.shape[-2] * factor, feat.shape[-1] * factor):
                raise ValueError(f'LBDT decoder: stage of size {tuple(feat.shape[-2:])} is not an integer '
                                 f'fraction of the finest stage {tuple(out.shape[-2:])}')
            out = out + aligned_bilinear(feat, factor)
        return out

    def forward(self, spa_feats: Sequence[Tensor], tem_feats: Sequence[Tensor], sentence: Tensor) -> Tensor:
        """Decode mask logits.

        Args:
            spa_feats (Sequence[Tensor]): Appearance stages (B, C_i, H_i, W_i), finest first.
            tem_feats (Sequence[Tensor]): Motion stages, same shapes.
            sentence (Tensor): (B, D_t) sentence feature.

        Returns:
            Tensor: (B, 1, H, W) mask logits at ``upsample_factor`` times the finest stage.
        """
        fused = self.bca(self._merge(spa_feats, self.refine_spa), self._merge(tem_feats, self.refine_tem),
                         sentence)
        return aligned_bilinear(self.mask_tower(fused), self.upsample_factor)

    def loss_by_feat(self, logits: Tensor, gt_masks: Tensor) -> Dict[str, Tensor]:
        """Losses of the mask logits.

        Args:
            logits (Tensor): (B, 1, H, W) mask logits.
            gt_masks (Tensor): (B, H, W) target masks in {0, 1}.

        Returns:
            dict[str, Tensor]: ``loss_bce`` and ``loss_dice``.
        """
        logits = logits[:, 0]
        if gt_masks.shape != logits.shape:
            raise ValueError(f'LBDT: target masks {tuple(gt_masks.shape)} do not match the logits '
                             f'{tuple(logits.shape)}')
        gt_masks = gt_masks.to(logits.dtype)
        probs = logits.sigmoid().clamp(self.dice_clamp, 1 - self.dice_clamp)
        return dict(loss_bce=self.loss_bce(logits, gt_masks), loss_dice=self.loss_dice(probs, gt_masks))
