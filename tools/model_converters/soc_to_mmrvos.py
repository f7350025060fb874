# Copyright (c) mmrvos contributors. All rights reserved.
"""Convert an official SOC checkpoint (NeurIPS 2023, ``RobertLuo1/NeurIPS2023_SOC``) to mmrvos.

The official trainers save ``{'model_state_dict': ..., 'optimizer_state_dict': ..., 'epoch': ...}``
(``trainer.py``, ``pretrainer.py``, ``jointtrainer.py``); a bare state dict, a ``{'state_dict': ...}``
dict and DDP ``module.`` prefixes are accepted too. Every official key is either renamed by
:data:`KEY_RULES`, dropped because it carries no weights (:data:`NO_WEIGHT_KEYS`) or dropped as an alias
of another key whose tensor it shares (:data:`ALIAS_RULES`, checked to be equal). Any other key is an
error: nothing is silently lost.

The output is an mmengine checkpoint ``{'meta': ..., 'state_dict': ...}`` for SOC models built from
``configs/soc/`` with ``model.test_cfg.official_layer0_quirk=True`` (the official evaluation path,
see ``docs/model_conversion.md``).

Example::

    python tools/model_converters/soc_to_mmrvos.py soc_ytvos_swin_t.pth.tar \
        checkpoints/soc_video-swin-t_ytvos_converted.pth
"""
import argparse
import os.path as osp
import pickle
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor

_I = r'(\d+)'  # a layer index, kept as is
_WB = r'(weight|bias)'
_MHA = r'(in_proj_weight|in_proj_bias|out_proj\.weight|out_proj\.bias)'
_MSDA = r'(sampling_offsets|attention_weights|value_proj|output_proj)\.' + _WB
_ENC = r'transformer\.encoder\.layers\.' + _I  # official deformable encoder layer
_DEC = r'transformer\.decoder\.layers\.' + _I  # official deformable decoder layer
_VOC_CA = r'voc\.transformer_cross_attention_layers\.' + _I
_VOC_SA = r'voc\.transformer_self_attention_layers\.' + _I
_VOC_FFN = r'voc\.transformer_ffn_layers\.' + _I
_HEAD_ENC, _HEAD_DEC = r'head.encoder.layers.\1', r'head.decoder.layers.\1'
_VOC_ENC, _VOC_DEC = r'head.voc.encoder.layers.\1', r'head.voc.decoder.layers.\1'

