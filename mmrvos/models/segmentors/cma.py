# Copyright (c) mmrvos contributors. All rights reserved.
import functools
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from mmdet.structures import TrackDataSample, TrackSampleList
from mmdet.structures.mask import BitmapMasks
from mmengine.registry import DefaultScope
from torch import Tensor

from mmrvos.registry import MODELS

from ..heads.clip_gt import describe_clip
from ..layers import support_squash
from .referformer import ReferFormer

#: A clip of one role: (N, T_r, 3, H_r, W_r) frames and their data samples.
RoleClip = Tuple[Tensor, TrackSampleList]
ROLES = ('support', 'query')


def describe_episode(sample: TrackDataSample) -> str:
    """The episode of a data sample (class, support and query videos), for error messages."""
    episode = sample.metainfo.get('episode')
    if episode is None and len(sample) > 0:
        episode = sample[0].metainfo.get('episode')
    if not isinstance(episode, dict):
        return describe_clip(sample)
    return (f'episode of class {episode.get("class_name", episode.get("class_id", "?"))!r} (support video '
            f'{episode.get("support_video", "?")!r} expression {episode.get("support_exp_id", "?")!r}, query '
            f'video {episode.get("query_video", "?")!r} expression {episode.get("query_exp_id", "?")!r})')


def _frame_class(meta: dict):
    """The class of a frame: its metainfo ``class_id``, else its episode's ``class_id`` (None if unknown)."""
    if 'class_id' in meta:
        return meta['class_id']
    episode = meta.get('episode')
    return episode.get('class_id') if isinstance(episode, dict) else None


