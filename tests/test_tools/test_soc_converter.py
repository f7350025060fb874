# Copyright (c) mmrvos contributors. All rights reserved.
"""tools/model_converters/soc_to_mmrvos.py on synthetic checkpoints with the official SOC key layout.

No official code is used: :func:`official_soc_keys` restates the official key layout. It was checked to
give exactly (same keys, same order) the ``state_dict()`` keys of the official model built from
``RobertLuo1/NeurIPS2023_SOC@76b2915`` (480 keys for a tiny Swin with depths (2, 2, 2, 2) and a 2-layer
RoBERTa, 696 for Swin-T with roberta-base).
"""
import argparse
import math
import os.path as osp

import pytest
import torch

from mmrvos.testing import load_script

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load_converter():
    return load_script('tools/model_converters/soc_to_mmrvos.py')


conv = _load_converter()

WB = ('weight', 'bias')
MHA = ('in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias')
MSDA = [f'{m}.{p}' for m in ('sampling_offsets', 'attention_weights', 'value_proj', 'output_proj')
        for p in WB]
ROBERTA_KEYS = ['embeddings.word_embeddings.weight', 'embeddings.position_embeddings.weight',
                'embeddings.token_type_embeddings.weight', 'embeddings.LayerNorm.weight',
                'embeddings.LayerNorm.bias', 'encoder.layer.0.attention.self.query.weight',
                'encoder.layer.0.attention.output.LayerNorm.bias', 'encoder.layer.0.output.dense.weight',
                'pooler.dense.weight', 'pooler.dense.bias']


def official_soc_keys(swin_depths=(2, 2, 2, 2), text_encoder_keys=ROBERTA_KEYS, enc_layers=3, dec_layers=3,
                      voc_layers=3, controller_layers=3):
    """State-dict keys of the official ``SOC`` module, in its order (see the module docstring)."""
    keys = [f'backbone.0.body.patch_embed.{m}.{p}' for m in ('proj', 'norm') for p in WB]
    block = ([f'norm1.{p}' for p in WB]
             + ['attn.relative_position_bias_table', 'attn.relative_position_index']
             + [f'attn.{m}.{p}' for m in ('qkv', 'proj') for p in WB] + [f'norm2.{p}' for p in WB]
             + [f'mlp.{m}.{p}' for m in ('fc1', 'fc2') for p in WB])
    for i, depth in enumerate(swin_depths):
        keys += [f'backbone.0.body.layers.{i}.blocks.{j}.{k}' for j in range(depth) for k in block]
    for i in range(len(swin_depths) - 1):
        keys += [f'backbone.0.body.downsamples.{i}.reduction.weight']
        keys += [f'backbone.0.body.downsamples.{i}.norm.{p}' for p in WB]
    box_heads = [f'bbox_embed.{l}.layers.{k}.{p}' for l in range(dec_layers) for k in range(3) for p in WB]
    keys += box_heads + [f'class_embed.{l}.{p}' for l in range(dec_layers) for p in WB]
    keys += ['transformer.level_embed']
    for i in range(enc_layers):
        keys += [f'transformer.encoder.layers.{i}.self_attn.{k}' for k in MSDA]
        keys += [f'transformer.encoder.layers.{i}.{m}.{p}' for m in ('norm1', 'linear1', 'linear2', 'norm2')
                 for p in WB]
    for i in range(dec_layers):
        prefix = f'transformer.decoder.layers.{i}'
        keys += [f'{prefix}.cross_attn.{k}' for k in MSDA] + [f'{prefix}.norm1.{p}' for p in WB]
        keys += [f'{prefix}.self_attn.{k}' for k in MHA]
        keys += [f'{prefix}.{m}.{p}' for m in ('norm2', 'linear1', 'linear2', 'norm3') for p in WB]
    keys += ['transformer.decoder.' + k for k in box_heads]
    keys += [f'transformer.reference_points.{p}' for p in WB]
    keys += [f'input_proj.{l}.{m}.{p}' for l in range(4) for m in (0, 1) for p in WB]
    keys += ['text_encoder.' + k for k in text_encoder_keys] + ['query_embed.weight']
    fpn = ('lay1', 'gn1', 'lay2', 'gn2', 'lay3', 'gn3', 'lay4', 'gn4', 'adapter1', 'adapter2', 'adapter3',
           'lay5', 'gn5', 'out_lay')
    keys += [f'spatial_decoder.{m}.{p}' for m in fpn for p in WB]
    for i in range(voc_layers):
        keys += [f'voc.transformer_self_attention_layers.{i}.self_attn.{k}' for k in MHA]
        keys += [f'voc.transformer_self_attention_layers.{i}.norm.{p}' for p in WB]
    for i in range(voc_layers):
        keys += [f'voc.transformer_cross_attention_layers.{i}.multihead_attn.{k}' for k in MHA]
        keys += [f'voc.transformer_cross_attention_layers.{i}.norm.{p}' for p in WB]
    for i in range(voc_layers):
        keys += [f'voc.transformer_ffn_layers.{i}.{m}.{p}' for m in ('linear1', 'linear2', 'norm')
                 for p in WB]
    keys += ['voc.fq_pos.weight', 'voc.query_embed.weight'] + [f'voc.decoder_norm.{p}' for p in WB]
    for i in range(voc_layers):
        keys += [f'voc.enc_self_attn.{i}.self_attn.{k}' for k in MHA]
        keys += [f'voc.enc_self_attn.{i}.norm.{p}' for p in WB]
    for i in range(voc_layers):
        keys += [f'voc.enc_ffn.{i}.{m}.{p}' for m in ('linear1', 'linear2', 'norm') for p in WB]
    keys += [f'{m}.multihead_attn.{k}' for m in ('vlf', 'lvf') for k in MHA]
    keys += [f'txt_proj.{m}.{p}' for m in ('fc', 'layer_norm') for p in WB]
    keys += [f'controller.layers.{k}.{p}' for k in range(controller_layers) for p in WB]
    return keys


