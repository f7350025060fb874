# Copyright (c) mmrvos contributors. All rights reserved.
"""tools/model_converters/referformer_to_mmrvos.py on synthetic checkpoints with the official key layout.

No official code is used: :func:`official_referformer_keys` restates the key layout of the official
``ReferFormer`` (``wjn922/ReferFormer@06fc218``, ``--with_box_refine``). It was checked to give exactly (same
keys, same order) the ``state_dict()`` keys of the official model for ResNet-50 (644 keys with a 2-layer
RoBERTa), a Video Swin with depths (2, 2, 2, 2) (504) and an image Swin with depths (2, 2, 2, 2) (512).
The end-to-end test converts such a checkpoint of a small ReferFormer with the command line and loads it
strictly into mmrvos's ``ReferFormer`` (ResNet-50 blocks and Video Swin, ``CrossModalFPNDecoder``).
"""
import argparse

import pytest
import torch
from test_soc_converter import MHA, MSDA, ROBERTA_KEYS, WB

from mmrvos.testing import load_script

conv = load_script('tools/model_converters/referformer_to_mmrvos.py')

FROZEN_BN = ('weight', 'bias', 'running_mean', 'running_var')


def _resnet_body(blocks):
    keys = ['conv1.weight'] + [f'bn1.{b}' for b in FROZEN_BN]
    for stage, num in enumerate(blocks):
        for i in range(num):
            prefix = f'layer{stage + 1}.{i}'
            for c in (1, 2, 3):
                keys += [f'{prefix}.conv{c}.weight'] + [f'{prefix}.bn{c}.{b}' for b in FROZEN_BN]
            if i == 0:
                keys += [f'{prefix}.downsample.0.weight'] + [f'{prefix}.downsample.1.{b}' for b in FROZEN_BN]
    return keys


def _swin_body(depths, video):
    keys = [f'patch_embed.{m}.{p}' for m in ('proj', 'norm') for p in WB]
    block = ([f'norm1.{p}' for p in WB]
             + ['attn.relative_position_bias_table', 'attn.relative_position_index']
             + [f'attn.{m}.{p}' for m in ('qkv', 'proj') for p in WB] + [f'norm2.{p}' for p in WB]
             + [f'mlp.{m}.{p}' for m in ('fc1', 'fc2') for p in WB])
    merge = ['reduction.weight'] + [f'norm.{p}' for p in WB]
    for i, depth in enumerate(depths):
        keys += [f'layers.{i}.blocks.{j}.{k}' for j in range(depth) for k in block]
        if not video and i < len(depths) - 1:  # image Swin: PatchMerging inside the stage
            keys += [f'layers.{i}.downsample.{k}' for k in merge]
    if video:  # MTTR's wrapper: PatchMerging moved out of the stages, the last one dropped
        keys += [f'downsamples.{i}.{k}' for i in range(len(depths) - 1) for k in merge]
    else:  # output norms of out_indices (0, 1, 2, 3)
        keys += [f'norm{i}.{p}' for i in range(len(depths)) for p in WB]
    return keys


