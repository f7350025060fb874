# Copyright (c) mmrvos contributors. All rights reserved.
import mmdet.visualization  # noqa: F401

from .rvos_visualization_hook import RVOSVisualizationHook
from .rvos_visualizer import RVOSLocalVisualizer

__all__ = ['RVOSLocalVisualizer', 'RVOSVisualizationHook']
