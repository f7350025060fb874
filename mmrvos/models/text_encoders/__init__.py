# Copyright (c) mmrvos contributors. All rights reserved.
from .roberta import FeatureResizer, RoBERTaTextEncoder

__all__ = ['FeatureResizer', 'RoBERTaTextEncoder']