def official_referformer_keys(backbone='resnet', resnet_blocks=(3, 4, 6, 3), swin_depths=(2, 2, 2, 2),
                              text_encoder_keys=ROBERTA_KEYS, enc_layers=4, dec_layers=4,
                              controller_layers=3):
    """State-dict keys of the official ``ReferFormer`` (box refinement), in its order."""
    keys = ['transformer.level_embed']
    for i in range(enc_layers):
        keys += [f'transformer.encoder.layers.{i}.self_attn.{k}' for k in MSDA]
        keys += [f'transformer.encoder.layers.{i}.{m}.{p}' for m in ('norm1', 'linear1', 'linear2', 'norm2')
                 for p in WB]
    for i in range(dec_layers):
        prefix = f'transformer.decoder.layers.{i}'
        keys += [f'{prefix}.cross_attn.{k}' for k in MSDA] + [f'{prefix}.norm1.{p}' for p in WB]
        keys += [f'{prefix}.self_attn.{k}' for k in MHA]
        keys += [f'{prefix}.{m}.{p}' for m in ('norm2', 'linear1', 'linear2', 'norm3') for p in WB]
    box_heads = [f'bbox_embed.{l}.layers.{k}.{p}' for l in range(dec_layers) for k in range(3) for p in WB]
    keys += ['transformer.decoder.' + k for k in box_heads]
    keys += [f'transformer.reference_points.{p}' for p in WB]
    keys += [f'class_embed.{l}.{p}' for l in range(dec_layers) for p in WB]
    keys += box_heads + ['query_embed.weight']
    keys += [f'input_proj.{l}.{m}.{p}' for l in range(4) for m in (0, 1) for p in WB]
    body = (_resnet_body(resnet_blocks) if backbone == 'resnet' else
            _swin_body(swin_depths, video=backbone == 'video_swin'))
    keys += ['backbone.0.body.' + k for k in body]
    keys += ['text_encoder.' + k for k in text_encoder_keys]
    keys += [f'resizer.{m}.{p}' for m in ('fc', 'layer_norm') for p in WB]
    keys += [f'fusion_module.multihead_attn.{k}' for k in MHA]
    for k in range(1, 5):
        for m in (f'adapter_{k}', f'layer_{k}'):
            keys += [f'pixel_decoder.{m}.weight'] + [f'pixel_decoder.{m}.norm.{p}' for p in WB]
    keys += [f'pixel_decoder.mask_features.{p}' for p in WB]
    for k in range(1, 5):
        prefix = f'pixel_decoder.cross_attn_{k}'
        keys += [f'{prefix}.{a}.{m}' for a in ('self_attn', 'multihead_attn') for m in MHA]
        keys += [f'{prefix}.{m}.{p}' for m in ('linear1', 'linear2', 'norm1', 'norm2', 'norm3') for p in WB]
    keys += [f'controller.layers.{k}.{p}' for k in range(controller_layers) for p in WB]
    return keys


def synthetic_official_state_dict(**layout):
    """Distinct small tensors under the official keys, aliases sharing their target, plus position_ids."""
    state_dict = {}
    for i, key in enumerate(official_referformer_keys(**layout)):
        # patch merging: (2C, 4C) and (4C, ), the shapes mmdet's Swin converter reorders
        shape = (2, 4) if 'reduction' in key else (4, ) if 'downsample' in key else (2, )
        state_dict[key] = torch.full(shape, float(i))
    for key in list(state_dict):
        if key.startswith('transformer.decoder.bbox_embed.'):  # the same module in the official model
            state_dict[key] = state_dict[key[len('transformer.decoder.'):]]
    state_dict['text_encoder.embeddings.position_ids'] = torch.arange(8)[None]
    return state_dict


