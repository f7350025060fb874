# Copyright (c) mmrvos contributors. All rights reserved.
"""LBDT's text encoder: the official tokenisation, the GloVe table read once and cached, bad files."""
import pytest
import torch

from mmrvos.models.text_encoders import GloVeTextEncoder, lbdt_tokenize, load_glove_table
from mmrvos.models.text_encoders import glove as glove_module
from mmrvos.testing import write_tiny_glove


@pytest.fixture
def glove_file(tmp_path):
    glove_module._TABLES.clear()
    yield write_tiny_glove(str(tmp_path / 'glove.txt'), dim=16)
    glove_module._TABLES.clear()


def test_tokenize_as_official():
    words, flags = lbdt_tokenize('A man, in RED. ', max_len=8)
    # separators are tokens (", " kept with its space), single spaces and the final "." are dropped
    assert words == ['a', 'man', ', ', 'in', 'red', '', '', '']
    assert flags == [1, 1, 1, 1, 1, 0, 0, 0]
    words, flags = lbdt_tokenize('one two three four', max_len=3)
    assert words == ['one', 'two', 'three'] and flags == [1, 1, 1]
    assert lbdt_tokenize('', max_len=2) == (['', ''], [1, 0])  # the official keeps one empty word


def test_glove_table_read_once_and_cached(glove_file):
    index, vectors = load_glove_table(glove_file, 16)
    assert vectors.shape == (len(index), 16) and index['red'] == 1
    cache = glove_file + '.pt'
    glove_module._TABLES.clear()
    with open(glove_file, 'w') as f:  # the cached tensor file is read instead of the text file
        f.write('broken\n')
    index2, vectors2 = load_glove_table(glove_file, 16)
    assert index2 == index and torch.equal(vectors2, vectors)
    assert load_glove_table(glove_file, 16)[1] is vectors2  # in memory within the process
    glove_module._TABLES.clear()
    with pytest.raises(ValueError, match=r'glove.txt.pt: word vectors of shape \(15, 16\), '
                       r'expected \(V, 8\)'):
        load_glove_table(glove_file, 8)  # a cached table of the wrong width
    assert cache.endswith('glove.txt.pt')


def test_glove_bad_files(tmp_path):
    glove_module._TABLES.clear()
    with pytest.raises(FileNotFoundError, match='missing.txt'):
        load_glove_table(str(tmp_path / 'missing.txt'), 300)
    path = write_tiny_glove(str(tmp_path / 'narrow.txt'), dim=16)
    with pytest.raises(ValueError, match=r'narrow.txt, line 1: .*300-d'):
        load_glove_table(path, 300)
    assert not (tmp_path / 'narrow.txt.pt').exists()
    with pytest.raises(ValueError, match='glove_path must name a local GloVe text file, got None'):
        GloVeTextEncoder(None)  # e.g. configs/_base_/models/lbdt_tiny.py without its word table


def test_glove_text_encoder(glove_file):
    encoder = GloVeTextEncoder(glove_file, embed_dims=12, word_dims=16, max_len=6)
    words, mask = encoder.embed_words(['the red dog', 'zzz'])
    index, vectors = load_glove_table(glove_file, 16)
    assert torch.equal(words[0, 1], vectors[index['red']])
    assert words[1].abs().sum() == 0  # unknown word and padding are zero vectors
    assert mask.tolist() == [[False] * 3 + [True] * 3, [False] + [True] * 5]
    out = encoder(['the red dog', 'zzz'])
    assert out['word_feats'].shape == (2, 6, 12) and out['word_pos'].shape == (2, 6, 12)
    # the sentence is the sum of all LSTM outputs, padding included
    torch.testing.assert_close(out['sentence_feats'], out['word_feats'].sum(1))
    # word positions are the slot index from 0, whatever the padding
    torch.testing.assert_close(out['word_pos'][0], out['word_pos'][1])
    assert out['word_pos'][0, 0, 0::2].abs().max() == 0 and out['word_pos'][0, 0, 1::2].min() == 1
