# Copyright (c) mmrvos contributors. All rights reserved.
import pytest
import torch

from mmrvos.registry import MODELS


def test_roberta_text_encoder_outputs(tiny_text_encoder_cfg):
    encoder = MODELS.build(dict(tiny_text_encoder_cfg, freeze=False))
    encoder.eval()
    texts = ['a red square moving down', 'the dog']
    out = encoder(texts)
    n, s = out['word_mask'].shape
    assert n == 2 and out['word_feats'].shape == (2, s, 128) and out['word_pos'].shape == (2, s, 128)
    assert out['sentence_feats'].shape == (2, 128)
    # the shorter sentence is padded, the longer is not
    assert not out['word_mask'][0].any() and out['word_mask'][1].any()
    tokens = encoder.tokenize(texts)
    assert tokens['input_ids'][0, 0] == 0 and tokens['input_ids'][1, -1] == 1  # <s> ... <pad>
    by_ids = encoder(input_ids=tokens['input_ids'], attention_mask=tokens['attention_mask'])
    torch.testing.assert_close(by_ids['word_feats'], out['word_feats'])
    by_ids_default_mask = encoder(input_ids=tokens['input_ids'])
    torch.testing.assert_close(by_ids_default_mask['sentence_feats'], out['sentence_feats'])
    # padding does not change the features of real tokens
    alone = encoder(texts[1:])
    real = ~out['word_mask'][1]
    torch.testing.assert_close(out['word_feats'][1, real], alone['word_feats'][0], atol=1e-5, rtol=1e-4)
    with pytest.raises(TypeError):
        encoder('a single string')


def test_roberta_text_encoder_freeze(tiny_text_encoder_cfg):
    encoder = MODELS.build(dict(tiny_text_encoder_cfg, freeze=True, frozen_eval=True))
    encoder.train()
    assert not any(p.requires_grad for p in encoder.model.parameters())
    assert not encoder.model.training and encoder.text_proj.training
    out = encoder(['a red square', 'a blue circle in the middle'])
    (out['word_feats'].sum() + out['sentence_feats'].sum()).backward()
    assert all(p.grad is None for p in encoder.model.parameters())
    assert all(p.grad is not None for p in encoder.text_proj.parameters())
    # without frozen_eval the frozen RoBERTa follows train() (official: dropout stays active)
    encoder = MODELS.build(dict(tiny_text_encoder_cfg, freeze=True))
    encoder.train()
    assert encoder.model.training and not any(p.requires_grad for p in encoder.model.parameters())


def test_roberta_text_encoder_trainable_gradients(tiny_text_encoder_cfg):
    encoder = MODELS.build(dict(tiny_text_encoder_cfg, freeze=False))
    encoder.train()
    out = encoder(['a red square moving down', 'the dog'])
    (out['word_feats'].sum() + out['sentence_feats'].sum()).backward()
    missing = [n for n, p in encoder.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing, missing


def test_roberta_text_encoder_bad_paths(tmp_path):
    with pytest.raises(ValueError, match='exactly one'):
        MODELS.build(dict(type='RoBERTaTextEncoder'))
    with pytest.raises(FileNotFoundError, match='not a local folder'):
        MODELS.build(dict(type='RoBERTaTextEncoder', model_path=str(tmp_path / 'missing')))


def test_roberta_text_encoder_init_keeps_loaded_weights(tmp_path, tiny_text_encoder_cfg):
    from transformers import RobertaConfig, RobertaModel, RobertaTokenizerFast
    model_dir = str(tmp_path / 'roberta')
    RobertaModel(RobertaConfig(**tiny_text_encoder_cfg['model_config'])).save_pretrained(model_dir)
    RobertaTokenizerFast.from_pretrained(tiny_text_encoder_cfg['tokenizer_path']).save_pretrained(model_dir)
    encoder = MODELS.build(dict(type='RoBERTaTextEncoder', model_path=model_dir, embed_dims=64))
    before = {k: v.clone() for k, v in encoder.model.state_dict().items()}
    encoder.init_weights()
    assert all(torch.equal(v, encoder.model.state_dict()[k]) for k, v in before.items())
    assert encoder(['a red square'])['word_feats'].shape[-1] == 64