# One official key per rule family, with the mmrvos key written out by hand.
EXPECTED = [
    ('backbone.0.body.conv1.weight', 'backbone.conv1.weight'),
    ('backbone.0.body.bn1.running_var', 'backbone.bn1.running_var'),
    ('backbone.0.body.layer3.5.bn2.bias', 'backbone.layer3.5.bn2.bias'),
    ('backbone.0.body.layer4.0.downsample.0.weight', 'backbone.layer4.0.downsample.0.weight'),
    ('backbone.0.body.layer2.0.downsample.1.running_mean', 'backbone.layer2.0.downsample.1.running_mean'),
    ('text_encoder.encoder.layer.0.attention.self.query.weight',
     'text_encoder.model.encoder.layer.0.attention.self.query.weight'),
    ('resizer.fc.weight', 'text_encoder.text_proj.fc.weight'),
    ('resizer.layer_norm.bias', 'text_encoder.text_proj.layer_norm.bias'),
    ('input_proj.3.0.weight', 'neck.input_proj.3.0.weight'),
    ('fusion_module.multihead_attn.in_proj_weight', 'neck.vlf.multihead_attn.in_proj_weight'),
    ('fusion_module.multihead_attn.out_proj.bias', 'neck.vlf.multihead_attn.out_proj.bias'),
    ('transformer.level_embed', 'head.level_embed'),
    ('transformer.reference_points.bias', 'head.reference_points.bias'),
    ('query_embed.weight', 'head.query_embed.weight'),
    ('transformer.encoder.layers.3.self_attn.attention_weights.weight',
     'head.encoder.layers.3.self_attn.attention_weights.weight'),
    ('transformer.encoder.layers.1.linear1.bias', 'head.encoder.layers.1.ffn.layers.0.0.bias'),
    ('transformer.decoder.layers.3.self_attn.out_proj.weight',
     'head.decoder.layers.3.self_attn.attn.out_proj.weight'),
    ('transformer.decoder.layers.2.cross_attn.sampling_offsets.bias',
     'head.decoder.layers.2.cross_attn.sampling_offsets.bias'),
    ('transformer.decoder.layers.0.norm3.bias', 'head.decoder.layers.0.norms.2.bias'),
    ('class_embed.3.weight', 'head.class_embed.3.weight'),
    ('bbox_embed.3.layers.2.bias', 'head.bbox_embed.3.layers.2.bias'),
    ('controller.layers.0.weight', 'head.mask_head.controller.layers.0.weight'),
    ('pixel_decoder.adapter_1.weight', 'head.mask_head.pixel_decoder.adapter_1.weight'),
    ('pixel_decoder.layer_4.norm.bias', 'head.mask_head.pixel_decoder.layer_4.norm.bias'),
    ('pixel_decoder.mask_features.weight', 'head.mask_head.pixel_decoder.mask_features.weight'),
    ('pixel_decoder.cross_attn_2.self_attn.in_proj_bias',
     'head.mask_head.pixel_decoder.cross_attn_2.self_attn.in_proj_bias'),
    ('pixel_decoder.cross_attn_4.multihead_attn.out_proj.weight',
     'head.mask_head.pixel_decoder.cross_attn_4.multihead_attn.out_proj.weight'),
    ('pixel_decoder.cross_attn_1.norm3.weight', 'head.mask_head.pixel_decoder.cross_attn_1.norm3.weight'),
]


def _rename(key, backbone='resnet'):
    rules = (conv.RESNET_RULES if backbone == 'resnet' else conv.soc.VIDEO_SWIN_RULES) + conv.KEY_RULES
    return conv.soc._full_sub(rules, key)


@pytest.mark.parametrize('official,expected', EXPECTED)
def test_convert_key(official, expected):
    assert _rename(official) == expected


@pytest.mark.parametrize('backbone,depth', [('resnet', 'ResNet-50'), ('video_swin', 'Video Swin'),
                                            ('swin', 'Swin')])