def synthetic_official_state_dict(**layout):
    """Distinct small tensors under the official keys, aliases sharing their target, plus position_ids."""
    state_dict = {}
    for i, key in enumerate(official_soc_keys(**layout)):
        if key.startswith('transformer.decoder.bbox_embed.'):  # the same tensor as bbox_embed.*
            state_dict[key] = state_dict[key[len('transformer.decoder.'):]]
        else:
            state_dict[key] = torch.full((2, ), float(i))
    state_dict['text_encoder.embeddings.position_ids'] = torch.arange(8)[None]
    return state_dict


# One official key per rule family, with the mmrvos key written out by hand (docs/soc_module_map.md).
EXPECTED = [
    ('backbone.0.body.patch_embed.proj.weight', 'backbone.patch_embed.proj.weight'),
    ('backbone.0.body.layers.2.blocks.5.attn.relative_position_bias_table',
     'backbone.layers.2.blocks.5.attn.relative_position_bias_table'),
    ('backbone.0.body.layers.0.blocks.1.mlp.fc2.bias', 'backbone.layers.0.blocks.1.mlp.fc2.bias'),
    ('backbone.0.body.downsamples.2.reduction.weight', 'backbone.layers.2.downsample.reduction.weight'),
    ('backbone.0.body.downsamples.0.norm.bias', 'backbone.layers.0.downsample.norm.bias'),
    ('text_encoder.encoder.layer.11.attention.self.key.weight',
     'text_encoder.model.encoder.layer.11.attention.self.key.weight'),
    ('text_encoder.pooler.dense.bias', 'text_encoder.model.pooler.dense.bias'),
    ('txt_proj.layer_norm.weight', 'text_encoder.text_proj.layer_norm.weight'),
    ('input_proj.3.1.bias', 'neck.input_proj.3.1.bias'),
    ('vlf.multihead_attn.in_proj_weight', 'neck.vlf.multihead_attn.in_proj_weight'),
    ('lvf.multihead_attn.out_proj.bias', 'neck.lvf.multihead_attn.out_proj.bias'),
    ('transformer.level_embed', 'head.level_embed'),
    ('transformer.reference_points.weight', 'head.reference_points.weight'),
    ('query_embed.weight', 'head.query_embed.weight'),
    ('transformer.encoder.layers.1.self_attn.sampling_offsets.bias',
     'head.encoder.layers.1.self_attn.sampling_offsets.bias'),
    ('transformer.encoder.layers.2.norm1.weight', 'head.encoder.layers.2.norms.0.weight'),
    ('transformer.encoder.layers.0.linear1.weight', 'head.encoder.layers.0.ffn.layers.0.0.weight'),
    ('transformer.encoder.layers.0.linear2.bias', 'head.encoder.layers.0.ffn.layers.1.bias'),
    ('transformer.encoder.layers.0.norm2.bias', 'head.encoder.layers.0.norms.1.bias'),
    ('transformer.decoder.layers.1.self_attn.in_proj_bias',
     'head.decoder.layers.1.self_attn.attn.in_proj_bias'),
    ('transformer.decoder.layers.1.norm2.weight', 'head.decoder.layers.1.norms.0.weight'),
    ('transformer.decoder.layers.2.cross_attn.value_proj.weight',
     'head.decoder.layers.2.cross_attn.value_proj.weight'),
    ('transformer.decoder.layers.2.norm1.bias', 'head.decoder.layers.2.norms.1.bias'),
    ('transformer.decoder.layers.0.linear2.weight', 'head.decoder.layers.0.ffn.layers.1.weight'),
    ('transformer.decoder.layers.0.norm3.weight', 'head.decoder.layers.0.norms.2.weight'),
    ('class_embed.2.bias', 'head.class_embed.2.bias'),
    ('bbox_embed.1.layers.2.weight', 'head.bbox_embed.1.layers.2.weight'),
    ('voc.enc_self_attn.2.self_attn.out_proj.weight',
     'head.voc.encoder.layers.2.self_attn.attn.out_proj.weight'),
    ('voc.enc_self_attn.0.norm.weight', 'head.voc.encoder.layers.0.norms.0.weight'),
    ('voc.enc_ffn.1.linear1.bias', 'head.voc.encoder.layers.1.ffn.layers.0.0.bias'),
    ('voc.enc_ffn.1.norm.bias', 'head.voc.encoder.layers.1.norms.1.bias'),
    ('voc.transformer_cross_attention_layers.0.multihead_attn.in_proj_weight',
     'head.voc.decoder.layers.0.cross_attn.attn.in_proj_weight'),
    ('voc.transformer_cross_attention_layers.0.norm.bias', 'head.voc.decoder.layers.0.norms.0.bias'),
    ('voc.transformer_self_attention_layers.2.self_attn.in_proj_bias',
     'head.voc.decoder.layers.2.self_attn.attn.in_proj_bias'),
    ('voc.transformer_self_attention_layers.2.norm.weight', 'head.voc.decoder.layers.2.norms.1.weight'),
    ('voc.transformer_ffn_layers.1.linear2.weight', 'head.voc.decoder.layers.1.ffn.layers.1.weight'),
    ('voc.transformer_ffn_layers.1.norm.weight', 'head.voc.decoder.layers.1.norms.2.weight'),
    ('voc.decoder_norm.weight', 'head.voc.decoder.post_norm.weight'),
    ('voc.fq_pos.weight', 'head.voc.fq_pos.weight'),
    ('voc.query_embed.weight', 'head.voc.query_embed.weight'),
    ('controller.layers.2.weight', 'head.mask_head.controller.layers.2.weight'),
    ('spatial_decoder.adapter3.bias', 'head.mask_head.pixel_decoder.adapter3.bias'),
    ('spatial_decoder.out_lay.weight', 'head.mask_head.pixel_decoder.out_lay.weight'),
]


