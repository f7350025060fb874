# Copyright (c) mmrvos contributors. All rights reserved.
from .base import BaseRVOSSegmentor
from .lbdt import LBDT
from .soc import SOC

__all__ = ['BaseRVOSSegmentor', 'SOC', 'LBDT']