#: Official key pattern (full match) -> mmrvos key; the first matching rule is used.
KEY_RULES: List[Tuple[str, str]] = [
    # Video Swin backbone (mmaction's SwinTransformer3D names; PatchMerging back inside its stage)
    (r'backbone\.0\.body\.patch_embed\.(proj|norm)\.' + _WB, r'backbone.patch_embed.\1.\2'),
    (r'backbone\.0\.body\.layers\.' + _I + r'\.blocks\.' + _I + r'\.(.+)',
     r'backbone.layers.\1.blocks.\2.\3'),
    (r'backbone\.0\.body\.downsamples\.' + _I + r'\.(reduction|norm)\.' + _WB,
     r'backbone.layers.\1.downsample.\2.\3'),
    # text encoder: Hugging Face RoBERTa and the shared projection to the model width
    (r'text_encoder\.(.+)', r'text_encoder.model.\1'),
    (r'txt_proj\.(fc|layer_norm)\.' + _WB, r'text_encoder.text_proj.\1.\2'),
    # multi-modal fusion neck
    (r'input_proj\.' + _I + r'\.([01])\.' + _WB, r'neck.input_proj.\1.\2.\3'),
    (r'(vlf|lvf)\.multihead_attn\.' + _MHA, r'neck.\1.multihead_attn.\2'),
    # frame-level deformable transformer (mmdet layers: norms.{0,1,2}, ffn.layers.{0.0,1})
    (r'transformer\.level_embed', r'head.level_embed'),
    (r'transformer\.reference_points\.' + _WB, r'head.reference_points.\1'),
    (r'query_embed\.weight', r'head.query_embed.weight'),
    (_ENC + r'\.self_attn\.' + _MSDA, _HEAD_ENC + r'.self_attn.\2.\3'),
    (_ENC + r'\.norm1\.' + _WB, _HEAD_ENC + r'.norms.0.\2'),
    (_ENC + r'\.linear1\.' + _WB, _HEAD_ENC + r'.ffn.layers.0.0.\2'),
    (_ENC + r'\.linear2\.' + _WB, _HEAD_ENC + r'.ffn.layers.1.\2'),
    (_ENC + r'\.norm2\.' + _WB, _HEAD_ENC + r'.norms.1.\2'),
    (_DEC + r'\.self_attn\.' + _MHA, _HEAD_DEC + r'.self_attn.attn.\2'),
    (_DEC + r'\.norm2\.' + _WB, _HEAD_DEC + r'.norms.0.\2'),
    (_DEC + r'\.cross_attn\.' + _MSDA, _HEAD_DEC + r'.cross_attn.\2.\3'),
    (_DEC + r'\.norm1\.' + _WB, _HEAD_DEC + r'.norms.1.\2'),
    (_DEC + r'\.linear1\.' + _WB, _HEAD_DEC + r'.ffn.layers.0.0.\2'),
    (_DEC + r'\.linear2\.' + _WB, _HEAD_DEC + r'.ffn.layers.1.\2'),
    (_DEC + r'\.norm3\.' + _WB, _HEAD_DEC + r'.norms.2.\2'),
    # per-decoder-layer class and box heads
    (r'class_embed\.' + _I + r'\.' + _WB, r'head.class_embed.\1.\2'),
    (r'bbox_embed\.' + _I + r'\.layers\.' + _I + r'\.' + _WB, r'head.bbox_embed.\1.layers.\2.\3'),
    # video object cluster (VOC): encoder over frame queries, object-grouping decoder
    (r'voc\.enc_self_attn\.' + _I + r'\.self_attn\.' + _MHA, _VOC_ENC + r'.self_attn.attn.\2'),
    (r'voc\.enc_self_attn\.' + _I + r'\.norm\.' + _WB, _VOC_ENC + r'.norms.0.\2'),
    (r'voc\.enc_ffn\.' + _I + r'\.linear1\.' + _WB, _VOC_ENC + r'.ffn.layers.0.0.\2'),
    (r'voc\.enc_ffn\.' + _I + r'\.linear2\.' + _WB, _VOC_ENC + r'.ffn.layers.1.\2'),
    (r'voc\.enc_ffn\.' + _I + r'\.norm\.' + _WB, _VOC_ENC + r'.norms.1.\2'),
    (_VOC_CA + r'\.multihead_attn\.' + _MHA, _VOC_DEC + r'.cross_attn.attn.\2'),
    (_VOC_CA + r'\.norm\.' + _WB, _VOC_DEC + r'.norms.0.\2'),
    (_VOC_SA + r'\.self_attn\.' + _MHA, _VOC_DEC + r'.self_attn.attn.\2'),
    (_VOC_SA + r'\.norm\.' + _WB, _VOC_DEC + r'.norms.1.\2'),
    (_VOC_FFN + r'\.linear1\.' + _WB, _VOC_DEC + r'.ffn.layers.0.0.\2'),
    (_VOC_FFN + r'\.linear2\.' + _WB, _VOC_DEC + r'.ffn.layers.1.\2'),
    (_VOC_FFN + r'\.norm\.' + _WB, _VOC_DEC + r'.norms.2.\2'),
    (r'voc\.decoder_norm\.' + _WB, r'head.voc.decoder.post_norm.\1'),
    (r'voc\.(fq_pos|query_embed)\.weight', r'head.voc.\1.weight'),
    # dynamic mask head: controller MLP and its pixel decoder (SOC's FPN spatial decoder)
    (r'controller\.layers\.' + _I + r'\.' + _WB, r'head.mask_head.controller.layers.\1.\2'),
    (r'spatial_decoder\.(lay[1-5]|gn[1-5]|adapter[1-3]|out_lay)\.' + _WB,
     r'head.mask_head.pixel_decoder.\1.\2'),
]

