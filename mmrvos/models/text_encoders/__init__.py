# Copyright (c) mmrvos contributors. All rights reserved.
from .glove import GloVeTextEncoder, lbdt_tokenize, load_glove_table
from .roberta import FeatureResizer, RoBERTaTextEncoder

__all__ = ['FeatureResizer', 'RoBERTaTextEncoder', 'GloVeTextEncoder', 'lbdt_tokenize', 'load_glove_table']
