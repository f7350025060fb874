# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from .demo_inputs import demo_rvos_inputs


def demo_episode_inputs(batch_size: int = 1,
                        support_frames: int = 3,
                        query_frames: int = 3,
                        support_shape: Tuple[int, int] = (48, 64),
                        query_shape: Tuple[int, int] = (64, 56),
                        class_ids: Tuple[int, int] = (7, 7),
                        texts: Optional[Sequence[str]] = None,
                        seed: int = 0) -> dict:
    """Random few-shot episodes packed as ``PackFewShotInputs`` does, for CMA's tests.

    Each episode is a support clip and a query clip of :func:`demo_rvos_inputs` (a bright rectangle moving
    on noise, its masks as ground truth), the support frames first, both placed at the top left of a
    common size (zeros elsewhere). Every frame has the metainfo ``frame_role``, ``text`` (its clip's
    sentence), ``video_id`` and ``episode``; the frames of each role carry ``class_id`` (``class_ids``:
    support, query) so that a support of another class can be tested.

    Args:
        batch_size (int): Episodes. Defaults to 1.
        support_frames (int): Frames of the support clip. Defaults to 3.
        query_frames (int): Frames of the query clip. Defaults to 3.
        support_shape (tuple[int, int]): (H, W) of the support frames. Defaults to (48, 64).
        query_shape (tuple[int, int]): (H, W) of the query frames. Defaults to (64, 56).
        class_ids (tuple[int, int]): Class of the support and of the query frames. Defaults to (7, 7).
        texts (Sequence[str], optional): Support and query sentences.
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: ``inputs`` (list of (T_s + T, 3, H, W) uint8 tensors) and ``data_samples`` (one
        ``TrackDataSample`` per episode, its metainfo that of the query clip plus ``episode``).
    """
    support_text, query_text = texts or ('the support square', 'a red square moving right')
    support = demo_rvos_inputs(batch_size, support_frames, (support_shape, ), [support_text] * batch_size,
                               seed=seed)
    query = demo_rvos_inputs(batch_size, query_frames, (query_shape, ), [query_text] * batch_size,
                             seed=seed + 1)
    height, width = max(support_shape[0], query_shape[0]), max(support_shape[1], query_shape[1])
    inputs, samples = [], []
    for n in range(batch_size):
        episode = dict(fold=1, class_id=class_ids[1], class_name='square', support_video=f'support{n}',
                       support_obj_id=1, support_exp_id='0', query_video=f'query{n}', query_exp_id='0')
        frames = []
        for role, clip, text, class_id in (('support', support, support_text, class_ids[0]),
                                           ('query', query, query_text, class_ids[1])):
            clip_inputs = clip['inputs'][n]
            pad = (0, width - clip_inputs.shape[-1], 0, height - clip_inputs.shape[-2])
            inputs.append(F.pad(clip_inputs, pad))
            for frame in clip['data_samples'][n].video_data_samples:
                frame.set_metainfo(dict(frame_role=role, text=text, video_id=f'{role}{n}', episode=episode,
                                        class_id=class_id))
                frames.append(frame)
        track = query['data_samples'][n]
        track.set_metainfo(dict(video_id=f'query{n}', episode=episode))
        track.video_data_samples = frames
        samples.append(track)
    inputs = [torch.cat(inputs[2 * n:2 * n + 2]) for n in range(batch_size)]
    return dict(inputs=inputs, data_samples=samples)