#: Official keys that carry no learnt weights and have no mmrvos counterpart. ``position_ids`` (an
#: ``arange``) and ``token_type_ids`` (zeros) were persistent RoBERTa buffers in transformers 4.24.
NO_WEIGHT_KEYS: List[str] = [
    r'text_encoder\.embeddings\.position_ids',
    r'text_encoder\.embeddings\.token_type_ids',
]

#: Official keys that are a second name of another official key (the same tensor): the decoder's box
#: refinement uses SOC's box heads (``self.transformer.decoder.bbox_embed = self.bbox_embed``).
ALIAS_RULES: List[Tuple[str, str]] = [
    (r'transformer\.decoder\.bbox_embed\.(.+)', r'bbox_embed.\1'),
]

_STATE_DICT_ENTRIES = ('model_state_dict', 'state_dict', 'model')


def _full_sub(rules: List[Tuple[str, str]], key: str) -> Optional[str]:
    for pattern, repl in rules:
        match = re.fullmatch(pattern, key)
        if match is not None:
            return match.expand(repl)
    return None


def convert_key(key: str) -> Optional[str]:
    """mmrvos name of one official key, or None if no rule of :data:`KEY_RULES` matches."""
    return _full_sub(KEY_RULES, key)


def convert_state_dict(official: Dict[str, Tensor]) -> 'OrderedDict[str, Tensor]':
    """Rename an official SOC state dict to mmrvos names.

    Args:
        official (dict[str, Tensor]): The official model's ``state_dict()``.

    Returns:
        OrderedDict[str, Tensor]: The mmrvos state dict (same tensors, official order).

    Raises:
        KeyError: If official keys match no rule (all of them are listed), an alias has no target or
            two official keys would give the same mmrvos key.
        ValueError: If an alias does not hold the same values as its target.
    """
    converted: 'OrderedDict[str, Tensor]' = OrderedDict()
    source: Dict[str, str] = {}
    unknown = []
    for key, value in official.items():
        if any(re.fullmatch(pattern, key) for pattern in NO_WEIGHT_KEYS):
            continue
        target = _full_sub(ALIAS_RULES, key)
        if target is not None:
            if target not in official:
                raise KeyError(f'{key} is an alias of {target}, which is missing from the checkpoint')
            if value.shape != official[target].shape or not torch.equal(value, official[target]):
                raise ValueError(f'{key} should hold the same tensor as {target} but differs')
            continue
        new_key = convert_key(key)
        if new_key is None:
            unknown.append(key)
            continue
        if new_key in converted:
            raise KeyError(f'{key} and {source[new_key]} both map to {new_key}')
        converted[new_key] = value
        source[new_key] = key
    if unknown:
        hint = ''
        if any(k.startswith(('head.', 'neck.')) for k in unknown):
            hint = ' (keys such as "head.*"/"neck.*" suggest the file is already an mmrvos checkpoint)'
        shown = unknown if len(unknown) <= 20 else unknown[:20] + ['...']
        raise KeyError(f'{len(unknown)} official key(s) match no conversion rule{hint}: {shown}')
    return converted


def _blocking_global(err: Exception) -> str:
    """The line of torch's weights-only error that names the refused object."""
    lines = [re.sub(r'\x1b\[[0-9;]*m', '', line).strip() for line in str(err).splitlines()]
    named = [line for line in lines if 'GLOBAL' in line or 'Unsupported' in line]
    return (named or lines or ['unknown reason'])[0]


