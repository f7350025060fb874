# Copyright (c) mmrvos contributors. All rights reserved.
from .frame_averaged_cost import FrameAveragedCost

__all__ = ['FrameAveragedCost']
