# Copyright (c) mmrvos contributors. All rights reserved.
import copy
from typing import Dict, List, Optional

from mmdet.structures import TrackSampleList
from mmengine.registry import DefaultScope
from torch import Tensor

from mmrvos.registry import MODELS

from ..necks import resize_padding_mask
from .base import BaseRVOSSegmentor


@MODELS.register_module()
class ReferFormer(BaseRVOSSegmentor):
    """ReferFormer: language as queries for referring video object segmentation.

    `Language as Queries for Referring Video Object Segmentation <https://arxiv.org/abs/2201.00487>`_
    (CVPR 2022). The base of SOC (:class:`SOC`).

    .. code:: text

        clip (N, T, 3, H, W) --> backbone --> per-frame stages, strides 4/8/16/32
            (frame_backbone=True: an image backbone on the N*T frames, e.g. mmdet's ResNet;
             False: a video backbone on the clips, e.g. VideoSwinTransformerRVOS)
        sentences            --> RoBERTa   --> word features, sentence feature
        [key frames only, e.g. the annotated frame of A2D/JHMDB clips]
        strides 8/16/32 + words --> neck (visual <- text fusion) --> 4 fused levels (strides 8..64)
        --> head (per-frame deformable transformer with the sentence as query content, class / box /
                  dynamic mask heads with a pixel decoder) --> loss or per-frame predictions

    Inputs and helpers: see :class:`BaseRVOSSegmentor`.

    Windows: ``test_cfg.clip_length`` (None: whole video) cuts long test videos into independent windows.

    Key frames: in training, the frames whose metainfo ``has_gt`` is True (all frames when the key is
    absent) continue after the backbone; every clip of a batch must have the same number of them. At
    test time ``test_cfg.key_frames='all'`` (default) predicts every frame and ``'annotated'`` only the
    frames with ``has_gt`` (the A2D/JHMDB protocol); the other frames get empty predictions.

    Args:
        backbone (dict): Backbone config.
        text_encoder (dict): Text encoder config.
        neck (dict): Neck config (``VisionLanguageFusionNeck``; SOC: ``MMFNeck``).
        head (dict): Head config (``ReferFormerHead``; SOC: ``SOCHead``).
        frame_backbone (bool): The backbone takes (N*T, 3, H, W) frames instead of (N, T, 3, H, W)
            clips. Defaults to False.
        train_cfg (dict, optional): Passed to the head.
        test_cfg (dict, optional): Passed to the head; ``key_frames`` and ``clip_length`` are read here.
        data_preprocessor (dict, optional): Data preprocessor config.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 text_encoder: dict,
                 neck: dict,
                 head: dict,
                 frame_backbone: bool = False,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        head = copy.deepcopy(head)
        head.update(train_cfg=train_cfg, test_cfg=test_cfg)
        # Sub-modules resolve in mmrvos's registries even when the model is built under another default
        # scope (e.g. an mmdet config that imports mmrvos and uses type='mmrvos.SOC').
        with DefaultScope.overwrite_default_scope('mmrvos'):
            self.backbone = MODELS.build(backbone)
            self.text_encoder = MODELS.build(text_encoder)
            self.neck = MODELS.build(neck)
            self.head = MODELS.build(head)
        self.frame_backbone = frame_backbone
        self.train_cfg = train_cfg or dict()
        self.test_cfg = test_cfg or dict()

    def extract_feat(self, inputs: Tensor, data_samples: TrackSampleList,
                     batch_frames: Optional[List[List[int]]] = None,
                     text: Optional[Dict[str, Tensor]] = None, **neck_kwargs) -> dict:
        """Run backbone, text encoder and neck; keep the key frames after the backbone.

        Args:
            inputs (Tensor): (N, T, 3, H, W) normalised clips.
            data_samples (list[TrackDataSample]): One per clip.
            batch_frames (list[list[int]], optional): Per clip, the frames kept after the backbone, the
                same number per clip (see :meth:`get_key_frames`). None keeps all.
            text (dict, optional): The text encoder's output for these clips' sentences, when the caller
                has it already (:meth:`predict` encodes the sentences once for all windows of a video).
            **neck_kwargs: Extra arguments of the neck (e.g. CMA's ``proj_transform``).

        Returns:
            dict: The keyword arguments of the head's ``forward``: ``neck_outs`` (see the neck; 4 levels,
            strides 8..64), ``stride4_feats`` (N*T', C_4, H/4, W/4), ``stride4_mask`` (N*T', H/4, W/4)
            bool, True at padding, ``text`` (the text encoder's output: ``word_feats`` (N, S, C),
            ``word_mask`` (N, S), ``word_pos`` (N, S, C), ``sentence_feats`` (N, C)), ``img_sizes``
            (N, 2) resized (h, w) of each clip's frames and ``num_frames`` T', the frames kept per clip.
        """
        if inputs.dim() != 5:
            raise ValueError(
                f'{type(self).__name__} expects (N, T, C, H, W) clips, got {tuple(inputs.shape)}')
        num_clips, num_frames = inputs.shape[:2]
        feats = self.backbone(inputs.flatten(0, 1) if self.frame_backbone else inputs)
        padding_masks = self.get_padding_masks(inputs, data_samples)
        if text is None:
            text = self.text_encoder(self.get_texts(data_samples))
        if batch_frames is not None:
            index = self.flat_frame_indices(batch_frames, num_frames, inputs.device)
            num_frames = index.numel() // num_clips
            feats = [f.index_select(0, index) for f in feats]
            padding_masks = padding_masks.index_select(0, index)
        img_sizes = inputs.new_tensor([s[0].metainfo['img_shape'][:2] for s in data_samples])
        neck_outs = self.neck(feats[1:], padding_masks, num_frames, text, **neck_kwargs)
        return dict(neck_outs=neck_outs, stride4_feats=feats[0],
                    stride4_mask=resize_padding_mask(padding_masks, feats[0].shape[-2:]), text=text,
                    img_sizes=img_sizes, num_frames=num_frames)

    def _forward(self, inputs: Tensor, data_samples: TrackSampleList) -> Dict[str, Tensor]:
        """Raw head outputs of all frames (see the head's ``forward``)."""
        return self.head(**self.extract_feat(inputs, data_samples))

    def loss(self, inputs: Tensor, data_samples: TrackSampleList) -> Dict[str, Tensor]:
        """Compute the losses of a batch of clips.

        Args:
            inputs (Tensor): (N, T, 3, H, W) normalised clips.
            data_samples (list[TrackDataSample]): Ground truth per frame.

        Returns:
            dict[str, Tensor]: Weighted losses.
        """
        batch_frames = self.get_key_frames(data_samples, annotated_only=True)
        head_inputs = self.extract_feat(inputs, data_samples, batch_frames)
        return self.head.loss(head_inputs, data_samples, batch_frames)

    def predict(self, inputs: Tensor, data_samples: TrackSampleList, rescale: bool = True) -> TrackSampleList:
        """Predict masks of the referred object(s).

        With ``test_cfg.clip_length`` set (36 for Ref-DAVIS17), the video is cut into windows of that
        many frames, each run through the visual part of the model on its own (as the official inference
        does), and the query is selected per window. The sentences are encoded once for all windows.

        Args:
            inputs (Tensor): (N, T, 3, H, W) normalised clips.
            data_samples (list[TrackDataSample]): Metainfo per frame.
            rescale (bool): Kept for API compatibility; masks are always at ``ori_shape``.

        Returns:
            list[TrackDataSample]: ``data_samples`` with ``pred_track_instances`` in every frame.
        """
        annotated = self.test_cfg.get('key_frames', 'all') == 'annotated'
        text = self.text_encoder(self.get_texts(data_samples))
        for clips, samples in self.split_windows(inputs, data_samples, self.test_cfg.get('clip_length')):
            batch_frames = self.get_key_frames(samples, annotated_only=annotated)
            head_inputs = self.extract_feat(clips, samples, batch_frames, text=text)
            results = self.head.predict(head_inputs, samples, batch_frames)
            self.add_pred_to_datasample(samples, results, batch_frames, inputs.device)
        return data_samples
