# Copyright (c) mmrvos contributors. All rights reserved.
"""A model double that follows SOC's predict() contract (docs/data_samples.md) with known answers.

Candidates (queries) are colour channels: candidate ``c`` covers the pixels where channel ``c`` (BGR) is
the brightest and above 128. Its per-frame score is its area fraction, plus 0.5 if the sentence names
that colour (``blue`` / ``green`` / ``red``). ``test_cfg.query_selection`` works as SOC's: ``'video'``
keeps the candidate with the highest mean score over the clip, ``'all'`` keeps all three.
"""
import os
import os.path as osp

import av
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.structures import InstanceData
from PIL import Image

from mmrvos.registry import MODELS

COLOURS = ('blue', 'green', 'red')


@MODELS.register_module(force=True)
class RVOSModelDouble(BaseModel):

    def __init__(self, data_preprocessor=None, test_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor)
        self.threshold = torch.nn.Parameter(torch.tensor(128.))  # loaded from checkpoints like any weight
        self.test_cfg = test_cfg or dict()

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'loss':
            return dict(loss=(self.threshold - 128.) ** 2 + inputs.float().mean() * 0)
        return inputs

    def predict(self, inputs, data_samples):
        """inputs ``(N, T, 3, H, W)`` BGR 0-255 (no normalisation) -> per-frame pred_track_instances."""
        for clip, sample in zip(inputs.float(), data_samples):
            text = sample.metainfo['text']
            bonus = torch.tensor([0.5 if c in text else 0. for c in COLOURS])
            img_h, img_w = sample[0].metainfo['img_shape'][:2]
            ori_h, ori_w = sample[0].metainfo['ori_shape'][:2]
            clip = clip[..., :img_h, :img_w]  # (T, 3, h, w), crop the padding
            masks = (clip.argmax(1, keepdim=True) == torch.arange(3).view(1, 3, 1, 1)) & \
                (clip.max(1, keepdim=True)[0] > self.threshold)  # (T, 3, h, w)
            scores = masks.flatten(2).float().mean(-1) + bonus  # (T, 3)
            masks = F.interpolate(masks.float(), size=(ori_h, ori_w), mode='nearest') > 0.5
            if self.test_cfg.get('query_selection', 'video') == 'video':
                best = scores.mean(0).argmax()
                masks, scores = masks[:, best:best + 1], scores[:, best:best + 1].mean(0).expand(len(clip), 1)
            for t in range(len(sample)):
                k = masks.shape[1]
                sample[t].pred_track_instances = InstanceData(
                    masks=masks[t], scores=scores[t], labels=torch.zeros(k, dtype=torch.long),
                    instances_id=torch.arange(k))
        return data_samples


def double_config(tmp_dir: str, scale=(48, 32), window_size=4, window_overlap=1) -> str:
    """Write a config for the double with the datasets' test-pipeline transforms; return its path."""
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    path = osp.join(tmp_dir, 'double_config.py')
    with open(path, 'w') as f:
        f.write(f"""
_base_ = [{osp.join(root, 'configs/_base_/default_runtime.py')!r}]
model = dict(type='RVOSModelDouble',
             data_preprocessor=dict(type='TrackDataPreprocessor', pad_size_divisor=8))
test_pipeline = [
    dict(type='RVOSClipSample'),
    dict(type='TransformBroadcaster', transforms=[
        dict(type='LoadRVOSFrame'),
        dict(type='Resize', scale={tuple(scale)!r}, keep_ratio=True),
    ]),
    dict(type='PackRVOSInputs'),
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
inference_cfg = dict(window_size={window_size}, window_overlap={window_overlap})
""")
    return path


def make_frames(num_frames=8, height=48, width=64):
    """BGR frames: a red square of constant size on the left, a green square growing on the right."""
    frames = []
    for t in range(num_frames):
        frame = np.zeros((height, width, 3), np.uint8)
        frame[8:24, 4:20] = (0, 0, 230)  # red, 16x16
        side = 4 + 3 * t
        frame[height - side:, width - side:] = (0, 220, 0)  # green, 4x4 ... 25x25
        frames.append(frame)
    return frames


def write_folder(folder, frames):
    folder.mkdir(parents=True, exist_ok=True)
    for t, frame in enumerate(frames):
        Image.fromarray(frame[..., ::-1]).save(str(folder / f'{t:05d}.png'))
    return str(folder)


def write_mp4(path, frames, fps=10):
    with av.open(str(path), 'w') as container:
        stream = container.add_stream('libx264', rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = 'yuv420p'
        stream.options = {'crf': '0'}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format='bgr24')):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return str(path)


def read_png_ids(folder):
    names = sorted(f for f in os.listdir(folder) if f.endswith('.png'))
    return names, [np.asarray(Image.open(osp.join(folder, n))) for n in names]


def tiny_soc_config(tmp_dir: str, model: dict, scale=(96, 64), window_size=4, window_overlap=1) -> str:
    """Write a config of the real (tiny) SOC with the Ref-YouTube-VOS test pipeline; return its path."""
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    path = osp.join(tmp_dir, 'tiny_soc_config.py')
    with open(path, 'w') as f:
        f.write(f"""
_base_ = [{osp.join(root, 'configs/_base_/default_runtime.py')!r},
          {osp.join(root, 'configs/_base_/datasets/ref_youtube_vos.py')!r}]
model = {model!r}
test_pipeline = [
    dict(type='RVOSClipSample'),
    dict(type='TransformBroadcaster', transforms=[
        dict(type='LoadRVOSFrame'), dict(type='Resize', scale={tuple(scale)!r}, keep_ratio=True),
        dict(type='LoadRVOSAnnotations')]),
    dict(type='PackRVOSInputs'),
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
inference_cfg = dict(window_size={window_size}, window_overlap={window_overlap})
""")
    return path
