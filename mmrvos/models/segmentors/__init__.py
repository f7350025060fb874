# Copyright (c) mmrvos contributors. All rights reserved.
from .base import BaseRVOSSegmentor
from .cma import CMA
from .lbdt import LBDT
from .referformer import ReferFormer
from .soc import SOC

__all__ = ['BaseRVOSSegmentor', 'ReferFormer', 'SOC', 'LBDT', 'CMA']
