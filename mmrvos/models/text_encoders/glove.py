# Copyright (c) mmrvos contributors. All rights reserved.
"""GloVe word vectors + LSTM: LBDT's text encoder (Ding et al., CVPR 2022)."""
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmrvos.registry import MODELS

#: LBDT's word splitter (``dataloader/word_utils.py``): runs of non-word characters are tokens too.
_SPLIT = re.compile(r'(\W+)')

_BLOCK_ROWS = 65536

#: GloVe tables already read in this process, by cache file.
_TABLES: Dict[str, Tuple[Dict[str, int], Tensor]] = {}


def lbdt_tokenize(sentence: str, max_len: int = 25) -> Tuple[List[str], List[int]]:
    """Split a sentence as the official LBDT does.

    The sentence is stripped and split on ``(\\W+)`` keeping the separators as tokens; tokens are
    lower-cased, empty and single-space tokens dropped, a final ``"."`` dropped, then the list is cut or
    padded with ``""`` to ``max_len``.

    Args:
        sentence (str): The sentence.
        max_len (int): Number of word slots S. Defaults to 25.

    Returns:
        tuple[list[str], list[int]]: S tokens and S flags (1 = word, 0 = padding).
    """
    words = [w.lower() for w in _SPLIT.split(sentence.strip()) if len(w) > 0 and w != ' ']
    words = words or ['']
    if words[-1] == '.':
        words = words[:-1]
    words = words[:max_len]
    flags = [1] * len(words) + [0] * (max_len - len(words))
    return words + [''] * (max_len - len(words)), flags


def read_glove_file(path: str, dim: int) -> Tuple[List[str], Tensor]:
    """Read a GloVe text file (``word v_1 ... v_dim`` per line).

    The word is everything before the last ``dim`` fields (``glove.840B`` has a few words with spaces);
    a word given twice keeps its last vector (as torchtext).

    Args:
        path (str): The ``.txt`` file.
        dim (int): Expected vector width.

    Returns:
        tuple[list[str], Tensor]: The words and their (V, dim) vectors.
    """
    words: List[str] = []
    # float32 blocks of rows: glove.840B.300d has 2.2 M words (2.6 GB as float32)
    blocks, block, filled = [], np.empty((_BLOCK_ROWS, dim), np.float32), 0
    with open(path, encoding='utf-8', errors='replace') as f:
        for lineno, line in enumerate(f, 1):
            fields = line.rstrip('\n').rstrip(' ').split(' ')
            if len(fields) <= dim:
                raise ValueError(f'{path}, line {lineno}: expected a word and {dim} numbers, got '
                                 f'{len(fields)} fields (is the word table {dim}-d?)')
            try:
                block[filled] = np.asarray(fields[-dim:], dtype=np.float32)
            except ValueError as err:
                raise ValueError(f'{path}, line {lineno}: {err} (is the word table {dim}-d?)') from None
            words.append(' '.join(fields[:-dim]))
            filled += 1
            if filled == _BLOCK_ROWS:
                blocks.append(block)
                block, filled = np.empty((_BLOCK_ROWS, dim), np.float32), 0
    if not words:
        raise ValueError(f'{path}: no word vectors')
    return words, torch.from_numpy(np.concatenate(blocks + [block[:filled]]))


def load_glove_table(path: str, dim: int, cache_path: Optional[str] = None) -> Tuple[Dict[str, int], Tensor]:
    """The word -> row index map and (V, dim) vectors of a GloVe file, read once.

    The first call reads the text file and writes ``cache_path`` (default ``<path>.pt``), which later
    runs load instead; within one process the table is kept in memory.

    Args:
        path (str): GloVe text file (e.g. ``glove.840B.300d.txt``).
        dim (int): Vector width.
        cache_path (str, optional): Tensor file of the table. Defaults to ``path + '.pt'``.

    Returns:
        tuple[dict[str, int], Tensor]: Word index and (V, dim) float vectors.
    """
    cache_path = cache_path or path + '.pt'
    if cache_path in _TABLES:
        return _TABLES[cache_path]
    if osp.isfile(cache_path):
        cached = torch.load(cache_path, map_location='cpu', weights_only=True)
        words, vectors = cached['words'], cached['vectors']
    else:
        if not osp.isfile(path):
            raise FileNotFoundError(f'GloVe word table not found: {path} (nothing is downloaded; give a '
                                    'local glove.840B.300d.txt or a smaller GloVe file)')
        words, vectors = read_glove_file(path, dim)
        os.makedirs(osp.dirname(osp.abspath(cache_path)), exist_ok=True)
        torch.save(dict(words=words, vectors=vectors), cache_path)
    if vectors.dim() != 2 or vectors.shape[1] != dim:
        raise ValueError(f'{cache_path}: word vectors of shape {tuple(vectors.shape)}, expected (V, {dim})')
    index = {w: i for i, w in enumerate(words)}
    _TABLES[cache_path] = (index, vectors)
    return index, vectors


