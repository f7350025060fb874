# Copyright (c) mmrvos contributors. All rights reserved.
import os
from typing import Dict, Optional, Sequence

import torch
from mmengine.model import BaseModule
from mmengine.model.weight_init import initialize
from torch import Tensor, nn

from mmrvos.registry import MODELS


class FeatureResizer(nn.Module):
    """Linear projection, LayerNorm (eps 1e-12) and dropout: SOC's text projection ``txt_proj``.

    Args:
        in_dims (int): Input feature size.
        out_dims (int): Output feature size.
        dropout (float): Dropout after the norm. Defaults to 0.1.
    """

    def __init__(self, in_dims: int, out_dims: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.fc = nn.Linear(in_dims, out_dims)
        self.layer_norm = nn.LayerNorm(out_dims, eps=1e-12)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """Project ``(..., in_dims)`` to ``(..., out_dims)``."""
        return self.dropout(self.layer_norm(self.fc(x)))


@MODELS.register_module()
class RoBERTaTextEncoder(BaseModule):
    """Hugging Face RoBERTa text encoder with SOC's shared projection and 1-D position encoding.

    Words are encoded by ``RobertaModel`` (``last_hidden_state``); the sentence feature is RoBERTa's
    ``pooler_output``. One projection (Linear + LayerNorm + Dropout, :class:`FeatureResizer`) maps both
    to ``embed_dims``. A 1-D sine encoding of the token positions is returned with them.

    Nothing is downloaded: either ``model_path`` is a local folder written by ``save_pretrained``
    (model and tokenizer, e.g. a copy of ``roberta-base``), or ``model_config`` gives a
    ``RobertaConfig`` for a randomly initialised model (tests, or weights loaded later from an mmrvos
    checkpoint) and ``tokenizer_path`` a local tokenizer folder.

    Args:
        model_path (str, optional): Local folder with a saved ``RobertaModel`` (and tokenizer).
        tokenizer_path (str, optional): Local tokenizer folder. Defaults to ``model_path``.
        model_config (dict, optional): ``RobertaConfig`` arguments for a random model.
        embed_dims (int): Output dimension. Defaults to 256.
        proj_dropout (float): Dropout of the projection. Defaults to 0.1.
        freeze (bool): Freeze RoBERTa's parameters (the projection stays trainable). Defaults to True.
        frozen_eval (bool): Keep a frozen RoBERTa in eval mode (no dropout) even after ``train()``.
            The official SOC keeps its dropout active during training, hence the default False.
        max_length (int, optional): Truncate longer token sequences. Defaults to the model's maximum.
        positional_encoding (dict): Config of the token position encoding.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 model_path: Optional[str] = None,
                 tokenizer_path: Optional[str] = None,
                 model_config: Optional[dict] = None,
                 embed_dims: int = 256,
                 proj_dropout: float = 0.1,
                 freeze: bool = True,
                 frozen_eval: bool = False,
                 max_length: Optional[int] = None,
                 positional_encoding: dict = dict(type='SinePositionalEncoding1D', normalize=True),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        from transformers import RobertaConfig, RobertaModel, RobertaTokenizerFast
        if (model_path is None) == (model_config is None):
            raise ValueError('give exactly one of model_path (a local RobertaModel folder) and '
                             'model_config (RobertaConfig arguments for a random model)')
        tokenizer_path = tokenizer_path or model_path
        if tokenizer_path is None:
            raise ValueError('tokenizer_path is required with model_config')
        for path in (model_path, tokenizer_path):
            if path is not None and not os.path.isdir(path):
                hint = ('the tiny tokenizer of the synthetic benchmark is built by `python '
                        'tools/run_synthetic_benchmark.py --tokenizer-only --data-root <data root>`'
                        if model_config is not None else 'save roberta-base with save_pretrained first')
                raise FileNotFoundError(f'RoBERTaTextEncoder: {path} is not a local folder (nothing is '
                                        f'downloaded; {hint})')
        self.tokenizer = RobertaTokenizerFast.from_pretrained(tokenizer_path)
        if model_path is not None:
            self.model = RobertaModel.from_pretrained(model_path, add_pooling_layer=True)
        else:
            self.model = RobertaModel(RobertaConfig(**model_config), add_pooling_layer=True)
        hidden = self.model.config.hidden_size
        self.max_length = max_length or self.model.config.max_position_embeddings - 2
        self.text_proj = FeatureResizer(hidden, embed_dims, proj_dropout)
        pe_cfg = dict(positional_encoding)
        pe_cfg.setdefault('num_feats', embed_dims)
        self.positional_encoding = MODELS.build(pe_cfg)
        self.embed_dims = embed_dims
        self.freeze = freeze
        self.frozen_eval = frozen_eval
        if freeze:
            self.model.requires_grad_(False)

    def init_weights(self) -> None:
        """Keep RoBERTa's weights as loaded (never re-initialised); the projection keeps PyTorch's
        default init, as the official ``FeatureResizer``. An ``init_cfg`` (e.g. ``Pretrained``) still
        applies."""
        if self.init_cfg:
            initialize(self, self.init_cfg)
        self._is_init = True

    def train(self, mode: bool = True) -> 'RoBERTaTextEncoder':
        """Set train/eval mode; a frozen RoBERTa stays frozen (and in eval mode if ``frozen_eval``)."""
        super().train(mode)
        if self.freeze:
            self.model.requires_grad_(False)
            if self.frozen_eval:
                self.model.eval()
        return self

    def tokenize(self, texts: Sequence[str], device: Optional[torch.device] = None) -> Dict[str, Tensor]:
        """Tokenise sentences, padded to the longest.

        Args:
            texts (Sequence[str]): N sentences.
            device (torch.device, optional): Device of the returned tensors.

        Returns:
            dict: ``input_ids`` and ``attention_mask``, both (N, S) long.
        """
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise TypeError(f'expected a list of sentences, got {texts!r}')
        tokens = self.tokenizer(list(texts), padding='longest', truncation=True, max_length=self.max_length,
                                return_tensors='pt')
        out = dict(input_ids=tokens['input_ids'], attention_mask=tokens['attention_mask'])
        return {k: v.to(device) for k, v in out.items()} if device is not None else out

    def forward(self,
                texts: Optional[Sequence[str]] = None,
                input_ids: Optional[Tensor] = None,
                attention_mask: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Encode sentences (or already tokenised ids).

        Args:
            texts (Sequence[str], optional): N sentences.
            input_ids (Tensor, optional): (N, S) token ids, used when ``texts`` is None.
            attention_mask (Tensor, optional): (N, S), 1 for real tokens, 0 for padding.
                Defaults to ``input_ids != pad_token_id``.

        Returns:
            dict[str, Tensor]:

            - word_feats (Tensor): projected word features (N, S, embed_dims).
            - word_mask (Tensor): (N, S) bool, True at padding tokens.
            - word_pos (Tensor): position encoding of the words (N, S, embed_dims).
            - sentence_feats (Tensor): projected pooled sentence features (N, embed_dims).
        """
        device = self.text_proj.fc.weight.device
        if texts is not None:
            tokens = self.tokenize(texts, device)
            input_ids, attention_mask = tokens['input_ids'], tokens['attention_mask']
        elif input_ids is None:
            raise ValueError('give texts or input_ids')
        elif attention_mask is None:
            attention_mask = (input_ids != self.model.config.pad_token_id).long()
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.freeze):
            encoded = self.model(input_ids=input_ids, attention_mask=attention_mask)
        word_mask = attention_mask.ne(1)
        return dict(
            word_feats=self.text_proj(encoded.last_hidden_state),
            word_mask=word_mask,
            word_pos=self.positional_encoding(word_mask),
            sentence_feats=self.text_proj(encoded.pooler_output))