@pytest.mark.parametrize('official,expected', EXPECTED)
def test_convert_key(official, expected):
    assert conv.convert_key(official) == expected


def test_every_official_key_is_mapped_dropped_or_aliased():
    official = synthetic_official_state_dict(swin_depths=(2, 2, 6, 2))
    converted = conv.convert_state_dict(official)
    # 18 aliases (3 box heads x 3 layers x weight/bias) and position_ids are the only dropped keys
    assert len(converted) == len(official) - 18 - 1
    assert not any('position_ids' in k or k.startswith('head.transformer') for k in converted)
    # tensors are moved, not copied or altered
    assert converted['head.bbox_embed.0.layers.0.weight'] is official['bbox_embed.0.layers.0.weight']
    kept = [k for k in official
            if 'position_ids' not in k and not k.startswith('transformer.decoder.bbox_embed')]
    assert all(converted[conv.convert_key(k)] is official[k] for k in kept)
    assert list(converted)[0] == 'backbone.patch_embed.proj.weight'


def test_unknown_keys_are_an_error():
    official = synthetic_official_state_dict()
    official['is_referred_head.weight'] = torch.zeros(2)
    official['transformer.enc_output.weight'] = torch.zeros(2)
    with pytest.raises(KeyError, match=r'2 official key.*is_referred_head\.weight.*enc_output\.weight'):
        conv.convert_state_dict(official)


