# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Dict, List, Optional, Sequence, Union

from mmaction.models.backbones.swin import SwinTransformer3D
from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import CheckpointLoader
from torch import Tensor, nn

from mmrvos.registry import MODELS

from .swin_window_attention import WindowAttention3DSDPA


@MODELS.register_module()
class VideoSwinTransformerRVOS(SwinTransformer3D):
    """Video Swin Transformer that returns per-frame multi-scale features, as SOC uses it.

    A thin subclass of mmaction's :class:`SwinTransformer3D` with SOC's settings: patch size
    ``(1, 4, 4)`` (no temporal downsampling), window ``(8, 7, 7)``, the output of every stage *before*
    its patch merging (strides 4, 8, 16, 32) and no output LayerNorms. Input clips are
    ``(N, T, C, H, W)``; every output is ``(N * T, C_i, H_i, W_i)`` with the frames of a clip
    contiguous (index ``n * T + t``).

    Kinetics-400/600 Video Swin checkpoints (``swin_*_patch244_window877_kinetics*.pth``) are loaded by
    ``init_weights`` when ``pretrained`` is set: the ``backbone.`` entries of their ``state_dict`` are
    taken, the ``(2, 4, 4)`` patch-embedding kernel is **summed** over time into ``(1, 4, 4)`` (as the
    official SOC code does) and the classification-time final norm is dropped.

    Args:
        arch (str | dict): ``'tiny'``, ``'small'``, ``'base'``, ``'large'`` or a dict with
            ``embed_dims``, ``depths`` and ``num_heads``. Defaults to ``'tiny'``.
        pretrained (str, optional): Path of a Kinetics Video Swin checkpoint. Defaults to None.
        patch_size (Sequence[int]): Defaults to ``(1, 4, 4)``.
        window_size (Sequence[int]): Defaults to ``(8, 7, 7)``.
        drop_path_rate (float): Stochastic depth rate. Defaults to 0.2.
        out_indices (Sequence[int]): Stages to output. Defaults to ``(0, 1, 2, 3)``.
        with_cp (bool): Gradient checkpointing of the Swin blocks. Defaults to False.
        sdpa_attention (bool): Compute the window attention with
            :class:`~mmrvos.models.backbones.WindowAttention3DSDPA` (``scaled_dot_product_attention``;
            the same weights and outputs, faster). False keeps mmaction's ``WindowAttention3D``, the
            reference path. Defaults to True.
        **kwargs: Other arguments of :class:`SwinTransformer3D` (``pretrained2d`` is always False).
    """

    def __init__(self,
                 arch: Union[str, Dict] = 'tiny',
                 pretrained: Optional[str] = None,
                 patch_size: Sequence[int] = (1, 4, 4),
                 window_size: Sequence[int] = (8, 7, 7),
                 drop_path_rate: float = 0.2,
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 with_cp: bool = False,
                 sdpa_attention: bool = True,
                 init_cfg: Optional[Union[dict, List[dict]]] = None,
                 **kwargs) -> None:
        if kwargs.pop('pretrained2d', False):
            raise ValueError('VideoSwinTransformerRVOS loads 3-D (Kinetics) checkpoints only; '
                             'pretrained2d must be False')
        if init_cfg is None:
            init_cfg = [
                dict(type='TruncNormal', layer='Linear', std=0.02, bias=0.),
                dict(type='Constant', layer='LayerNorm', val=1., bias=0.)
            ]
        super().__init__(
            arch=arch,
            pretrained=None,
            pretrained2d=False,
            patch_size=patch_size,
            window_size=window_size,
            drop_path_rate=drop_path_rate,
            out_indices=out_indices,
            out_after_downsample=False,
            with_cp=with_cp,
            init_cfg=init_cfg,
            **kwargs)
        self.kinetics_checkpoint = pretrained
        # SOC uses the raw stage outputs: no per-output LayerNorm.
        for i in out_indices:
            setattr(self, f'norm{i}', nn.Identity())
        if sdpa_attention:
            for layer in self.layers:
                for block in layer.blocks:
                    block.attn = WindowAttention3DSDPA.from_reference(block.attn)

    @property
    def out_channels(self) -> List[int]:
        """Channels of each output, e.g. ``[96, 192, 384, 768]`` for Swin-T."""
        return [self.num_features[i] for i in self.out_indices]

    def train(self, mode: bool = True) -> 'VideoSwinTransformerRVOS':
        """Set train/eval mode (keeping ``frozen_stages`` frozen) and return ``self``."""
        super().train(mode)
        return self

    def init_weights(self) -> None:
        """Initialise randomly, then load the Kinetics checkpoint given as ``pretrained`` if any."""
        super().init_weights()
        if self.kinetics_checkpoint is not None:
            self.load_kinetics_checkpoint(self.kinetics_checkpoint)

    def load_kinetics_checkpoint(self, filename: str) -> None:
        """Load a Kinetics Video Swin checkpoint (see the class docstring).

        Args:
            filename (str): Local path or URL understood by mmengine's ``CheckpointLoader``.

        Raises:
            KeyError: If the file has no backbone weights or does not fit this architecture.
        """
        logger = MMLogger.get_current_instance()
        checkpoint = CheckpointLoader.load_checkpoint(filename, map_location='cpu', logger=logger)
        state_dict = checkpoint.get('state_dict', checkpoint)
        state_dict = {k[len('backbone.'):]: v for k, v in state_dict.items() if k.startswith('backbone.')}
        if not state_dict:
            raise KeyError(f'{filename}: no "backbone.*" weights in its state_dict; expected a Kinetics '
                           'Video Swin checkpoint (swin_*_patch244_window877_kinetics*.pth)')
        key = 'patch_embed.proj.weight'
        if key in state_dict and state_dict[key].shape[2] != self.patch_size[0]:
            if self.patch_size[0] != 1:
                raise KeyError(f'{filename}: cannot fit a temporal patch size of {state_dict[key].shape[2]} '
                               f'into {self.patch_size[0]}')
            state_dict[key] = state_dict[key].sum(dim=2, keepdim=True)
        for name in ('norm.weight', 'norm.bias'):
            state_dict.pop(name, None)
        missing, unexpected = self.load_state_dict(state_dict, strict=False)
        missing = [k for k in missing if 'relative_position_index' not in k]
        if missing or unexpected:
            raise KeyError(f'{filename} does not fit this Video Swin: missing keys {missing}, '
                           f'unexpected keys {unexpected}')
        logger.info(f'VideoSwinTransformerRVOS: loaded Kinetics weights from {filename}')

    def forward(self, x: Tensor) -> List[Tensor]:
        """Extract per-frame features.

        Args:
            x (Tensor): Clips of shape (N, T, C, H, W).

        Returns:
            list[Tensor]: One (N * T, C_i, ceil(H / s_i), ceil(W / s_i)) map per output stage,
            ``s_i = 4 * 2**i``.
        """
        if x.dim() != 5:
            raise ValueError(f'expected clips of shape (N, T, C, H, W), got {tuple(x.shape)}')
        outs = super().forward(x.permute(0, 2, 1, 3, 4))
        if isinstance(outs, Tensor):
            outs = (outs, )
        # (N, C, T, H, W) -> (N * T, C, H, W)
        return [o.transpose(1, 2).flatten(0, 1).contiguous() for o in outs]
