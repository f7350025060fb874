# Copyright (c) mmrvos contributors. All rights reserved.
from .soc import SOC

__all__ = ['SOC']
