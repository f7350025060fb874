# Copyright (c) mmrvos contributors. All rights reserved.
"""tools/model_converters/cma_to_mmrvos.py on synthetic checkpoints with the official key layout.

No official code is used: :func:`official_cma_keys` restates the key layout of the official ``CMA``
(``hengliusky/Few_shot_RVOS@50e0f1d``, ``models/cma.py``, ``use_dab=True``, ``--with_box_refine``): the
official ReferFormer's layout (``test_referformer_converter.py``) without its sentence queries
(``query_embed``, ``transformer.reference_points``) plus the DAB queries and the affinity module. With
``roberta-base`` it has the 827 entries of the official model; with the 2-layer RoBERTa of the CPU parity run
(docs/model_conversion.md) it gave exactly (same keys, same order) the 667 keys of the official model.
"""
import pytest
import torch
from test_referformer_converter import _official_checkpoint, _small_referformer_cfg, official_referformer_keys
from test_soc_converter import WB

from mmrvos.testing import load_script

conv = load_script('tools/model_converters/cma_to_mmrvos.py')

AFFINITY = ('support_qkv', 'query_qkv')


def official_cma_keys(**layout):
    """State-dict keys of the official ``CMA`` (DAB queries, box refinement), in its order."""
    dec_layers = layout.get('dec_layers', 4)
    dab_decoder = [f'transformer.decoder.{m}.layers.{i}.{p}' for m in ('query_scale', 'ref_point_head')
                   for i in range(2) for p in WB]
    keys = []
    for key in official_referformer_keys(**layout):
        if key == 'transformer.decoder.bbox_embed.0.layers.0.weight':
            keys += dab_decoder
        if key == 'query_embed.weight':
            keys += ['tgt_embed.weight', 'refpoint_embed.weight']
        elif not key.startswith('transformer.reference_points.'):
            keys.append(key)
    keys += [f'{b}.{m}.{p}' for b in AFFINITY for m in ('query', 'Key', 'Value') for p in WB]
    keys += [f'{m}.{p}' for m in ('conv_q', 'layer_norm') for p in WB]
    assert sum(k.startswith('bbox_embed.') for k in keys) == dec_layers * 6
    return keys


def synthetic_official_state_dict(**layout):
    """Distinct small tensors under the official keys; the box-refinement aliases share their target."""
    state_dict = {key: torch.full((2, ), float(i)) for i, key in enumerate(official_cma_keys(**layout))}
    for key in state_dict:
        if key.startswith('transformer.decoder.bbox_embed.'):  # the same module in the official model
            state_dict[key] = state_dict[key[len('transformer.decoder.'):]]
    return state_dict


def roberta_base_keys():
    """Parameter names of Hugging Face ``roberta-base`` (12 layers, pooler) from a narrow model."""
    from transformers import RobertaConfig, RobertaModel

    config = RobertaConfig(vocab_size=8, hidden_size=4, num_hidden_layers=12, num_attention_heads=1,
                           intermediate_size=4, max_position_embeddings=8, type_vocab_size=1)
    buffers = ('position_ids', 'token_type_ids')
    return [k for k in RobertaModel(config).state_dict() if not k.endswith(buffers)]