def test_every_official_key_is_mapped_dropped_or_aliased(backbone, depth):
    official = synthetic_official_state_dict(backbone=backbone)
    assert conv.detect_backbone(official) == backbone
    assert conv.describe_backbone(official, backbone).startswith(depth)
    converted = conv.convert_state_dict(official)
    # 24 aliases (3 box-head layers x 4 decoder layers x weight/bias) and position_ids are dropped
    bns = sum(k.endswith('.running_var') for k in official) if backbone == 'resnet' else 0
    assert len(converted) == len(official) - 24 - 1 + bns
    assert not any('position_ids' in k or k.startswith(('head.transformer', 'transformer'))
                   for k in converted)
    assert all(k.split('.')[0] in ('backbone', 'text_encoder', 'neck', 'head') for k in converted)
    # tensors are moved, not copied or altered
    assert converted['head.bbox_embed.1.layers.0.weight'] is official['bbox_embed.1.layers.0.weight']
    assert (converted['neck.vlf.multihead_attn.in_proj_bias']
            is official['fusion_module.multihead_attn.in_proj_bias'])
    if backbone == 'resnet':
        assert converted['backbone.layer1.0.bn3.weight'] is official['backbone.0.body.layer1.0.bn3.weight']
        # mmdet BN buffers: zeros right after running_var, one per FrozenBN
        keys = list(converted)
        i = keys.index('backbone.layer2.0.downsample.1.running_var')
        assert keys[i + 1] == 'backbone.layer2.0.downsample.1.num_batches_tracked'
        assert converted[keys[i + 1]].dtype == torch.long and int(converted[keys[i + 1]]) == 0
        assert bns == 53
    elif backbone == 'video_swin':
        assert (converted['backbone.layers.2.downsample.reduction.weight']
                is official['backbone.0.body.downsamples.2.reduction.weight'])
    else:  # mmdet's swin_converter: names and the patch-merging channel order
        assert 'backbone.stages.1.blocks.0.attn.w_msa.qkv.weight' in converted
        assert 'backbone.stages.0.blocks.1.ffn.layers.0.0.bias' in converted
        assert 'backbone.norm3.weight' in converted and 'backbone.patch_embed.projection.weight' in converted
        official['backbone.0.body.layers.1.downsample.norm.weight'] = torch.arange(8.)
        converted = conv.convert_state_dict(official)
        assert converted['backbone.stages.1.downsample.norm.weight'].tolist() == [0, 4, 2, 6, 1, 5, 3, 7]


def test_resnet50_roberta_base_counts():
    """The counts of docs/model_conversion.md: 805 official entries (roberta-base saved by transformers 4.x,
    with position_ids), 833 mmrvos entries (24 aliases and position_ids dropped, 53 num_batches_tracked)."""
    embeddings = ('word_embeddings.weight', 'position_embeddings.weight', 'token_type_embeddings.weight',
                  'LayerNorm.weight', 'LayerNorm.bias')
    text = [f'embeddings.{k}' for k in embeddings]
    sublayers = ('attention.self.query', 'attention.self.key', 'attention.self.value',
                 'attention.output.dense', 'attention.output.LayerNorm', 'intermediate.dense', 'output.dense',
                 'output.LayerNorm')
    text += [f'encoder.layer.{i}.{m}.{p}' for i in range(12) for m in sublayers for p in WB]
    text += [f'pooler.dense.{p}' for p in WB]
    official = synthetic_official_state_dict(text_encoder_keys=text)
    assert len(official) == 805
    assert len(conv.convert_state_dict(official)) == 833


def test_resnet101_is_named():
    official = synthetic_official_state_dict(resnet_blocks=(3, 4, 23, 3))
    assert conv.describe_backbone(official, 'resnet') == 'ResNet-101'
    assert 'backbone.layer3.22.conv3.weight' in conv.convert_state_dict(official)


def test_unknown_keys_are_an_error():
    official = synthetic_official_state_dict()
    official['transformer.enc_output.weight'] = torch.zeros(2)  # two-stage head: not ReferFormer
    official['backbone.0.body.fc.weight'] = torch.zeros(2)  # torchvision classifier: not in the model
    official['pixel_decoder.lateral_convs.0.weight'] = torch.zeros(2)
    with pytest.raises(KeyError, match=r'3 official key.*ReferFormer.*enc_output.*body\.fc\.weight.*lateral'):
        conv.convert_state_dict(official)
    official = synthetic_official_state_dict(backbone='swin')
    official['backbone.0.body.absolute_pos_embed'] = torch.zeros(2)
    with pytest.raises(KeyError, match='1 Swin backbone key.*absolute_pos_embed'):
        conv.convert_state_dict(official)


def test_soc_and_mmrvos_checkpoints_are_refused():
    soc_like = synthetic_official_state_dict(backbone='video_swin')
    soc_like['voc.query_embed.weight'] = torch.zeros(2)  # a SOC family: not accepted here
    with pytest.raises(KeyError, match='voc.query_embed'):
        conv.convert_state_dict(soc_like)
    converted = conv.convert_state_dict(synthetic_official_state_dict())
    with pytest.raises(KeyError, match='already an mmrvos checkpoint'):
        conv.convert_state_dict(converted)


