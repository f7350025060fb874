# Copyright (c) mmrvos contributors. All rights reserved.
from .mmf_neck import MMFNeck

__all__ = ['MMFNeck']