def test_already_converted_checkpoint_is_refused():
    converted = conv.convert_state_dict(synthetic_official_state_dict())
    with pytest.raises(KeyError, match='already an mmrvos checkpoint'):
        conv.convert_state_dict(converted)


def test_alias_must_equal_its_target():
    official = synthetic_official_state_dict()
    official['transformer.decoder.bbox_embed.1.layers.0.bias'] = torch.full((2, ), -1.0)
    with pytest.raises(ValueError, match='transformer.decoder.bbox_embed.1.layers.0.bias'):
        conv.convert_state_dict(official)
    del official['bbox_embed.1.layers.0.bias']
    with pytest.raises(KeyError, match='missing'):
        conv.convert_state_dict(official)


def _trainer_checkpoint(state_dict):
    """What the official trainer saves (trainer.py save_checkpoint): model, AdamW, MultiStepLR, scaler."""
    params = [torch.nn.Parameter(torch.zeros(2))]
    optimizer = torch.optim.AdamW(params, lr=1e-4, weight_decay=1e-4)
    params[0].grad = torch.ones(2)
    optimizer.step()
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[20], gamma=0.1)
    return dict(epoch=19, total_epochs=30, model_state_dict=state_dict,
                optimizer_state_dict=optimizer.state_dict(), scheduler_state_dict=scheduler.state_dict(),
                grad_scaler_state_dict={}, best_loss=math.inf)


def test_load_trainer_checkpoint_weights_only(tmp_path):
    official = synthetic_official_state_dict()
    path = str(tmp_path / 'best.pth.tar')
    torch.save(_trainer_checkpoint(official), path)
    state_dict, meta = conv.load_official_checkpoint(path)
    assert meta == dict(weights_only_load=True, official_epoch=19, official_total_epochs=30)
    assert list(state_dict) == list(official)
    # DDP prefixes are stripped
    torch.save({'module.' + k: v for k, v in official.items()}, path)
    state_dict, meta = conv.load_official_checkpoint(path)
    assert list(state_dict) == list(official) and meta == dict(weights_only_load=True)


def test_unsafe_checkpoint_needs_opt_in(tmp_path, capsys):
    checkpoint = _trainer_checkpoint(synthetic_official_state_dict())
    checkpoint['config'] = argparse.Namespace(backbone='video-swin-t')  # a pickled object, not a tensor
    path = str(tmp_path / 'with_config.pth')
    torch.save(checkpoint, path)
    with pytest.raises(RuntimeError, match=r'weights_only=True.*argparse.Namespace.*--unsafe-load'):
        conv.load_official_checkpoint(path)
    _, meta = conv.load_official_checkpoint(path, unsafe_load=True)
    assert meta['weights_only_load'] is False
    assert 'weights_only=False' in capsys.readouterr().out
    with pytest.raises(FileNotFoundError):
        conv.load_official_checkpoint(str(tmp_path / 'missing.pth'))
    torch.save({'model_state_dict': {'a': torch.zeros(1)}, 'epoch': 1}, path)
    assert list(conv.load_official_checkpoint(path)[0]) == ['a']
    torch.save({'epoch': 1, 'note': 'no weights'}, path)
    with pytest.raises(ValueError, match='no model state dict'):
        conv.load_official_checkpoint(path)


# --------------------------------------------------------------------------------------------------
# End to end: a synthetic official checkpoint of a tiny SOC converts into weights that load strictly
# into mmrvos's SOC built from the Swin-T base config with tiny overrides.

TINY_TEXTS = ['a man riding a horse on the left', 'the dog to the right of the car', 'a small cat']


