# Copyright (c) mmrvos contributors. All rights reserved.
from mmrvos.registry import MODELS

from .referformer import ReferFormer


@MODELS.register_module()
class SOC(ReferFormer):
    """SOC: Semantic-assisted Object Cluster for referring video object segmentation.

    `SOC: Semantic-Assisted Object Cluster for Referring Video Object Segmentation
    <https://arxiv.org/abs/2305.17011>`_ (NeurIPS 2023).

    .. code:: text

        clip (N, T, 3, H, W) --> Video Swin --> per-frame stages, strides 4/8/16/32
        sentences            --> RoBERTa   --> word features, sentence feature
        [key frames only, e.g. the annotated frame of A2D/JHMDB clips]
        strides 8/16/32 + words --> MMF neck --> 4 fused levels (strides 8..64), text embedding
        --> SOC head (SIM: per-frame deformable transformer + video object cluster,
                      class / box / dynamic mask heads) --> loss or per-frame predictions

    The segmentor is ReferFormer's (:class:`ReferFormer`, with a video backbone); SOC differs in its neck
    (``MMFNeck``) and head (``SOCHead``). Inputs and helpers: see :class:`BaseRVOSSegmentor`; test
    windows (``test_cfg.clip_length``, 36 for Ref-DAVIS17) and key frames (``test_cfg.key_frames``): see
    :class:`ReferFormer`.

    Args:
        backbone (dict): Video backbone config.
        text_encoder (dict): Text encoder config.
        neck (dict): MMF neck config.
        head (dict): Head config.
        frame_backbone (bool): See :class:`ReferFormer`. Defaults to False (Video Swin).
        train_cfg (dict, optional): Passed to the head.
        test_cfg (dict, optional): Passed to the head; ``key_frames`` and ``clip_length`` are read by
            the segmentor.
        data_preprocessor (dict, optional): Data preprocessor config.
        init_cfg (dict, optional): Initialisation config.
    """
