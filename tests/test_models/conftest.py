# Copyright (c) mmrvos contributors. All rights reserved.
import pytest


@pytest.fixture(scope='session')
def tiny_text_encoder_cfg(tmp_path_factory):
    """Config of a random tiny RoBERTa text encoder with an offline BPE tokenizer (built once)."""
    from mmrvos.testing import build_tiny_text_encoder_cfg
    return build_tiny_text_encoder_cfg(str(tmp_path_factory.mktemp('tiny_roberta')), embed_dims=128)


@pytest.fixture(scope='session')
def tiny_soc_cfg(tiny_text_encoder_cfg):
    """Model config of a tiny SOC (see mmrvos.testing.tiny_soc_cfg)."""
    from mmrvos.testing import tiny_soc_cfg
    return tiny_soc_cfg(tiny_text_encoder_cfg)


@pytest.fixture(scope='session')
def tiny_referformer_cfg(tiny_text_encoder_cfg):
    """Model config of a tiny ReferFormer (see mmrvos.testing.tiny_referformer_cfg)."""
    from mmrvos.testing import tiny_referformer_cfg
    return tiny_referformer_cfg(tiny_text_encoder_cfg)
