# Copyright (c) mmrvos contributors. All rights reserved.
from .rvos_data_preprocessor import RVOSDataPreprocessor

__all__ = ['RVOSDataPreprocessor']