def test_model_without_box_refinement_is_refused():
    official = {k: v for k, v in synthetic_official_state_dict().items()
                if not k.startswith('transformer.decoder.bbox_embed.')}
    with pytest.raises(KeyError, match='with_box_refine'):
        conv.convert_state_dict(official)


def test_alias_must_equal_its_target():
    official = synthetic_official_state_dict()
    official['transformer.decoder.bbox_embed.2.layers.1.weight'] = torch.full((2, ), -1.0)
    with pytest.raises(ValueError, match=r'transformer\.decoder\.bbox_embed\.2\.layers\.1\.weight'):
        conv.convert_state_dict(official)
    del official['bbox_embed.2.layers.1.weight']
    with pytest.raises(KeyError, match='missing'):
        conv.convert_state_dict(official)


def _official_checkpoint(state_dict):
    """What the official main.py saves: model, optimizer, lr_scheduler, epoch and the argparse args."""
    params = [torch.nn.Parameter(torch.zeros(2))]
    optimizer = torch.optim.AdamW(params, lr=1e-4, weight_decay=5e-4)
    params[0].grad = torch.ones(2)
    optimizer.step()
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[6, 8], gamma=0.1)
    args = argparse.Namespace(backbone='resnet50', with_box_refine=True, binary=True, lr_drop=[6, 8],
                              output_dir='ytvos_dirs/r50', resume='', num_frames=5)
    return dict(model=state_dict, optimizer=optimizer.state_dict(), lr_scheduler=scheduler.state_dict(),
                epoch=5, args=args)


def test_main_converts_the_model_entry_weights_only(tmp_path, monkeypatch, capsys):
    official = synthetic_official_state_dict()
    src, dst = str(tmp_path / 'ytvos_r50.pth'), str(tmp_path / 'converted.pth')
    torch.save(_official_checkpoint(official), src)
    monkeypatch.setattr('sys.argv', ['referformer_to_mmrvos.py', src, dst])
    conv.main()
    out = capsys.readouterr().out
    assert 'ResNet-50' in out and 'weights_only=True' in out and '53 num_batches_tracked added' in out
    checkpoint = torch.load(dst, weights_only=True)
    assert checkpoint['meta']['official_epoch'] == 5
    assert checkpoint['meta']['official_backbone'] == 'ResNet-50'
    assert checkpoint['meta']['converter'] == 'tools/model_converters/referformer_to_mmrvos.py'
    assert torch.equal(checkpoint['state_dict']['head.query_embed.weight'], official['query_embed.weight'])
    assert set(checkpoint['state_dict']) == set(conv.convert_state_dict(official))


def test_other_pickled_objects_still_need_opt_in(tmp_path):
    checkpoint = _official_checkpoint(synthetic_official_state_dict())
    checkpoint['args'].output_dir = tmp_path  # a pathlib.Path inside the args: not a plain container
    path = str(tmp_path / 'with_path.pth')
    torch.save(checkpoint, path)
    with pytest.raises(RuntimeError, match='--unsafe-load'):
        conv.soc.load_official_checkpoint(path, safe_globals=[argparse.Namespace])
    state_dict, meta = conv.soc.load_official_checkpoint(path, unsafe_load=True,
                                                         safe_globals=[argparse.Namespace])
    assert meta['weights_only_load'] is False and 'query_embed.weight' in state_dict


# --------------------------------------------------------------------------------------------------
# End to end: a synthetic official checkpoint of a small ReferFormer (official layout: ResNet-50 blocks or
# Video Swin, cross-modal FPN decoder) converts into weights that load strictly into mmrvos's ReferFormer.

