# Copyright (c) mmrvos contributors. All rights reserved.
from .lbdt import LBDT
from .soc import SOC

__all__ = ['SOC', 'LBDT']