# One official key per CMA rule family, with the mmrvos key written out by hand (the mmrvos names of
# CrossModalAffinity and CMAHead); ReferFormer's families are covered by test_referformer_converter.py.
EXPECTED = [
    ('support_qkv.Key.weight', 'affinity.support_qkv.Key.weight'),
    ('support_qkv.query.bias', 'affinity.support_qkv.query.bias'),
    ('query_qkv.query.weight', 'affinity.query_qkv.query.weight'),
    ('query_qkv.Value.bias', 'affinity.query_qkv.Value.bias'),
    ('conv_q.weight', 'affinity.conv_q.weight'),
    ('layer_norm.bias', 'affinity.layer_norm.bias'),
    ('tgt_embed.weight', 'head.tgt_embed.weight'),
    ('refpoint_embed.weight', 'head.refpoint_embed.weight'),
    ('transformer.decoder.query_scale.layers.1.weight', 'head.decoder.query_scale.layers.1.weight'),
    ('transformer.decoder.ref_point_head.layers.0.bias', 'head.decoder.ref_point_head.layers.0.bias'),
    # the ReferFormer families of the same model, through the same rule list
    ('backbone.0.body.layer4.2.bn3.running_mean', 'backbone.layer4.2.bn3.running_mean'),
    ('resizer.layer_norm.weight', 'text_encoder.text_proj.layer_norm.weight'),
    ('fusion_module.multihead_attn.in_proj_bias', 'neck.vlf.multihead_attn.in_proj_bias'),
    ('transformer.decoder.layers.1.cross_attn.value_proj.weight',
     'head.decoder.layers.1.cross_attn.value_proj.weight'),
    ('class_embed.2.bias', 'head.class_embed.2.bias'),
    ('pixel_decoder.cross_attn_1.norm2.weight', 'head.mask_head.pixel_decoder.cross_attn_1.norm2.weight'),
    ('controller.layers.2.weight', 'head.mask_head.controller.layers.2.weight'),
]


@pytest.mark.parametrize('official,expected', EXPECTED)
def test_convert_key(official, expected):
    assert conv.soc._full_sub(conv.KEY_RULES, official) == expected


def test_official_layout_827_entries():
    """roberta-base + ResNet-50: the 827 official entries -> 856 mmrvos entries (24 box-head aliases
    dropped, 53 num_batches_tracked added), every tensor moved, not copied."""
    official = synthetic_official_state_dict(text_encoder_keys=roberta_base_keys())
    assert len(official) == 827
    assert sum(k.startswith('backbone.0.body.') for k in official) == 265
    assert sum(k.startswith('text_encoder.') for k in official) == 199
    converted = conv.convert_state_dict(official)
    assert len(converted) == 827 - 24 + 53
    assert all(k.split('.')[0] in ('backbone', 'text_encoder', 'neck', 'head', 'affinity') for k in converted)
    assert len([k for k in converted if k.startswith('affinity.')]) == 16
    assert not any(k.startswith(('head.query_embed', 'head.reference_points', 'transformer'))
                   for k in converted)
    for key, new_key in EXPECTED:
        assert converted[new_key] is official[key]
    keys = list(converted)
    i = keys.index('backbone.layer1.0.downsample.1.running_var')
    assert keys[i + 1] == 'backbone.layer1.0.downsample.1.num_batches_tracked'
    assert converted[keys[i + 1]].dtype == torch.long and int(converted[keys[i + 1]]) == 0


def test_unknown_keys_are_an_error():
    official = synthetic_official_state_dict()
    official['support_qkv.Gate.weight'] = torch.zeros(2)  # not a QueryKeyValue conv
    official['transformer.decoder.query_pos.weight'] = torch.zeros(2)
    with pytest.raises(KeyError, match=r'2 official key.*CMA.*support_qkv\.Gate.*query_pos'):
        conv.convert_state_dict(official)
    with pytest.raises(KeyError, match='already an mmrvos checkpoint'):
        conv.convert_state_dict(conv.convert_state_dict(synthetic_official_state_dict()))


def test_non_dab_variants_and_other_backbones_are_refused():
    official = synthetic_official_state_dict()
    official['query_embed.weight'] = torch.zeros(2)  # the official base_cma.py / self_cma.py queries
    with pytest.raises(KeyError, match=r'non-DAB.*base_cma'):
        conv.convert_state_dict(official)
    official = {k: v for k, v in synthetic_official_state_dict().items() if not k.startswith('tgt_embed')}
    with pytest.raises(KeyError, match='tgt_embed'):
        conv.convert_state_dict(official)
    with pytest.raises(KeyError, match='video_swin backbone.*ResNet'):
        conv.convert_state_dict(synthetic_official_state_dict(backbone='video_swin'))
    official = {k: v for k, v in synthetic_official_state_dict().items()
                if not k.startswith('transformer.decoder.bbox_embed.')}
    with pytest.raises(KeyError, match='with_box_refine'):
        conv.convert_state_dict(official)


