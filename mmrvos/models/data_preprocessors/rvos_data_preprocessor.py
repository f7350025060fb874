# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Optional

from mmdet.models.data_preprocessors import TrackDataPreprocessor

from mmrvos.registry import MODELS


@MODELS.register_module()
class RVOSDataPreprocessor(TrackDataPreprocessor):
    """mmdet's ``TrackDataPreprocessor`` with its own padding at test time.

    Some official RVOS codes pad differently in training and in testing: ReferFormer's training collate
    pads every batch to a multiple of 32, its Ref-YouTube-VOS and Ref-DAVIS17 inference scripts run the
    un-padded video. Padding changes a model's outputs (the padded cells enter the convolutions, and the
    padding masks the attention), so converted weights reproduce the official numbers only with the
    official padding in each phase.

    Args:
        test_pad_size_divisor (int, optional): ``pad_size_divisor`` used when ``training`` is False.
            None: the same as in training.
        **kwargs: Arguments of ``TrackDataPreprocessor`` (``pad_size_divisor`` is the training one).
    """

    def __init__(self, *args, test_pad_size_divisor: Optional[int] = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.train_pad_size_divisor = self.pad_size_divisor
        self.test_pad_size_divisor = test_pad_size_divisor

    def forward(self, data: dict, training: bool = False) -> dict:
        """Normalise and pad as ``TrackDataPreprocessor``, with the padding of the phase."""
        test_divisor = self.test_pad_size_divisor
        self.pad_size_divisor = self.train_pad_size_divisor if training or test_divisor is None \
            else test_divisor
        return super().forward(data, training)
