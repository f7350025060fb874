# Copyright (c) mmrvos contributors. All rights reserved.
"""Convert an official CMA checkpoint (ICCV 2023, ``hengliusky/Few_shot_RVOS``, ``models/cma.py``) to mmrvos.

The official ``train_ytvos.py`` saves ``{'model': ..., 'optimizer': ..., 'lr_scheduler': ..., 'epoch': ...,
'args': argparse.Namespace}``; the file is read with ``torch.load(weights_only=True)`` with
``argparse.Namespace`` allowed (no other object is built, no code is run). No CMA checkpoint was released:
this converts checkpoints written by the official training script.

CMA is ReferFormer (ResNet-50, box refinement) plus a cross-modal affinity module and DAB anchor queries, so
the ReferFormer converter's rules (``referformer_to_mmrvos.py``, itself built on ``soc_to_mmrvos.py``) rename
everything but CMA's own keys, which :data:`CMA_RULES` maps:

* ``support_qkv.{query,Key,Value}.*``, ``query_qkv.{query,Key,Value}.*``, ``conv_q.*``, ``layer_norm.*`` ->
  ``affinity.*`` (:class:`CrossModalAffinity` keeps the official sub-module names);
* ``tgt_embed.weight``, ``refpoint_embed.weight`` -> ``head.*`` and
  ``transformer.decoder.{query_scale,ref_point_head}.*`` -> ``head.decoder.*`` (:class:`CMAHead` and its DAB
  decoder).

As for ReferFormer, the ``transformer.decoder.bbox_embed.*`` aliases are checked to equal ``bbox_embed.*`` and
dropped, RoBERTa's weight-less buffers are dropped and mmdet BN's ``num_batches_tracked`` zeros are added;
any other key is an error. Checkpoints of the official non-DAB variants (``base_cma.py``, ``self_cma.py``:
``query_embed`` instead of the DAB queries) and other backbones than ResNet are refused.

Example::

    python tools/model_converters/cma_to_mmrvos.py ytvos/r50-24-exp45/group_1/checkpoint.pth \
        checkpoints/cma_r50_fold1_converted.pth \
        --check-config configs/cma/cma_r50_fold1_1xb1-24e_mini-ref-ytvos.py
"""
import argparse
import os.path as osp
import sys
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch
from torch import Tensor

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import referformer_to_mmrvos as rf  # noqa: E402  (ReferFormer's rules, themselves built on SOC's)

soc = rf.soc
_WB = soc._WB

#: CMA's own keys: the cross-modal affinity module and the DAB anchor queries of the decoder
CMA_RULES: List[Tuple[str, str]] = [
    (r'(support_qkv|query_qkv)\.(query|Key|Value)\.' + _WB, r'affinity.\1.\2.\3'),
    (r'(conv_q|layer_norm)\.' + _WB, r'affinity.\1.\2'),
    (r'(tgt_embed|refpoint_embed)\.weight', r'head.\1.weight'),
    (r'transformer\.decoder\.(query_scale|ref_point_head)\.layers\.(\d+)\.' + _WB,
     r'head.decoder.\1.layers.\2.\3'),
]

#: every rule, in the order they are tried (ResNet, CMA's own, then ReferFormer's)
KEY_RULES: List[Tuple[str, str]] = rf.RESNET_RULES + CMA_RULES + rf.KEY_RULES

#: keys of the official non-DAB variants (``base_cma.py``, ``self_cma.py``), which mmrvos's CMA has not
NON_DAB_KEYS = ('query_embed.weight', 'transformer.reference_points.weight')


def convert_state_dict(official: Dict[str, Tensor]) -> 'OrderedDict[str, Tensor]':
    """Rename an official CMA state dict to mmrvos names.

    Args:
        official (dict[str, Tensor]): The official ``CMA.state_dict()`` (``checkpoint['model']``).

    Returns:
        OrderedDict[str, Tensor]: The mmrvos state dict (the same tensors, official order, with
        ``num_batches_tracked`` zeros added after each BN's ``running_var``).

    Raises:
        KeyError: If keys match no rule (all of them are listed), the backbone is not a ResNet, the checkpoint
            is one of the non-DAB variants or was trained without box refinement, an alias has no target or
            two keys would give the same mmrvos key.
        ValueError: If an alias does not hold the same values as its target.
    """
    backbone = rf.detect_backbone(official)
    if backbone != 'resnet':
        raise KeyError(f'a {backbone} backbone: mmrvos\'s CMA configs use the ResNet-50 of the official '
                       'scripts, only ResNet checkpoints are converted')
    non_dab = [k for k in NON_DAB_KEYS if k in official]
    if non_dab or 'tgt_embed.weight' not in official:
        raise KeyError(f'no DAB queries ("tgt_embed.weight"; found {non_dab}): a checkpoint of the official '
                       'non-DAB variants (models/base_cma.py, self_cma.py), not of models/cma.py (use_dab)')
    if not any(k.startswith('transformer.decoder.bbox_embed.') for k in official):
        raise KeyError('no "transformer.decoder.bbox_embed.*" keys: the checkpoint was trained without '
                       '--with_box_refine, which mmrvos\'s CMAHead does not implement')
    converted = soc.rename_state_dict(official, KEY_RULES, soc.ALIAS_RULES, soc.NO_WEIGHT_KEYS, model='CMA')
    return rf._with_num_batches_tracked(converted)


def main() -> None:
    args = soc.converter_arg_parser('CMA', 'group_1/checkpoint.pth').parse_args()
    official, meta = soc.load_official_checkpoint(args.src, unsafe_load=args.unsafe_load,
                                                  safe_globals=[argparse.Namespace])
    backbone = rf.describe_backbone(official, rf.detect_backbone(official))
    converted = convert_state_dict(official)
    if args.check_config:
        soc.check_against_config(converted, args.check_config)
    meta.update(converted_from=osp.basename(args.src), converter='tools/model_converters/cma_to_mmrvos.py',
                official_backbone=backbone)
    torch.save(dict(meta=meta, state_dict=converted), args.dst)
    added = sum(k.endswith('num_batches_tracked') for k in converted)
    dropped = len(official) - len(converted) + added
    print(f'{args.src}: {backbone}; {len(official)} official keys -> {len(converted)} mmrvos keys ({dropped} '
          f'dropped: box-head aliases and weight-less buffers; {added} num_batches_tracked added), loaded '
          f'with weights_only={meta["weights_only_load"]}; saved to {args.dst}')


if __name__ == '__main__':
    main()