@MODELS.register_module()
class GloVeTextEncoder(BaseModule):
    """Frozen GloVe word vectors and a trainable LSTM (LBDT's text encoder).

    A sentence is tokenised by :func:`lbdt_tokenize` into ``max_len`` slots; each token gets its GloVe
    vector (zeros for unknown words and padding). A unidirectional ``nn.LSTM`` (batch first) runs over
    all slots, padding included; the sentence feature is the **sum of all its outputs** (padding
    included), as the official code.

    The table is not a parameter or buffer (it stays on the CPU and out of checkpoints).

    Args:
        glove_path (str): Local GloVe text file.
        embed_dims (int): LSTM hidden size, the output width. Defaults to 512.
        word_dims (int): GloVe vector width. Defaults to 300.
        num_layers (int): LSTM layers. Defaults to 1.
        max_len (int): Word slots S. Defaults to 25.
        cache_path (str, optional): Tensor file of the table. Defaults to ``glove_path + '.pt'``.
        positional_encoding (dict): Config of the word position encoding (LBDT: token index from 0).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 glove_path: str,
                 embed_dims: int = 512,
                 word_dims: int = 300,
                 num_layers: int = 1,
                 max_len: int = 25,
                 cache_path: Optional[str] = None,
                 positional_encoding: dict = dict(
                     type='SinePositionalEncoding1D', normalize=False, positions='index'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(glove_path, str) or not glove_path:
            raise ValueError('GloVeTextEncoder: glove_path must name a local GloVe text file, got '
                             f'{glove_path!r}')
        self.glove_path = glove_path
        self.cache_path = cache_path
        self.word_dims = word_dims
        self.max_len = max_len
        self.embed_dims = embed_dims
        self.lstm = nn.LSTM(word_dims, embed_dims, num_layers=num_layers, batch_first=True)
        self.positional_encoding = MODELS.build(dict(positional_encoding, num_feats=embed_dims))
        self._table: Optional[Tuple[Dict[str, int], Tensor]] = None

    @property
    def table(self) -> Tuple[Dict[str, int], Tensor]:
        """Word index and (V, word_dims) vectors, read on first use."""
        if self._table is None:
            self._table = load_glove_table(self.glove_path, self.word_dims, self.cache_path)
        return self._table

    def embed_words(self, texts: Sequence[str]) -> Tuple[Tensor, Tensor]:
        """GloVe vectors of tokenised sentences.

        Args:
            texts (Sequence[str]): N sentences.

        Returns:
            tuple[Tensor, Tensor]: (N, S, word_dims) vectors and (N, S) bool, True at padding (CPU).
        """
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise TypeError(f'expected a list of sentences, got {texts!r}')
        index, vectors = self.table
        rows, flags = [], []
        for text in texts:
            words, mask = lbdt_tokenize(text, self.max_len)
            rows.append([index.get(w, -1) for w in words])
            flags.append(mask)
        rows = torch.tensor(rows, dtype=torch.long).reshape(len(texts), self.max_len)
        embeds = vectors[rows.clamp(min=0)]
        embeds[rows < 0] = 0  # unknown words and padding
        return embeds, torch.tensor(flags).reshape(len(texts), self.max_len).eq(0)

    def forward(self, texts: Sequence[str]) -> Dict[str, Tensor]:
        """Encode sentences.

        Args:
            texts (Sequence[str]): N sentences.

        Returns:
            dict[str, Tensor]:

            - word_feats (Tensor): (N, S, embed_dims) LSTM outputs.
            - word_mask (Tensor): (N, S) bool, True at padding slots.
            - word_pos (Tensor): (N, S, embed_dims) word position encoding.
            - sentence_feats (Tensor): (N, embed_dims) sum of the outputs over all S slots.
        """
        device = self.lstm.weight_ih_l0.device
        words, word_mask = self.embed_words(texts)
        word_mask = word_mask.to(device)
        self.lstm.flatten_parameters()
        feats = self.lstm(words.to(device))[0]
        return dict(word_feats=feats, word_mask=word_mask, word_pos=self.positional_encoding(word_mask),
                    sentence_feats=feats.sum(1))
