# Copyright (c) mmrvos contributors. All rights reserved.
"""Convert an official LBDT checkpoint (CVPR 2022, ``dzh19990407/LBDT``) to mmrvos.

The official ``main.py`` saves the bare ``state_dict()`` of ``models/LBDT_4.py::JointModel``
(``a2d_sota_layer4.ckpt``, ``checkpoint{N}.ckpt``); a ``{'state_dict': ...}`` dict and DDP ``module.``
prefixes are accepted too. Every official key is either renamed by :data:`KEY_RULES` or dropped because
it belongs to a module the official model builds but never calls (:data:`DEAD_KEYS`: the decoder's
``spa_tower``, ``tem_tower`` and ``mask_head``). Any other key is an error: nothing is silently lost.

The depth of the duplex stacks (LBDT-1 or LBDT-4) is read from the keys and printed; the output fits
``configs/lbdt/`` models with that ``model.transfer.num_layers``.

Example::

    python tools/model_converters/lbdt_to_mmrvos.py a2d_sota_layer4.ckpt \
        checkpoints/lbdt-4_r50_a2d-sentences_converted.pth \
        --check-config configs/lbdt/lbdt-4_r50_2xb8-15e_a2d-sentences.py
"""
import os.path as osp
import re
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from soc_to_mmrvos import check_against_config, converter_arg_parser, load_official_checkpoint  # noqa: E402

_CONV_BN = r'\.(0\.weight|1\.(?:weight|bias|running_mean|running_var|num_batches_tracked))'
_STREAM = {'1': 'spatial', '2': 'temporal'}
_TRANSFER = {'4': '0', '5': '1'}  # LBDT after res4 is transfers.0, after res5 transfers.1
_SIDE = {'1': 'spa', '2': 'tem'}
_BCA = {'img_flo_fc.0': 'joint_fc', 'img_txt_fc': 'spa_text_gate', 'flo_txt_fc': 'tem_text_gate',
        'img_enhance_fc': 'spa_joint_gate', 'flo_enhance_fc': 'tem_joint_gate'}

#: Official key pattern (full match) -> function of the match giving the mmrvos key; first match wins.
KEY_RULES: List[Tuple[str, object]] = [
    # two torchvision ResNets -> TwoStreamResNet's mmdet ResNets (same block names)
    (r'conv1_([12])\.weight', lambda m: f'backbone.{_STREAM[m[1]]}.conv1.weight'),
    (r'bn1_([12])\.(.+)', lambda m: f'backbone.{_STREAM[m[1]]}.bn1.{m[2]}'),
    (r'res([2-5])_([12])\.(.+)', lambda m: f'backbone.{_STREAM[m[2]]}.layer{int(m[1]) - 1}.{m[3]}'),
    (r'text_encoder\.lstm\.(.+)', lambda m: f'text_encoder.lstm.{m[1]}'),
    # reduce / up 1x1 conv + BN around each duplex stack -> ConvModule(conv, bn)
    (r'conv_r([45])_([12])_(reduce|up)' + _CONV_BN,
     lambda m: f'transfers.{_TRANSFER[m[1]]}.{m[3]}_{_SIDE[m[2]]}.{_conv_bn(m[4])}'),
    (r'transformer\.stage([45])\.layers\.(\d+)\.(.+)',
     lambda m: f'transfers.{_TRANSFER[m[1]]}.layers.{m[2]}.{m[3]}'),
    # decoder
    (r'decoder\.refine_(spa|tem)\.(\d)' + _CONV_BN,
     lambda m: f'decode_head.refine_{m[1]}.{m[2]}.{_conv_bn(m[3])}'),
    (r'decoder\.fusion\.(img_flo_fc\.0|img_txt_fc|flo_txt_fc|img_enhance_fc|flo_enhance_fc)\.(weight|bias)',
     lambda m: f'decode_head.bca.{_BCA[m[1]]}.{m[2]}'),
    (r'decoder\.fusion\.fusion_cat_conv' + _CONV_BN, lambda m: f'decode_head.bca.fuse_conv.{_conv_bn(m[1])}'),
    (r'decoder\.fuse_tower\.(\d+)' + _CONV_BN, lambda m: f'decode_head.mask_tower.{m[1]}.{_conv_bn(m[2])}'),
    (r'decoder\.fuse_tower\.(\d+)\.(weight|bias)', lambda m: f'decode_head.mask_tower.{m[1]}.{m[2]}'),
]

