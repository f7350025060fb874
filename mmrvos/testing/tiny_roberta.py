# Copyright (c) mmrvos contributors. All rights reserved.
"""Offline tiny RoBERTa tokenizers and models for tests and synthetic benchmarks (nothing downloaded)."""
import os
import os.path as osp
from typing import Dict, Iterable, Optional

SPECIAL_TOKENS = ('<s>', '<pad>', '</s>', '<unk>', '<mask>')

DEFAULT_SENTENCES = (
    'a person riding a bike on the left', 'the dog running on the grass', 'a white car moving to the right',
    'the man in a red shirt walking', 'a small cat sitting next to a box', 'the bird flying over the water',
    'a red square moving down', 'a blue circle in the middle of the frame', 'the object on the right side')


def build_tiny_roberta_tokenizer(out_dir: str,
                                 sentences: Optional[Iterable[str]] = None,
                                 vocab_size: int = 300) -> str:
    """Train a byte-level BPE on ``sentences`` and save it as a ``RobertaTokenizerFast`` folder.

    The tokenizer frames sequences as ``<s> ... </s>`` (ids 0 and 2) and pads with id 1, like
    ``roberta-base``. Works offline with transformers 4.x and 5.x.

    Args:
        out_dir (str): Folder to write (created if needed).
        sentences (Iterable[str], optional): Training text; defaults to a few generic sentences. A
            synthetic benchmark passes its own vocabulary here.
        vocab_size (int): Target vocabulary size. Defaults to 300.

    Returns:
        str: ``out_dir``, loadable with ``RobertaTokenizerFast.from_pretrained``.
    """
    from tokenizers import ByteLevelBPETokenizer
    from tokenizers.processors import RobertaProcessing
    from transformers import RobertaTokenizerFast

    os.makedirs(out_dir, exist_ok=True)
    sentences = list(sentences or DEFAULT_SENTENCES)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        sentences, vocab_size=vocab_size, min_frequency=1, special_tokens=list(SPECIAL_TOKENS))
    bpe.post_processor = RobertaProcessing(('</s>', bpe.token_to_id('</s>')), ('<s>', bpe.token_to_id('<s>')))
    json_path = osp.join(out_dir, 'tokenizer.json')
    bpe.save(json_path)
    tokenizer = RobertaTokenizerFast(
        tokenizer_file=json_path, bos_token='<s>', eos_token='</s>', sep_token='</s>', cls_token='<s>',
        unk_token='<unk>', pad_token='<pad>', mask_token='<mask>')
    tokenizer.save_pretrained(out_dir)
    return out_dir


def tiny_roberta_config(vocab_size: int,
                        hidden_size: int = 32,
                        num_hidden_layers: int = 2,
                        num_attention_heads: int = 2,
                        intermediate_size: int = 64,
                        max_position_embeddings: int = 64) -> Dict:
    """``RobertaConfig`` arguments of a tiny random RoBERTa (use as ``RoBERTaTextEncoder.model_config``)."""
    return dict(
        vocab_size=vocab_size, hidden_size=hidden_size, num_hidden_layers=num_hidden_layers,
        num_attention_heads=num_attention_heads, intermediate_size=intermediate_size,
        max_position_embeddings=max_position_embeddings, pad_token_id=1, bos_token_id=0, eos_token_id=2,
        type_vocab_size=1, layer_norm_eps=1e-5)


def build_tiny_text_encoder_cfg(out_dir: str,
                                sentences: Optional[Iterable[str]] = None,
                                embed_dims: int = 256,
                                freeze: bool = False,
                                vocab_size: int = 300,
                                **model_kwargs) -> Dict:
    """Write a tiny tokenizer to ``out_dir`` and return a ``RoBERTaTextEncoder`` config for it.

    Args:
        out_dir (str): Tokenizer folder.
        sentences (Iterable[str], optional): Vocabulary source.
        embed_dims (int): Output dimension of the encoder. Defaults to 256.
        freeze (bool): Freeze the random RoBERTa. Defaults to False.
        vocab_size (int): BPE vocabulary size. Defaults to 300.
        **model_kwargs: Passed to :func:`tiny_roberta_config`.

    Returns:
        dict: ``dict(type='RoBERTaTextEncoder', tokenizer_path=..., model_config=..., ...)``.
    """
    from transformers import RobertaTokenizerFast
    build_tiny_roberta_tokenizer(out_dir, sentences, vocab_size)
    vocab = len(RobertaTokenizerFast.from_pretrained(out_dir))
    return dict(
        type='RoBERTaTextEncoder',
        tokenizer_path=out_dir,
        model_config=tiny_roberta_config(vocab, **model_kwargs),
        embed_dims=embed_dims, freeze=freeze)