@MODELS.register_module()
class CMA(ReferFormer):
    """CMA: few-shot referring video object segmentation with a cross-modal affinity to a support clip.

    `Learning Cross-Modal Affinity for Referring Video Object Segmentation Targeting Limited Samples
    <https://arxiv.org/abs/2309.02041>`_ (ICCV 2023), official ``hengliusky/Few_shot_RVOS``
    ``models/cma.py``. ReferFormer (:class:`ReferFormer`) with a support branch, the cross-modal affinity
    (:class:`CrossModalAffinity`) and DAB anchor queries (:class:`CMAHead`).

    .. code:: text

        episode = support clip (T_s frames, its sentence, its masks) + query clip (T frames, its sentence)
        support --> backbone --> projection, squash g(x) on the 3 backbone levels, visual <- text fusion
        query   --> backbone --> projection,                                  visual <- text fusion
        per level: CrossModalAffinity(query, support x support masks)  (N*T, C, h, w)
        --> head (CMAHead: ReferFormer's deformable transformer with DAB queries, mask head on the query)
        --> loss on the query clip / per-frame predictions of the query frames

    **Inputs.** One ``TrackDataSample`` per episode whose frames are the support frames followed by the
    query frames, with metainfo ``frame_role`` ``'support'`` / ``'query'`` and ``text`` (the clip's
    sentence) per frame, and ``gt_instances.masks`` on every support frame (the support ground truth is an
    input; the union of a frame's instances is used). Every episode of a batch has the same numbers of
    support and query frames. The data preprocessor pads both clips together; each role is cropped back to
    its own frames (the largest ``img_shape`` of the role, rounded up to the preprocessor's
    ``pad_size_divisor``, zero outside each frame), so that support and query keep their own padding as in
    the official code. The support masks cover the padded support frames (the official training resizes the
    un-padded masks onto the padded maps, a misalignment of less than 32 px; identical at test time, where
    nothing is padded).

    **Errors** naming the episode: frames without ``frame_role``, query frames before support frames, a
    batch with different counts, a support frame without masks, support and query frames of different
    classes (per-frame ``class_id``, else the ``episode`` metainfo's ``class_id``).

    **Inference**: the support clip's features are computed once per episode; the query video is cut into
    windows of ``test_cfg.clip_length`` frames (10 in the official inference, while training uses 5), each
    with its own middle frame for the self-affinity and its own query selection (ReferFormer's). Support
    frames get empty predictions. Key frames (``has_gt``) are not used: every query frame is predicted and
    supervised.

    Args:
        affinity (dict): :class:`CrossModalAffinity` config (one module for every level).
        squash_beta (float, optional): Exponent of the support squash (:func:`support_squash`); None
            disables it. Defaults to 1.3 (official).
        **kwargs: Arguments of :class:`ReferFormer` (``head``: :class:`CMAHead`).
    """

    def __init__(self, *args, affinity: dict = dict(type='CrossModalAffinity'),
                 squash_beta: Optional[float] = 1.3, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        with DefaultScope.overwrite_default_scope('mmrvos'):
            self.affinity = MODELS.build(affinity)
        self.squash_beta = squash_beta

    # ----------------------------------------------------------------------------------------------
    # episodes
    def split_episode(self, inputs: Tensor, data_samples: TrackSampleList) -> Tuple[RoleClip, RoleClip]:
        """Split a batch of episodes into the support and the query clips, each cropped to its frames.

        Args:
            inputs (Tensor): (N, T_s + T, 3, H, W) normalised frames, support first.
            data_samples (list[TrackDataSample]): One per episode.

        Returns:
            tuple: ``(support_inputs, support_samples), (query_inputs, query_samples)`` with inputs
            (N, T_r, 3, H_r, W_r) and one ``TrackDataSample`` per episode and role (views sharing the
            frame data samples; the support's metainfo takes ``text``, ``video_id``, ``exp_id`` from its
            frames, the query's is the episode's). The frames' ``batch_input_shape`` becomes (H_r, W_r).
        """
        if inputs.dim() != 5:
            raise ValueError(f'CMA expects (N, T, C, H, W) episodes, got {tuple(inputs.shape)}')
        counts = [self._count_support_frames(sample) for sample in data_samples]
        if len(set(counts)) != 1 or len({len(s) for s in data_samples}) != 1:
            raise ValueError(f'the episodes of a batch must have the same numbers of support and query '
                             f'frames, got {[(c, len(s) - c) for c, s in zip(counts, data_samples)]} for '
                             f'{[describe_episode(s) for s in data_samples]}')
        num_support = counts[0]
        support_samples, query_samples = [], []
        for sample in data_samples:
            self._check_classes(sample, num_support)
            first = sample[0].metainfo
            own = {k: first[k] for k in ('text', 'video_id', 'exp_id', 'obj_ids') if k in first}
            support = TrackDataSample(metainfo=dict(sample.metainfo, **own))
            support.video_data_samples = [sample[t] for t in range(num_support)]
            support_samples.append(support)
            query_samples.append(self.slice_frames(sample, num_support, len(sample)))
        return (self.crop_role(inputs[:, :num_support], support_samples),
                self.crop_role(inputs[:, num_support:], query_samples))

    @staticmethod
    def _count_support_frames(sample: TrackDataSample) -> int:
        """The number of support frames of an episode; checks the roles (support first, both present)."""
        roles = [sample[t].metainfo.get('frame_role') for t in range(len(sample))]
        if any(r not in ROLES for r in roles):
            raise KeyError(f'{describe_episode(sample)}: every frame needs metainfo "frame_role" in {ROLES}, '
                           f'got {roles}')
        num_support = roles.count('support')
        if roles != ['support'] * num_support + ['query'] * (len(roles) - num_support) or \
                num_support in (0, len(roles)):
            raise ValueError(f'{describe_episode(sample)}: an episode has support frames then query frames, '
                             f'got the roles {roles}')
        return num_support

    @staticmethod
    def _check_classes(sample: TrackDataSample, num_support: int) -> None:
        """A support of another class than the query is an error."""
        classes = [_frame_class(sample[t].metainfo) for t in range(len(sample))]
        support = {c for c in classes[:num_support] if c is not None}
        query = {c for c in classes[num_support:] if c is not None}
        if support and query and support != query:
            raise ValueError(f'{describe_episode(sample)}: the support frames are of class(es) '
                             f'{sorted(support)}, the query frames of {sorted(query)}; a support must be of '
                             'the query\'s class')

    def crop_role(self, inputs: Tensor, samples: TrackSampleList) -> RoleClip:
        """Crop the frames of one role to their largest ``img_shape`` rounded up to the padding divisor.

        Pixels outside each frame's ``img_shape`` are set to 0 (the preprocessor's padding value; the
        episode packer may have filled them with another value). In training, the ground-truth masks,
        padded by the preprocessor to the whole batch, are cropped too.

        Args:
            inputs (Tensor): (N, T_r, 3, H, W).
            samples (list[TrackDataSample]): The role's clips.

        Returns:
            tuple: (N, T_r, 3, H_r, W_r) frames and ``samples``.
        """
        divisor = getattr(self.data_preprocessor, 'pad_size_divisor', 1) or 1
        shapes = [s[t].metainfo['img_shape'][:2] for s in samples for t in range(len(s))]
        height = min(-(-max(h for h, _ in shapes) // divisor) * divisor, inputs.shape[-2])
        width = min(-(-max(w for _, w in shapes) // divisor) * divisor, inputs.shape[-1])
        inputs = inputs[..., :height, :width].clone()
        for n, sample in enumerate(samples):
            for t in range(len(sample)):
                frame = sample[t]
                img_h, img_w = frame.metainfo['img_shape'][:2]
                inputs[n, t, :, img_h:] = 0
                inputs[n, t, :, :, img_w:] = 0
                frame.set_metainfo(dict(batch_input_shape=(height, width)))
                gt = frame.get('gt_instances')
                if self.training and gt is not None and 'masks' in gt:
                    gt.masks = self._crop_masks(gt.masks, height, width)
        return inputs, samples

    @staticmethod
    def _crop_masks(masks, height: int, width: int):
        """The top-left (height, width) of ``BitmapMasks`` or a (G, h, w) tensor."""
        if isinstance(masks, BitmapMasks):
            cropped = masks.masks[:, :height, :width]
            return BitmapMasks(cropped, *cropped.shape[1:])
        return masks[..., :height, :width]

    @staticmethod
    def get_support_masks(samples: TrackSampleList, size: Tuple[int, int], device) -> Tensor:
        """The support ground truth of every support frame: the union of its instances' masks.

        Args:
            samples (list[TrackDataSample]): The support clips.
            size (tuple[int, int]): (H_r, W_r) of the cropped support frames.
            device: Device of the result.

        Returns:
            Tensor: (N*T_s, H_r, W_r) float, zero outside the masks' extent.
        """
        masks = []
        for sample in samples:
            for t in range(len(sample)):
                gt = sample[t].get('gt_instances')
                if gt is None or 'masks' not in gt or len(gt) == 0:
                    video = sample[t].metainfo.get('video_id', sample.metainfo.get('video_id', '?'))
                    raise ValueError(f'{describe_episode(sample)}: support frame {t} (video {video!r}) '
                                     'has no masks in gt_instances; the support masks are an input of CMA')
                frame_masks = gt.masks
                if hasattr(frame_masks, 'to_tensor'):
                    frame_masks = frame_masks.to_tensor(torch.float32, device)
                mask = frame_masks.to(device=device, dtype=torch.float32).amax(0)
                if mask.shape[0] > size[0] or mask.shape[1] > size[1]:
                    raise ValueError(f'{describe_episode(sample)}: support frame {t} has masks of '
                                     f'{tuple(mask.shape)}, larger than its frame {tuple(size)}; load the '
                                     'support masks before resizing the frames')
                masks.append(F.pad(mask, (0, size[1] - mask.shape[1], 0, size[0] - mask.shape[0])))
        return torch.stack(masks)

    # ----------------------------------------------------------------------------------------------
    # features
    def extract_support(self, inputs: Tensor, samples: TrackSampleList) -> Dict[str, object]:
        """Support branch: backbone, text, squash and fusion, and the support masks.

        Args:
            inputs (Tensor): (N, T_s, 3, H_r, W_r) cropped support frames.
            samples (list[TrackDataSample]): The support clips.

        Returns:
            dict: ``feats`` (4 fused levels (N*T_s, C, h, w)), ``masks`` (N*T_s, H_r, W_r) and
            ``num_frames`` T_s.
        """
        masks = self.get_support_masks(samples, inputs.shape[-2:], inputs.device)
        squash = None if self.squash_beta is None else \
            functools.partial(support_squash, beta=self.squash_beta)
        support = self.extract_feat(inputs, samples, proj_transform=squash)
        return dict(feats=support['neck_outs']['feats'], masks=masks, num_frames=support['num_frames'])

    def apply_affinity(self, head_inputs: dict, support: Dict[str, object]) -> dict:
        """Replace the query's fused levels of ``head_inputs`` by their affinity with the support."""
        num_frames, num_support = head_inputs['num_frames'], support['num_frames']
        feats = [
            self.affinity(query, support_feats, support['masks'], num_frames, num_support)
            for query, support_feats in zip(head_inputs['neck_outs']['feats'], support['feats'])
        ]
        head_inputs['neck_outs'] = dict(head_inputs['neck_outs'], feats=feats)
        return head_inputs

    def extract_episode_feat(self, inputs: Tensor,
                             data_samples: TrackSampleList) -> Tuple[dict, TrackSampleList]:
        """Head inputs of the query clips after the affinity, and the query clips' data samples."""
        (support_inputs, support_samples), (query_inputs, query_samples) = \
            self.split_episode(inputs, data_samples)
        support = self.extract_support(support_inputs, support_samples)
        return self.apply_affinity(self.extract_feat(query_inputs, query_samples), support), query_samples

    # ----------------------------------------------------------------------------------------------
    def _forward(self, inputs: Tensor, data_samples: TrackSampleList) -> Dict[str, Tensor]:
        """Raw head outputs of the query frames."""
        return self.head(**self.extract_episode_feat(inputs, data_samples)[0])

    def loss(self, inputs: Tensor, data_samples: TrackSampleList) -> Dict[str, Tensor]:
        """Losses of a batch of episodes, on the query clips only.

        Args:
            inputs (Tensor): (N, T_s + T, 3, H, W) normalised frames, support first.
            data_samples (list[TrackDataSample]): One per episode.

        Returns:
            dict[str, Tensor]: Weighted losses of the head.
        """
        head_inputs, query_samples = self.extract_episode_feat(inputs, data_samples)
        return self.head.loss(head_inputs, query_samples)

    def predict(self, inputs: Tensor, data_samples: TrackSampleList, rescale: bool = True) -> TrackSampleList:
        """Predict the query frames of a batch of episodes (support features once, query in windows).

        Args:
            inputs (Tensor): (N, T_s + T, 3, H, W) normalised frames, support first.
            data_samples (list[TrackDataSample]): One per episode.
            rescale (bool): Kept for API compatibility; masks are always at ``ori_shape``.

        Returns:
            list[TrackDataSample]: ``data_samples`` with ``pred_track_instances`` in every frame (empty in
            the support frames).
        """
        (support_inputs, support_samples), (query_inputs, query_samples) = \
            self.split_episode(inputs, data_samples)
        support = self.extract_support(support_inputs, support_samples)
        text = self.text_encoder(self.get_texts(query_samples))
        windows = self.split_windows(query_inputs, query_samples, self.test_cfg.get('clip_length'))
        for clips, samples in windows:
            head_inputs = self.apply_affinity(self.extract_feat(clips, samples, text=text), support)
            self.add_pred_to_datasample(samples, self.head.predict(head_inputs, samples), None, inputs.device)
        nothing = [[] for _ in support_samples]
        self.add_pred_to_datasample(support_samples, nothing, nothing, inputs.device)
        return data_samples
