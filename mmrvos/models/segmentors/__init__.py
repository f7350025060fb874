# Copyright (c) mmrvos contributors. All rights reserved.
from .base import BaseRVOSSegmentor
from .soc import SOC

__all__ = ['BaseRVOSSegmentor', 'SOC']