#: Official modules that are built and saved but never called by ``JointModel.forward``.
DEAD_KEYS = r'decoder\.(spa_tower|tem_tower|mask_head)\..+'


def _conv_bn(suffix: str) -> str:
    """``0.weight`` -> ``conv.weight``; ``1.x`` -> ``bn.x`` (an official Sequential(conv, BN))."""
    return 'conv.weight' if suffix == '0.weight' else 'bn.' + suffix[2:]


def convert_key(key: str) -> Optional[str]:
    """mmrvos name of one official key, or None if no rule of :data:`KEY_RULES` matches."""
    for pattern, rename in KEY_RULES:
        match = re.fullmatch(pattern, key)
        if match is not None:
            return rename(match)
    return None


def infer_num_layers(official: Dict[str, Tensor]) -> int:
    """Layers per duplex stack (LBDT-N), the same for both stages.

    Raises:
        KeyError: If the checkpoint has no duplex layers or the stages differ.
    """
    depths = {}
    for stage in ('4', '5'):
        pattern = re.compile(rf'transformer\.stage{stage}\.layers\.(\d+)\.')
        ids = {int(m[1]) for m in map(pattern.match, official) if m}
        if not ids or ids != set(range(len(ids))):
            raise KeyError(f'no consecutive transformer.stage{stage}.layers.N keys (found {sorted(ids)}): '
                           'not an official LBDT checkpoint')
        depths[stage] = len(ids)
    if depths['4'] != depths['5']:
        raise KeyError(f'stage 4 has {depths["4"]} duplex layers but stage 5 {depths["5"]}')
    return depths['4']


def convert_state_dict(official: Dict[str, Tensor]) -> 'OrderedDict[str, Tensor]':
    """Rename an official LBDT state dict to mmrvos names.

    Args:
        official (dict[str, Tensor]): ``JointModel.state_dict()``.

    Returns:
        OrderedDict[str, Tensor]: The mmrvos state dict (same tensors, official order, dead modules dropped).

    Raises:
        KeyError: If official keys match no rule (all of them are listed) or two give the same mmrvos key.
    """
    converted: 'OrderedDict[str, Tensor]' = OrderedDict()
    unknown = []
    for key, value in official.items():
        if re.fullmatch(DEAD_KEYS, key):
            continue
        new_key = convert_key(key)
        if new_key is None:
            unknown.append(key)
        elif new_key in converted:
            raise KeyError(f'{key} maps to {new_key}, which another official key already gave')
        else:
            converted[new_key] = value
    if unknown:
        hint = ''
        if any(k.startswith(('backbone.', 'decode_head.', 'transfers.')) for k in unknown):
            hint = ' (keys such as "backbone.*"/"decode_head.*": is it already an mmrvos checkpoint?)'
        shown = unknown if len(unknown) <= 20 else unknown[:20] + ['...']
        raise KeyError(f'{len(unknown)} key(s) of the checkpoint match no LBDT conversion rule{hint}: '
                       f'{shown}')
    return converted


def main() -> None:
    args = converter_arg_parser('LBDT', 'a2d_sota_layer4.ckpt').parse_args()
    official, meta = load_official_checkpoint(args.src, unsafe_load=args.unsafe_load)
    converted = convert_state_dict(official)
    num_layers = infer_num_layers(official)
    if args.check_config:
        check_against_config(converted, args.check_config)
    meta.update(converted_from=osp.basename(args.src),
                converter='tools/model_converters/lbdt_to_mmrvos.py', lbdt_num_layers=num_layers)
    torch.save(dict(meta=meta, state_dict=converted), args.dst)
    print(f'{args.src}: LBDT-{num_layers} (model.transfer.num_layers={num_layers}); {len(official)} official '
          f'keys -> {len(converted)} mmrvos keys ({len(official) - len(converted)} of unused decoder modules '
          'dropped), '
          f'loaded with weights_only={meta["weights_only_load"]}; saved to {args.dst}')


if __name__ == '__main__':
    main()