def _small_referformer_cfg(text_encoder, backbone):
    """The tiny ReferFormer of mmrvos.testing with the official backbone layouts and pixel decoder."""
    from mmrvos.testing import tiny_referformer_cfg

    cfg = tiny_referformer_cfg(text_encoder)
    embed_dims = cfg['head']['embed_dims']
    if backbone == 'resnet':  # ResNet-50 blocks, 8 base channels: stages of 32, 64, 128, 256
        cfg['backbone'].update(depth=50, base_channels=8, stem_channels=8)
        stage_dims = [32, 64, 128, 256]
    else:
        arch = dict(embed_dims=16, depths=[1, 1, 2, 1], num_heads=[1, 1, 2, 2])
        cfg.update(frame_backbone=False,
                   backbone=dict(type='VideoSwinTransformerRVOS', arch=arch, drop_path_rate=0.0))
        stage_dims = [16, 32, 64, 128]
    cfg['neck']['in_channels'] = stage_dims[1:]
    cfg['head']['mask_head'] = dict(
        type='DynamicMaskHead', in_channels=8,
        pixel_decoder=dict(type='CrossModalFPNDecoder', in_channels=(stage_dims[0], ) + (embed_dims, ) * 3,
                           feat_channels=embed_dims, out_channels=8, num_heads=4, feedforward_channels=64))
    return cfg


@pytest.mark.parametrize('backbone', ['resnet', 'video_swin'])
def test_synthetic_official_checkpoint_loads_into_mmrvos_referformer(backbone, tmp_path, monkeypatch, capsys):
    from mmrvos.registry import MODELS
    from mmrvos.testing import build_tiny_text_encoder_cfg

    model_cfg = _small_referformer_cfg(build_tiny_text_encoder_cfg(str(tmp_path)), backbone)
    model = MODELS.build(model_cfg)
    expected = model.state_dict()
    text_keys = [k[len('text_encoder.model.'):] for k in expected if k.startswith('text_encoder.model.')]
    head = model_cfg['head']
    keys = official_referformer_keys(backbone=backbone, swin_depths=(1, 1, 2, 1), text_encoder_keys=text_keys,
                                     enc_layers=head['encoder']['num_layers'],
                                     dec_layers=head['decoder']['num_layers'])
    rules = (conv.RESNET_RULES if backbone == 'resnet' else conv.soc.VIDEO_SWIN_RULES) + conv.KEY_RULES
    generator = torch.Generator().manual_seed(0)
    official = {}
    for key in keys:
        if key.startswith('transformer.decoder.bbox_embed.'):
            continue
        target = expected[conv.soc._full_sub(rules, key)]
        official[key] = (target.clone() if not target.is_floating_point() else
                         torch.randn(target.shape, generator=generator))
    for key in keys:  # the box refinement's alias: the same tensor
        if key.startswith('transformer.decoder.bbox_embed.'):
            official[key] = official[key[len('transformer.decoder.'):]]
    official = {k: official[k] for k in keys}
    src, dst = str(tmp_path / 'official.pth'), str(tmp_path / 'converted.pth')
    torch.save(_official_checkpoint(official), src)
    config = tmp_path / 'small_referformer.py'
    config.write_text(f'model = {model_cfg!r}\n')

    monkeypatch.setattr('sys.argv', ['referformer_to_mmrvos.py', src, dst, '--check-config', str(config)])
    conv.main()
    assert 'load strictly' in capsys.readouterr().out
    converted = torch.load(dst, weights_only=True)['state_dict']
    assert set(converted) == set(expected)
    model.load_state_dict(converted, strict=True)
    loaded = model.state_dict()
    for official_key, key in (('pixel_decoder.cross_attn_3.self_attn.in_proj_weight',
                               'head.mask_head.pixel_decoder.cross_attn_3.self_attn.in_proj_weight'),
                              ('fusion_module.multihead_attn.out_proj.weight',
                               'neck.vlf.multihead_attn.out_proj.weight'),
                              ('resizer.layer_norm.weight', 'text_encoder.text_proj.layer_norm.weight')):
        assert torch.equal(loaded[key], official[official_key])
    if backbone == 'resnet':
        assert torch.equal(loaded['backbone.layer3.2.bn1.running_var'],
                           official['backbone.0.body.layer3.2.bn1.running_var'])
