# Copyright (c) mmrvos contributors. All rights reserved.
"""Convert an official ReferFormer checkpoint (CVPR 2022, ``wjn922/ReferFormer``) to mmrvos.

The official ``main.py`` / ``main_joint.py`` / ``main_pretrain.py`` save ``{'model': ..., 'optimizer': ...,
'lr_scheduler': ..., 'epoch': ..., 'args': argparse.Namespace}``; the file is read with
``torch.load(weights_only=True)`` with ``argparse.Namespace`` allowed (no other object is built, no code
is run). A bare state dict, a ``state_dict`` wrapper and DDP ``module.`` prefixes are accepted too.

The backbone is recognised from the keys: ResNet-50/101 (torchvision names with FrozenBN; mmdet's
``ResNet`` has the same names, and its BN buffers ``num_batches_tracked`` are written as zeros so that
strict loading works), Video Swin (MTTR's wrapper, as SOC: the rules of ``soc_to_mmrvos.py``) or image
Swin (Swin-Transformer-Object-Detection names: mmdet's own ``swin_converter``, which also reorders the
patch-merging channels for mmdet's ``SwinTransformer``). Every other key is renamed by the rules shared
with the SOC converter (RoBERTa, input projections, deformable transformer, controller) or by
:data:`KEY_RULES` below; ``transformer.decoder.bbox_embed.*`` (the box-refinement alias of ``bbox_embed.*``)
is checked to be equal and dropped; RoBERTa's weight-less ``position_ids`` / ``token_type_ids`` buffers are
dropped. Any other key is an error: nothing is silently lost.

Only the box-refinement model (``--with_box_refine``, every released checkpoint) is supported.

Example::

    python tools/model_converters/referformer_to_mmrvos.py ytvos_swin_tiny.pth \
        checkpoints/referformer_swin-t_ref-ytvos_converted.pth \
        --check-config configs/referformer/referformer_swin-t_refcoco-pre_8xb1-6e_ref-ytvos.py
"""
import argparse
import os.path as osp
import re
import sys
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch
from torch import Tensor

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import soc_to_mmrvos as soc  # noqa: E402  (the shared rules and the loader of the official converters)

_BODY = 'backbone.0.body.'
_FROZEN_BN = r'(?:weight|bias|running_mean|running_var)'
_WB, _MHA = soc._WB, soc._MHA

#: torchvision ResNet (FrozenBN) -> mmdet ResNet: the same names under ``backbone.``
RESNET_RULES: List[Tuple[str, str]] = [
    (r'backbone\.0\.body\.(conv1\.weight|bn1\.' + _FROZEN_BN + r'|layer[1-4]\.\d+\.(?:conv[1-3]\.weight'
     + r'|bn[1-3]\.' + _FROZEN_BN + r'|downsample\.0\.weight|downsample\.1\.' + _FROZEN_BN + r'))',
     r'backbone.\1'),
]

#: ReferFormer's own parts (the backbone, RoBERTa, transformer and controller rules come from SOC's converter)
KEY_RULES: List[Tuple[str, str]] = [
    *soc.ROBERTA_RULES,
    (r'resizer\.(fc|layer_norm)\.' + _WB, r'text_encoder.text_proj.\1.\2'),
    *soc.INPUT_PROJ_RULES,
    (r'fusion_module\.multihead_attn\.' + _MHA, r'neck.vlf.multihead_attn.\1'),
    *soc.DEFORMABLE_TRANSFORMER_RULES,
    *soc.CONTROLLER_RULES,
    # cross-modal FPN decoder: the official names are kept inside mmrvos's CrossModalFPNDecoder
    (r'pixel_decoder\.((?:adapter|layer)_[1-4]\.(?:weight|norm\.(?:weight|bias))|mask_features\.' + _WB
     + r'|cross_attn_[1-4]\.(?:(?:self_attn|multihead_attn)\.' + _MHA + r'|(?:linear[12]|norm[123])\.' + _WB
     + r'))', r'head.mask_head.pixel_decoder.\1'),
]

#: Keys of the official image Swin (``models/swin_transformer.py``) under ``backbone.0.body.``
SWIN_BODY_PATTERNS: List[str] = [
    r'patch_embed\.(proj|norm)\.' + _WB,
    r'layers\.\d+\.blocks\.\d+\.(norm[12]|attn\.(qkv|proj)|mlp\.fc[12])\.' + _WB,
    r'layers\.\d+\.blocks\.\d+\.attn\.relative_position_(bias_table|index)',
    r'layers\.\d+\.downsample\.(reduction\.weight|norm\.(weight|bias))',
    r'norm\d\.' + _WB,
]

BACKBONES = ('resnet', 'video_swin', 'swin')


def detect_backbone(official: Dict[str, Tensor]) -> str:
    """``'resnet'``, ``'video_swin'`` or ``'swin'`` from the ``backbone.0.body.*`` keys.

    Raises:
        KeyError: If the keys fit none of them.
    """
    body = [k[len(_BODY):] for k in official if k.startswith(_BODY)]
    if any(k.startswith('layer1.') for k in body):
        return 'resnet'
    if any(k.startswith('downsamples.') for k in body):
        return 'video_swin'
    if any(re.match(r'norm\d\.|layers\.\d+\.downsample\.', k) for k in body):
        return 'swin'
    hint = ''
    if any(k.startswith('backbone.') for k in official):
        hint = ' (keys "backbone.*" without "backbone.0.body.": is it already an mmrvos checkpoint?)'
    raise KeyError(f'no ResNet ("{_BODY}layer1.*"), Video Swin ("{_BODY}downsamples.*") or Swin '
                   f'("{_BODY}norm0.*") backbone keys found{hint}')


