# Copyright (c) mmrvos contributors. All rights reserved.
"""Transforms of few-shot RVOS episodes: load the support and the query clip, pack them as one clip."""
import copy
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmcv.transforms import BaseTransform
from mmdet.datasets.transforms import Resize
from mmengine.dataset import Compose
from mmengine.logging import MMLogger

from mmrvos.registry import TRANSFORMS

from .formatting import PackRVOSInputs

#: Per-frame keys a clip pipeline must produce in both clips (the packer needs them).
_REQUIRED_KEYS = ('img', 'gt_masks', 'gt_instances_ids')
ROLES = ('support', 'query')


def _where(episode: dict) -> str:
    return (f'episode of class {episode.get("class_name")!r} (support video {episode.get("support_video")!r} '
            f'expression {episode.get("support_exp_id")!r}, query video {episode.get("query_video")!r} '
            f'expression {episode.get("query_exp_id")!r})')


@TRANSFORMS.register_module()
class LoadFewShotEpisode(BaseTransform):
    """Run a clip pipeline on the support and on the query clip of an episode, and join their frames.

    Input: ``dict(support=<item>, query=<item>, episode=<record>)`` of
    :class:`~mmrvos.datasets.FewShotEpisodeDataset`. Each clip goes through its own pipeline, which starts
    with :class:`RVOSClipSample` (the items' ``clip_frame_ids`` are the episode's frames) and loads frames and
    masks per frame (``TransformBroadcaster``), so random augmentations are drawn for each clip on its own as
    in the official code. The output is the per-frame lists of the support frames followed by the query
    frames, with ``frame_role`` (``'support'`` / ``'query'``) and ``episode`` per frame; a key produced by
    only one of the clip pipelines is dropped.

    The support ground truth is a model input: the support item must have masks (``mask_format``), its
    pipeline must load them, and the support's class must be the query's. Each is checked with an error
    that names the episode.

    Args:
        support_pipeline (list[dict]): the support clip's pipeline (load the masks **before** resizing, so
            that they have the size of the resized frames).
        query_pipeline (list[dict], optional): the query clip's pipeline. Defaults to the support's.
    """

    def __init__(self, support_pipeline: Sequence[dict], query_pipeline: Optional[Sequence[dict]] = None):
        self.support_pipeline = Compose(list(support_pipeline))
        self.query_pipeline = Compose(list(support_pipeline if query_pipeline is None else query_pipeline))

    @staticmethod
    def check_episode(results: dict) -> None:
        """Errors naming the episode for a support of another class or a support without masks."""
        for key in ROLES + ('episode', ):
            if key not in results:
                raise KeyError(f'LoadFewShotEpisode needs the keys support, query and episode '
                               f'(FewShotEpisodeDataset); {key!r} is missing')
        episode, support, query = results['episode'], results['support'], results['query']
        where = _where(episode)
        if support.get('class_id') != query.get('class_id'):
            raise ValueError(f'{where}: the support video {support.get("video_id")!r} is of class '
                             f'{support.get("class_name")!r} ({support.get("class_id")}), the query video '
                             f'{query.get("video_id")!r} of class {query.get("class_name")!r} '
                             f'({query.get("class_id")}); a support must be of the query\'s class')
        if support.get('mask_format') is None or support.get('gt_frame_ids') == [] \
                or not support.get('obj_ids'):
            raise ValueError(f'{where}: the support clip has no masks (support video '
                             f'{support.get("video_id")!r}, mask folder {support.get("mask_dir")!r}); the '
                             'support masks are a model input')

    def transform(self, results: dict) -> dict:
        """Load both clips and concatenate their per-frame lists (support first)."""
        self.check_episode(results)
        episode = results['episode']
        clips = {}
        for role, pipeline in zip(ROLES, (self.support_pipeline, self.query_pipeline)):
            clip = pipeline(copy.deepcopy(results[role]))
            if clip is None:
                raise RuntimeError(f'{_where(episode)}: the {role} pipeline returned None')
            missing = [k for k in _REQUIRED_KEYS if k not in clip]
            if missing:
                raise KeyError(f'{_where(episode)}: the {role} pipeline did not produce {missing} '
                               '(load the frames and the masks with LoadRVOSFrame / LoadRVOSAnnotations)')
            clips[role] = clip
        support, query = clips['support'], clips['query']
        empty = [i for i, m in enumerate(support['gt_masks']) if len(m) == 0]
        if empty:
            raise ValueError(f'{_where(episode)}: support frames {empty} have no mask (has_gt False); the '
                             'support masks are a model input')
        out = {k: list(support[k]) + list(query[k]) for k in support if k in query}
        num_support, num_query = len(support['img']), len(query['img'])
        out['frame_role'] = ['support'] * num_support + ['query'] * num_query
        out['episode'] = [episode] * (num_support + num_query)
        return out

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(support_pipeline={self.support_pipeline}, '
                f'query_pipeline={self.query_pipeline})')


@TRANSFORMS.register_module()
class ShortSideResize(Resize):
    """mmdet's ``Resize`` to a short side of ``short_side`` with the long side truncated, as
    torchvision's ``Resize(short_side)`` (480x854 -> 360x640, where ``keep_ratio`` rounds to 360x641).
    Image, masks, boxes and ``scale_factor`` follow mmdet's ``Resize``.

    Args:
        short_side (int): the short side after resizing. Defaults to 360.
    """

    def __init__(self, short_side: int = 360, **kwargs):
        super().__init__(scale=(short_side, short_side), keep_ratio=False, **kwargs)
        self.short_side = short_side

    def transform(self, results: dict) -> dict:
        h, w = results['img'].shape[:2]
        short = min(h, w)
        if h <= w:
            size = (int(self.short_side * w / short), self.short_side)  # (w, h)
        else:
            size = (self.short_side, int(self.short_side * h / short))
        self.scale = size  # mmdet's Resize reads self.scale at every call
        return super().transform(results)