def _tiny_tokenizer(path):
    from tokenizers import ByteLevelBPETokenizer
    from tokenizers.processors import RobertaProcessing
    from transformers import RobertaTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(TINY_TEXTS, vocab_size=300, min_frequency=1,
                            special_tokens=['<s>', '<pad>', '</s>', '<unk>', '<mask>'])
    bpe.post_processor = RobertaProcessing(('</s>', bpe.token_to_id('</s>')), ('<s>', bpe.token_to_id('<s>')))
    bpe.save(osp.join(path, 'tokenizer.json'))
    tokenizer = RobertaTokenizerFast(tokenizer_file=osp.join(path, 'tokenizer.json'), bos_token='<s>',
                                     eos_token='</s>', sep_token='</s>', cls_token='<s>', unk_token='<unk>',
                                     pad_token='<pad>', mask_token='<mask>')
    tokenizer.save_pretrained(path)
    return path


def _tiny_soc_model_cfg(tokenizer_path):
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'models', 'soc_video-swin-t.py')).model
    cfg.backbone.update(arch=dict(embed_dims=16, depths=[2, 2, 2, 2], num_heads=[1, 2, 4, 8]),
                        pretrained=None)
    cfg.text_encoder = dict(
        type='RoBERTaTextEncoder', tokenizer_path=tokenizer_path, embed_dims=256,
        model_config=dict(vocab_size=300, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                          intermediate_size=64, max_position_embeddings=64, pad_token_id=1))
    cfg.neck.in_channels = [32, 64, 128]
    for part in (cfg.head.encoder, cfg.head.decoder):
        part.layer_cfg.ffn_cfg.feedforward_channels = 64
    cfg.head.voc.feedforward_channels = 64
    cfg.head.mask_head.pixel_decoder.fpn_dims = (256, 256, 16)
    return cfg


def test_synthetic_official_checkpoint_loads_into_mmrvos_soc(tmp_path, monkeypatch, capsys):
    from mmrvos.registry import MODELS

    model_cfg = _tiny_soc_model_cfg(_tiny_tokenizer(str(tmp_path)))
    model = MODELS.build(model_cfg)
    expected = model.state_dict()
    text_keys = [k[len('text_encoder.model.'):] for k in expected if k.startswith('text_encoder.model.')]
    generator = torch.Generator().manual_seed(0)
    official = {}
    for key in official_soc_keys(swin_depths=(2, 2, 2, 2), text_encoder_keys=text_keys):
        if key.startswith('transformer.decoder.bbox_embed.'):
            official[key] = official[key[len('transformer.decoder.'):]]  # shared module in the official code
            continue
        target = expected[conv.convert_key(key)]
        official[key] = (target.clone() if not target.is_floating_point() else
                         torch.randn(target.shape, generator=generator))
    official['text_encoder.embeddings.position_ids'] = torch.arange(64)[None]
    src, dst = str(tmp_path / 'official.pth.tar'), str(tmp_path / 'converted.pth')
    torch.save(_trainer_checkpoint(official), src)
    config = tmp_path / 'tiny_soc.py'
    config.write_text(f'model = {model_cfg.to_dict()!r}\n')

    monkeypatch.setattr('sys.argv', ['soc_to_mmrvos.py', src, dst, '--check-config', str(config)])
    conv.main()
    out = capsys.readouterr().out
    assert 'load strictly' in out and 'weights_only=True' in out

    checkpoint = torch.load(dst, weights_only=True)
    assert checkpoint['meta']['official_epoch'] == 19
    converted = checkpoint['state_dict']
    assert set(converted) == set(expected)
    model.load_state_dict(converted, strict=True)
    loaded = model.state_dict()
    for key in ('backbone.layers.1.downsample.reduction.weight', 'head.bbox_embed.2.layers.0.bias',
                'head.voc.decoder.post_norm.weight', 'text_encoder.model.pooler.dense.weight',
                'head.decoder.layers.0.self_attn.attn.in_proj_weight'):
        assert torch.equal(loaded[key], official[[k for k in official if conv.convert_key(k) == key][0]])

    # the same file without --check-config, but a wrong architecture in the config is reported
    model_cfg.neck.in_channels = [48, 96, 192]
    model_cfg.backbone.arch = dict(embed_dims=24, depths=[2, 2, 2, 2], num_heads=[1, 2, 4, 8])
    config.write_text(f'model = {model_cfg.to_dict()!r}\n')
    with pytest.raises(KeyError, match='shape mismatches.*backbone.patch_embed.proj.weight'):
        conv.check_against_config(converted, str(config))