def describe_backbone(official: Dict[str, Tensor], backbone: str) -> str:
    """A short name of the official backbone for the log, e.g. ``ResNet-50``."""
    def blocks(pattern):
        found = {}
        for key in official:
            match = re.match(pattern, key)
            if match:
                found.setdefault(int(match[1]), set()).add(int(match[2]))
        return '-'.join(str(len(found[i])) for i in sorted(found))

    if backbone == 'resnet':
        depth = blocks(r'backbone\.0\.body\.layer(\d)\.(\d+)\.')
        return {'3-4-6-3': 'ResNet-50', '3-4-23-3': 'ResNet-101'}.get(depth, f'ResNet (blocks {depth})')
    depths = blocks(r'backbone\.0\.body\.layers\.(\d+)\.blocks\.(\d+)\.')
    width = official[_BODY + 'patch_embed.proj.weight'].shape[0]
    return f'{"Video Swin" if backbone == "video_swin" else "Swin"} (embed_dims {width}, depths {depths})'


def _convert_swin_body(official: Dict[str, Tensor]) -> 'OrderedDict[str, Tensor]':
    """The image Swin under ``backbone.0.body.`` -> mmdet ``SwinTransformer`` names (mmdet's converter)."""
    from mmdet.models.backbones.swin import swin_converter

    body = OrderedDict((k[len(_BODY):], v) for k, v in official.items() if k.startswith(_BODY))
    unknown = [k for k in body if not any(re.fullmatch(p, k) for p in SWIN_BODY_PATTERNS)]
    if unknown:
        raise KeyError(f'{len(unknown)} Swin backbone key(s) match no conversion rule: '
                       f'{[_BODY + k for k in unknown[:20]]}')
    return swin_converter(body)


def _with_num_batches_tracked(state_dict: 'OrderedDict[str, Tensor]') -> 'OrderedDict[str, Tensor]':
    """Add mmdet BN's ``num_batches_tracked`` (0: never updated, as FrozenBN) after each ``running_var``."""
    out: 'OrderedDict[str, Tensor]' = OrderedDict()
    for key, value in state_dict.items():
        out[key] = value
        if key.startswith('backbone.') and key.endswith('.running_var'):
            out[key[:-len('running_var')] + 'num_batches_tracked'] = torch.tensor(0, dtype=torch.long)
    return out


def convert_state_dict(official: Dict[str, Tensor]) -> 'OrderedDict[str, Tensor]':
    """Rename an official ReferFormer state dict to mmrvos names.

    Args:
        official (dict[str, Tensor]): The official ``ReferFormer.state_dict()`` (``checkpoint['model']``).

    Returns:
        OrderedDict[str, Tensor]: The mmrvos state dict (the same tensors except for the image Swin's
        patch-merging weights, which mmdet's converter reorders; ``num_batches_tracked`` zeros added for a
        ResNet).

    Raises:
        KeyError: If keys match no rule (all of them are listed), the checkpoint was trained without box
            refinement, an alias has no target or two keys would give the same mmrvos key.
        ValueError: If an alias does not hold the same values as its target.
    """
    backbone = detect_backbone(official)
    if not any(k.startswith('transformer.decoder.bbox_embed.') for k in official):
        raise KeyError('no "transformer.decoder.bbox_embed.*" keys: the checkpoint was trained without '
                       '--with_box_refine, which mmrvos\'s ReferFormerHead does not implement (every '
                       'released ReferFormer checkpoint uses box refinement)')
    if backbone == 'swin':
        converted = _convert_swin_body(official)
        rest = OrderedDict((k, v) for k, v in official.items() if not k.startswith(_BODY))
        converted.update(soc.rename_state_dict(rest, KEY_RULES, soc.ALIAS_RULES, soc.NO_WEIGHT_KEYS,
                                               model='ReferFormer'))
        return converted
    backbone_rules = RESNET_RULES if backbone == 'resnet' else soc.VIDEO_SWIN_RULES
    converted = soc.rename_state_dict(official, backbone_rules + KEY_RULES, soc.ALIAS_RULES,
                                      soc.NO_WEIGHT_KEYS, model='ReferFormer')
    return _with_num_batches_tracked(converted) if backbone == 'resnet' else converted


def main() -> None:
    args = soc.converter_arg_parser('ReferFormer', 'ytvos_swin_tiny.pth').parse_args()
    official, meta = soc.load_official_checkpoint(args.src, unsafe_load=args.unsafe_load,
                                                  safe_globals=[argparse.Namespace])
    backbone = describe_backbone(official, detect_backbone(official))
    converted = convert_state_dict(official)
    if args.check_config:
        soc.check_against_config(converted, args.check_config)
    meta.update(converted_from=osp.basename(args.src),
                converter='tools/model_converters/referformer_to_mmrvos.py', official_backbone=backbone)
    torch.save(dict(meta=meta, state_dict=converted), args.dst)
    added = sum(k.endswith('num_batches_tracked') for k in converted)
    dropped = len(official) - (len(converted) - added)
    print(f'{args.src}: {backbone}; {len(official)} official keys -> {len(converted)} mmrvos keys ({dropped} '
          f'dropped: box-head aliases and weight-less buffers; {added} num_batches_tracked added), loaded '
          f'with weights_only={meta["weights_only_load"]}; saved to {args.dst}')


if __name__ == '__main__':
    main()