@TRANSFORMS.register_module()
class PackFewShotInputs(PackRVOSInputs):
    """Pack an episode into ``inputs`` ``(T_s + T_q, 3, H, W)`` uint8 and ONE :obj:`TrackDataSample`.

    Expects the output of :class:`LoadFewShotEpisode`. Each role's frames are packed by
    :class:`PackRVOSInputs` (same per-frame metainfo and ``gt_instances``); the frames of the two clips, which
    may have different sizes, are placed at the top left of a common ``(H, W)`` = the largest height and
    width, the rest filled with ``pad_value`` (not the data preprocessor's padding: a model crops each role
    back to its frames' ``img_shape``). The support frames come first.

    Per frame, metainfo adds ``frame_role``, ``text`` (that clip's sentence, after a flip's left/right
    swap), ``video_id``, ``exp_id``, ``obj_ids`` and ``episode``. Support frames always carry the support
    object's masks in ``gt_instances`` (at the size of the resized frame when the support pipeline loads them
    before resizing). Video-level metainfo describes the query (``video_id``, ``exp_id``, ``text``,
    ``obj_ids``, ``ori_video_length``), with ``frame_ids`` and ``frame_roles`` of all frames in order,
    ``num_support_frames`` and ``episode``. A support object without any mask pixel in its clip is logged
    (the first ``max_empty_warnings`` times).

    Args:
        pad_value (int): fill value of the area outside a frame. Defaults to 0.
        max_empty_warnings (int): how many empty-support warnings to log. Defaults to 10.
        **kwargs: see :class:`PackRVOSInputs`.
    """

    PER_FRAME_KEYS = ('frame_role', 'text', 'video_id', 'exp_id', 'obj_ids', 'episode')

    def __init__(self, pad_value: int = 0, max_empty_warnings: int = 10, **kwargs):
        super().__init__(**kwargs)
        self.pad_value = pad_value
        self.max_empty_warnings = max_empty_warnings
        self._empty_warnings = 0

    def transform(self, results: dict) -> dict:
        """Pack the episode.

        Args:
            results (dict): per-frame lists of :class:`LoadFewShotEpisode`.

        Returns:
            dict: ``inputs`` (Tensor ``(T_s + T_q, 3, H, W)`` uint8) and ``data_samples`` (TrackDataSample).
        """
        roles = results.get('frame_role')
        if roles is None or 'episode' not in results:
            raise KeyError('PackFewShotInputs needs the frame_role and episode of LoadFewShotEpisode')
        if set(roles) != set(ROLES) or roles.index('query') < len(roles) - roles.count('query'):
            raise ValueError(f'an episode has support frames then query frames, got the roles {roles}')
        episode = results['episode'][0]
        packed = {}
        for role in ROLES:
            index = [t for t, r in enumerate(roles) if r == role]
            packed[role] = super().transform({k: [v[t] for t in index] for k, v in results.items()})
        support_frames = packed['support']['data_samples'].video_data_samples
        if not all('masks' in f.gt_instances and len(f.gt_instances.masks) for f in support_frames):
            raise ValueError(f'{_where(episode)}: a support frame has no mask after packing')
        if not any(f.gt_instances.masks.masks.any() for f in support_frames):
            self._warn_empty_support(episode)
        inputs = self.pad_and_stack([packed[role]['inputs'] for role in ROLES])
        frames: List = []
        for role in ROLES:
            frames += packed[role]['data_samples'].video_data_samples
        for t, frame in enumerate(frames):
            frame.set_metainfo({k: results[k][t] for k in self.PER_FRAME_KEYS if k in results})
        track = packed['query']['data_samples']
        track.video_data_samples = frames
        track.set_metainfo(
            dict(
                frame_ids=list(results['frame_id']),
                frame_roles=list(roles),
                num_support_frames=len(support_frames),
                episode=episode))
        return dict(inputs=inputs, data_samples=track)

    def pad_and_stack(self, clips: Sequence[torch.Tensor]) -> torch.Tensor:
        """Concatenate clips ``(T_i, 3, h_i, w_i)`` into ``(sum T_i, 3, max h, max w)``, top-left aligned."""
        height = max(c.shape[-2] for c in clips)
        width = max(c.shape[-1] for c in clips)
        return torch.cat([
            F.pad(c, (0, width - c.shape[-1], 0, height - c.shape[-2]), value=self.pad_value) for c in clips
        ])

    def _warn_empty_support(self, episode: dict) -> None:
        self._empty_warnings += 1
        if self._empty_warnings > self.max_empty_warnings:
            return
        last = ' (last such warning)' if self._empty_warnings == self.max_empty_warnings else ''
        MMLogger.get_current_instance().warning(
            f'{_where(episode)}: the support object {episode.get("support_obj_id")} has no mask pixel in the '
            f'support frames {episode.get("support_frames")}{last}')

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(pad_value={self.pad_value}, '
                f'video_meta_keys={self.video_meta_keys})')
