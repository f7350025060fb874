# Copyright (c) mmrvos contributors. All rights reserved.
from .a2d_sentences_metric import A2DSentencesMetric
from .few_shot_metric import FewShotJFMetric
from .mevis_metric import MeViSMetric
from .ref_davis_metric import RefDAVISMetric
from .ref_ytvos_metric import RefYouTubeVOSMetric

__all__ = ['RefDAVISMetric', 'MeViSMetric', 'A2DSentencesMetric', 'RefYouTubeVOSMetric', 'FewShotJFMetric']