def load_official_checkpoint(filename: str, unsafe_load: bool = False) -> Tuple[Dict[str, Tensor], dict]:
    """Read an official SOC checkpoint file.

    The file is read with ``torch.load(weights_only=True)`` (tensors and plain containers only, no code
    run), which is enough for the files the official trainers write. Files that need arbitrary pickled
    objects are refused unless ``unsafe_load`` is set: only do that for files from a trusted source.

    Args:
        filename (str): Path of the checkpoint (``.pth``/``.pth.tar``).
        unsafe_load (bool): Fall back to ``weights_only=False`` if the safe load fails.

    Returns:
        tuple[dict, dict]: The model state dict and meta data (``epoch``, ``weights_only`` load flag).
    """
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    try:
        checkpoint = torch.load(filename, map_location='cpu', weights_only=True)
        weights_only = True
    except pickle.UnpicklingError as err:
        if not unsafe_load:
            raise RuntimeError(
                f'{filename} cannot be loaded with torch.load(weights_only=True): it holds pickled objects '
                f'other than tensors and plain containers ({_blocking_global(err)}). If you trust the '
                'file, run again with --unsafe-load (weights_only=False executes code stored in the file).'
            ) from err
        print(f'WARNING: {filename} needs torch.load(weights_only=False); loading it because of '
              '--unsafe-load')
        checkpoint = torch.load(filename, map_location='cpu', weights_only=False)
        weights_only = False
    if not isinstance(checkpoint, dict):
        raise ValueError(f'{filename}: expected a dict, got {type(checkpoint).__name__}')
    state_dict = checkpoint
    for entry in _STATE_DICT_ENTRIES:
        if isinstance(checkpoint.get(entry), dict):
            state_dict = checkpoint[entry]
            break
    non_tensors = [k for k, v in state_dict.items() if not isinstance(v, Tensor)]
    if non_tensors:
        raise ValueError(f'{filename}: no model state dict found (entries {non_tensors[:5]} are not '
                         f'tensors); expected one of {_STATE_DICT_ENTRIES} or a bare state dict')
    if state_dict and all(k.startswith('module.') for k in state_dict):
        state_dict = OrderedDict((k[len('module.'):], v) for k, v in state_dict.items())
    meta = dict(weights_only_load=weights_only)
    for name in ('epoch', 'total_epochs'):
        if isinstance(checkpoint.get(name), int):
            meta[f'official_{name}'] = checkpoint[name]
    return state_dict, meta


def check_against_config(state_dict: Dict[str, Tensor], config: str) -> None:
    """Build the model of an mmrvos config and load ``state_dict`` into it strictly (keys and shapes)."""
    from mmengine.config import Config

    from mmrvos.registry import MODELS
    from mmrvos.utils import register_all_modules

    register_all_modules()
    model = MODELS.build(Config.fromfile(config).model)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    wrong_shape = [f'{k}: {tuple(state_dict[k].shape)} vs {tuple(v.shape)}' for k, v in expected.items()
                   if k in state_dict and state_dict[k].shape != v.shape]
    if missing or unexpected or wrong_shape:
        raise KeyError(f'converted weights do not fit {config}: missing {missing}, unexpected {unexpected}, '
                       f'shape mismatches {wrong_shape}')
    model.load_state_dict(state_dict, strict=True)
    print(f'checked: the converted weights load strictly into the model of {config}')


def converter_arg_parser(model: str, example: str) -> argparse.ArgumentParser:
    """Command line of the official-checkpoint converters: ``src dst [--check-config] [--unsafe-load]``."""
    parser = argparse.ArgumentParser(description=f'Convert an official {model} checkpoint to mmrvos')
    parser.add_argument('src', help=f'official checkpoint (e.g. {example})')
    parser.add_argument('dst', help='output mmrvos checkpoint (.pth)')
    parser.add_argument('--check-config', help='mmrvos config whose model must load the result strictly')
    parser.add_argument('--unsafe-load', action='store_true',
                        help='allow torch.load(weights_only=False) if the file needs it (trusted files only)')
    return parser


def parse_args() -> argparse.Namespace:
    return converter_arg_parser('SOC', 'ytvos_swin_tiny.pth.tar').parse_args()


def main() -> None:
    args = parse_args()
    official, meta = load_official_checkpoint(args.src, unsafe_load=args.unsafe_load)
    converted = convert_state_dict(official)
    if args.check_config:
        check_against_config(converted, args.check_config)
    meta.update(converted_from=osp.basename(args.src), converter='tools/model_converters/soc_to_mmrvos.py')
    torch.save(dict(meta=meta, state_dict=converted), args.dst)
    dropped = len(official) - len(converted)
    print(f'{args.src}: {len(official)} official keys -> {len(converted)} mmrvos keys ({dropped} dropped: '
          f'aliases and weight-less buffers), loaded with weights_only={meta["weights_only_load"]}; '
          f'saved to {args.dst}')


if __name__ == '__main__':
    main()