def test_alias_must_equal_its_target():
    official = synthetic_official_state_dict()
    official['transformer.decoder.bbox_embed.0.layers.2.bias'] = torch.full((2, ), -1.0)
    with pytest.raises(ValueError, match=r'transformer\.decoder\.bbox_embed\.0\.layers\.2\.bias'):
        conv.convert_state_dict(official)
    del official['bbox_embed.0.layers.2.bias']
    with pytest.raises(KeyError, match='missing'):
        conv.convert_state_dict(official)


def test_main_converts_the_model_entry_weights_only(tmp_path, monkeypatch, capsys):
    """The official train_ytvos.py file ({'model', 'optimizer', 'lr_scheduler', 'epoch', 'args'}) is read
    with weights_only=True (argparse.Namespace allowed)."""
    official = synthetic_official_state_dict()
    src, dst = str(tmp_path / 'checkpoint.pth'), str(tmp_path / 'converted.pth')
    torch.save(_official_checkpoint(official), src)
    monkeypatch.setattr('sys.argv', ['cma_to_mmrvos.py', src, dst])
    conv.main()
    out = capsys.readouterr().out
    assert 'ResNet-50' in out and 'weights_only=True' in out and '24 dropped' in out
    checkpoint = torch.load(dst, weights_only=True)
    assert checkpoint['meta']['official_epoch'] == 5
    assert checkpoint['meta']['converter'] == 'tools/model_converters/cma_to_mmrvos.py'
    assert torch.equal(checkpoint['state_dict']['affinity.conv_q.weight'], official['conv_q.weight'])
    assert set(checkpoint['state_dict']) == set(conv.convert_state_dict(official))


def test_synthetic_official_checkpoint_loads_into_mmrvos_cma(tmp_path, monkeypatch, capsys):
    """A checkpoint of a small official-layout CMA (ResNet-50 blocks, cross-modal FPN decoder) converts
    into weights that load strictly into mmrvos's CMA (--check-config)."""
    pytest.importorskip('mmrvos.models.heads.cma_head')
    from mmrvos.registry import MODELS
    from mmrvos.testing import build_tiny_text_encoder_cfg, tiny_cma_cfg

    text_encoder = build_tiny_text_encoder_cfg(str(tmp_path))
    cma = tiny_cma_cfg(text_encoder)
    model_cfg = _small_referformer_cfg(text_encoder, 'resnet')
    model_cfg.update({k: cma[k] for k in ('type', 'affinity', 'data_preprocessor', 'test_cfg')})
    model_cfg['head']['type'] = cma['head']['type']
    model = MODELS.build(model_cfg)
    expected = model.state_dict()
    head = model_cfg['head']
    text_keys = [k[len('text_encoder.model.'):] for k in expected if k.startswith('text_encoder.model.')]
    keys = official_cma_keys(text_encoder_keys=text_keys, enc_layers=head['encoder']['num_layers'],
                             dec_layers=head['decoder']['num_layers'])
    generator = torch.Generator().manual_seed(0)
    official = {}
    for key in keys:
        new_key = conv.soc._full_sub(conv.KEY_RULES, key)
        if new_key is not None:  # None: a box-refinement alias, filled below
            target = expected[new_key]
            official[key] = (target.clone() if not target.is_floating_point() else
                             torch.randn(target.shape, generator=generator))
    prefix = 'transformer.decoder.'
    official = {k: official[k[len(prefix):] if k.startswith(prefix + 'bbox_embed.') else k] for k in keys}
    src, dst = str(tmp_path / 'official.pth'), str(tmp_path / 'converted.pth')
    torch.save(_official_checkpoint(official), src)
    config = tmp_path / 'small_cma.py'
    config.write_text(f'model = {model_cfg!r}\n')

    monkeypatch.setattr('sys.argv', ['cma_to_mmrvos.py', src, dst, '--check-config', str(config)])
    conv.main()
    assert 'load strictly' in capsys.readouterr().out
    converted = torch.load(dst, weights_only=True)['state_dict']
    assert set(converted) == set(expected)
    model.load_state_dict(converted, strict=True)
    loaded = model.state_dict()
    for key, new_key in EXPECTED[:10]:
        assert torch.equal(loaded[new_key], official[key])
