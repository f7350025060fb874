# Copyright (c) mmrvos contributors. All rights reserved.
"""tools/model_converters/lbdt_to_mmrvos.py on synthetic checkpoints with the official LBDT key layout.

No official code is used: :func:`official_lbdt_keys` restates the key layout of
``dzh19990407/LBDT@f361af5`` ``models/LBDT_4.py::JointModel.state_dict()`` (1024 keys for ResNet-50 and
LBDT-4; see ``docs/model_conversion.md``), with the block layout of the ResNet as a parameter so that the
tests can use the tiny model.
"""
import pytest
import torch

from mmrvos.models.text_encoders import glove as glove_module
from mmrvos.registry import MODELS
from mmrvos.testing import get_config_root, load_script, tiny_lbdt_cfg, write_tiny_glove

conv = load_script('tools/model_converters/lbdt_to_mmrvos.py')

BN = ('weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked')
MHA = ('in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias')


def _conv_bn(prefix):
    return [f'{prefix}.0.weight'] + [f'{prefix}.1.{b}' for b in BN]


def official_lbdt_keys(blocks=(3, 4, 6, 3), bottleneck=True, num_layers=4):
    """State-dict keys of the official ``JointModel`` (torchvision ResNet blocks, any depth)."""
    keys = []
    convs = (1, 2, 3) if bottleneck else (1, 2)
    for stream in ('1', '2'):
        keys += [f'conv1_{stream}.weight'] + [f'bn1_{stream}.{b}' for b in BN]
        for stage, num in enumerate(blocks):
            for i in range(num):
                prefix = f'res{stage + 2}_{stream}.{i}'
                for c in convs:
                    keys += [f'{prefix}.conv{c}.weight'] + [f'{prefix}.bn{c}.{b}' for b in BN]
                if i == 0 and (bottleneck or stage > 0):
                    keys += [f'{prefix}.downsample.0.weight'] + [f'{prefix}.downsample.1.{b}' for b in BN]
    keys += [f'text_encoder.lstm.{p}_l0' for p in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh')]
    for tower in ('refine_spa', 'refine_tem'):
        for i in range(4):
            keys += _conv_bn(f'decoder.{tower}.{i}')
    for tower in ('spa_tower', 'tem_tower', 'fuse_tower'):
        for i in range(4):
            keys += _conv_bn(f'decoder.{tower}.{i}')
        keys += [f'decoder.{tower}.4.weight', f'decoder.{tower}.4.bias']
    keys += [f'decoder.fusion.img_flo_fc.0.{p}' for p in ('weight', 'bias')]
    for fc in ('img_txt_fc', 'flo_txt_fc', 'img_enhance_fc', 'flo_enhance_fc'):
        keys += [f'decoder.fusion.{fc}.{p}' for p in ('weight', 'bias')]
    keys += _conv_bn('decoder.fusion.fusion_cat_conv')
    keys += ['decoder.mask_head.weight', 'decoder.mask_head.bias']
    keys += _conv_bn('conv_r5_1_reduce') + _conv_bn('conv_r5_2_reduce')
    for stage in (4, 5):
        for i in range(num_layers):
            prefix = f'transformer.stage{stage}.layers.{i}'
            for attn in ('self_attn_words', 'cross_attn_img', 'cross_attn_flo'):
                keys += [f'{prefix}.{attn}.{p}' for p in MHA]
            for lin in ('linear1', 'linear2', 'norm_words_1', 'norm_words_2', 'norm_flo', 'norm_flo2'):
                keys += [f'{prefix}.{lin}.{p}' for p in ('weight', 'bias')]
    for name in ('conv_r4_1_reduce', 'conv_r4_2_reduce', 'conv_r4_1_up', 'conv_r4_2_up', 'conv_r5_1_up',
                 'conv_r5_2_up'):
        keys += _conv_bn(name)
    return keys


DEAD = ('decoder.spa_tower.', 'decoder.tem_tower.', 'decoder.mask_head.')


def test_resnet50_lbdt4_key_count():
    """1024 official entries (as the official model's state dict), 54 of them in unused modules."""
    keys = official_lbdt_keys()
    assert len(keys) == len(set(keys)) == 1024
    assert sum(k.startswith(DEAD) for k in keys) == 54


@pytest.fixture
def tiny_model(tmp_path):
    glove_module._TABLES.clear()
    cfg = tiny_lbdt_cfg(write_tiny_glove(str(tmp_path / 'glove.txt')))
    cfg['transfer']['num_layers'] = 2
    cfg['decode_head']['num_convs'] = 4  # the official tower depth
    yield MODELS.build(cfg), cfg
    glove_module._TABLES.clear()


def _official_state(model, num_layers=2):
    """A random official-layout state dict for ``model`` (tiny ResNet-18-style streams)."""
    ours = model.state_dict()
    state = {}
    for key in official_lbdt_keys(blocks=(2, 2, 2, 2), bottleneck=False, num_layers=num_layers):
        new = conv.convert_key(key)
        state[key] = torch.randn(ours[new].shape) if new is not None else torch.randn(3)
    return state


def test_key_map_is_a_bijection_onto_the_model(tiny_model):
    model, _ = tiny_model
    official = _official_state(model)
    converted = conv.convert_state_dict(official)
    assert set(converted) == set(model.state_dict())
    assert len(official) - len(converted) == sum(k.startswith(DEAD) for k in official)
    model.load_state_dict(converted, strict=True)
    assert torch.equal(model.decode_head.bca.joint_fc.weight, official['decoder.fusion.img_flo_fc.0.weight'])
    assert torch.equal(model.transfers[1].up_tem.bn.running_var, official['conv_r5_2_up.1.running_var'])
    assert torch.equal(model.backbone.temporal.layer4[1].bn2.weight, official['res5_2.1.bn2.weight'])
    assert torch.equal(model.decode_head.mask_tower[4].bias, official['decoder.fuse_tower.4.bias'])
    assert conv.infer_num_layers(official) == 2


def test_lbdt1_depth_and_bad_checkpoints(tiny_model):
    model, _ = tiny_model
    official = {k: v for k, v in _official_state(model).items() if '.layers.1.' not in k}
    assert conv.infer_num_layers(official) == 1
    uneven = {k: v for k, v in _official_state(model).items() if 'stage5.layers.1.' not in k}
    with pytest.raises(KeyError, match='stage 4 has 2 duplex layers but stage 5 1'):
        conv.infer_num_layers(uneven)
    with pytest.raises(KeyError, match='1 key.*match no LBDT conversion rule.*extra.weight'):
        conv.convert_state_dict(dict(official, **{'extra.weight': torch.zeros(1)}))
    with pytest.raises(KeyError, match='already an mmrvos checkpoint'):
        conv.convert_state_dict(model.state_dict())
    soc_like = {'backbone.0.body.patch_embed.proj.weight': torch.zeros(1),
                'query_embed.weight': torch.zeros(1)}
    with pytest.raises(KeyError, match='2 key'):
        conv.convert_state_dict(soc_like)
    with pytest.raises(KeyError, match='not an official LBDT checkpoint'):
        conv.infer_num_layers(soc_like)


def test_main_converts_a_bare_state_dict(tiny_model, tmp_path, monkeypatch, capsys):
    model, cfg = tiny_model
    src, dst = tmp_path / 'a2d_layer2.ckpt', tmp_path / 'converted.pth'
    torch.save(_official_state(model), src)  # the official main.py saves the bare state dict
    config = tmp_path / 'tiny_lbdt.py'
    config.write_text(f"_base_ = '{get_config_root()}/_base_/models/lbdt_tiny.py'\n"
                      f"model = dict(text_encoder=dict(glove_path='{cfg['text_encoder']['glove_path']}'),\n"
                      "             transfer=dict(num_layers=2), decode_head=dict(num_convs=4))\n")
    monkeypatch.setattr('sys.argv', ['lbdt_to_mmrvos.py', str(src), str(dst), '--check-config', str(config)])
    conv.main()
    out = capsys.readouterr().out
    assert 'LBDT-2' in out and 'load strictly' in out and 'weights_only=True' in out
    saved = torch.load(dst, weights_only=True)
    assert saved['meta']['lbdt_num_layers'] == 2
    model.load_state_dict(saved['state_dict'], strict=True)
    config.write_text(config.read_text().replace('num_layers=2', 'num_layers=1'))
    with pytest.raises(KeyError, match='do not fit'):
        conv.main()
