# Copyright (c) mmrvos contributors. All rights reserved.
import csv
import os
import os.path as osp
import random
from typing import Dict, List, Optional, Tuple

from mmrvos.registry import DATASETS

from .a2d_sentences import centred_window
from .annotation_readers import read_puppet_mask
from .base_rvos_dataset import BaseRVOSDataset


def jhmdb_sample_id(video_id: str, frame: int) -> str:
    """The COCO image id of a JHMDB-Sentences sample in the official GT json (``frame`` 1-based)."""
    return f'v_{video_id}_f_{frame}'


@DATASETS.register_module()
class JHMDBSentencesDataset(BaseRVOSDataset):
    """JHMDB-Sentences, evaluated (as in the papers) with models trained on A2D-Sentences.

    Layout (relative to ``data_root``)::

        Rename_Images/<action>/<video>/<frame:05d>.png      # 1-based
        puppet_mask/<action>/<video>/puppet_mask.mat         # part_mask (H, W, T) uint8
        jhmdb_annotation.txt                                 # CSV video_id,query

    Three frames per video are evaluated, each with a window of ``clip_length`` frames centred on it
    (``key_clip_index = clip_length // 2`` has the ground truth). Frames beyond the masks' T are
    dropped. The frames come from ``samples_file`` (MTTR's ``jhmdb_sentences_samples_metadata.json`` or
    SOC's ``..._new.json``: ``[video_id, frame_path, mask_path, T, query]`` lists; only the video id and
    the frame file name are used), or else are drawn with ``random.Random(seed).sample(frames, 3)`` and
    sorted, as the official generator does.

    Args:
        ann_file (str): ``jhmdb_annotation.txt``.
        samples_file (str, optional): the official sample list. Defaults to None.
        clip_length (int): window size. Defaults to 8.
        frames_per_video (int): frames drawn per video without ``samples_file``. Defaults to 3.
        seed (int): seed of that draw. Defaults to 0.
        check_counts (bool): assert 928 sentences. Defaults to False.
    """

    NUM_SENTENCES = 928

    def __init__(self,
                 *args,
                 samples_file: Optional[str] = None,
                 clip_length: int = 8,
                 frames_per_video: int = 3,
                 seed: int = 0,
                 check_counts: bool = False,
                 img_suffix: str = '.png',
                 **kwargs):
        kwargs.setdefault('ann_file', 'jhmdb_annotation.txt')
        kwargs.setdefault('data_prefix', dict(img='Rename_Images', ann='puppet_mask'))
        kwargs.setdefault('test_mode', True)
        data_root = kwargs.get('data_root', '') or ''
        self.samples_file = None if samples_file is None else osp.join(data_root, samples_file)
        self.clip_length = clip_length
        self.frames_per_video = frames_per_video
        self.seed = seed
        self.check_counts = check_counts
        self.img_suffix = img_suffix
        super().__init__(*args, **kwargs)

    def _video_dirs(self, root: str) -> Dict[str, str]:
        """``{video_id: <root>/<action>/<video_id>}``."""
        result = {}
        for action in sorted(os.listdir(root)):
            if osp.isdir(osp.join(root, action)):
                for video in sorted(os.listdir(osp.join(root, action))):
                    result[video] = osp.join(root, action, video)
        return result

    def _official_frames(self) -> Dict[str, List[int]]:
        """``{video_id: [frame (1-based), ...]}`` from ``samples_file``."""
        samples = self.load_json(self.samples_file, 'JHMDB samples file')
        frames: Dict[str, List[int]] = {}
        for i, sample in enumerate(samples):
            if not isinstance(sample, (list, tuple)) or len(sample) < 2:
                raise ValueError(f'malformed entry {i} of {self.samples_file}: {sample!r}')
            frame = int(osp.splitext(osp.basename(sample[1]))[0])
            frames.setdefault(str(sample[0]), []).append(frame)
        return frames

    def load_data_list(self) -> List[dict]:
        """Parse the sentences, the mask lengths and the evaluated frames into windows."""
        with open(self.ann_file, newline='', encoding='utf-8') as f:
            rows = list(csv.DictReader(f))
        if rows and not {'video_id', 'query'} <= set(rows[0]):
            raise ValueError(f'malformed {self.ann_file}: header must be video_id,query, got {list(rows[0])}')
        if self.check_counts and len(rows) != self.NUM_SENTENCES:
            raise ValueError(f'{self.ann_file}: expected {self.NUM_SENTENCES} rows, found {len(rows)}')
        frame_dirs = self._video_dirs(self.data_prefix['img'])
        mask_dirs = self._video_dirs(self.data_prefix['ann'])
        official = self._official_frames() if self.samples_file is not None else None
        rng = random.Random(self.seed)
        data_list = []
        for index, row in enumerate(rows):
            video_id = row['video_id']
            where = f'{self.ann_file} row {index} (video {video_id})'
            text = self.check_text(row['query'], where)
            if text is None:
                continue
            if video_id not in frame_dirs or video_id not in mask_dirs:
                raise FileNotFoundError(f'{where}: no frame folder or puppet_mask folder for the video '
                                        f'under {self.data_prefix["img"]} / {self.data_prefix["ann"]}')
            mask_path = osp.join(mask_dirs[video_id], 'puppet_mask.mat')
            frame_names, num_masks = self._frames_with_masks(frame_dirs[video_id], mask_path)
            if official is not None:
                chosen = sorted(official.get(video_id, []))
            else:
                chosen = sorted(rng.sample(range(1, len(frame_names) + 1),
                                           min(self.frames_per_video, len(frame_names))))
            for frame in chosen:
                if not 1 <= frame <= len(frame_names):
                    raise ValueError(f'{where}: sampled frame {frame} outside the {len(frame_names)} '
                                     f'frames with masks')
                data_list.append(dict(
                    video_id=video_id,
                    exp_id=str(index),
                    sample_id=jhmdb_sample_id(video_id, frame),
                    text=text,
                    obj_ids=[1],
                    frame_names=frame_names,
                    img_dir=frame_dirs[video_id],
                    img_suffix=self.img_suffix,
                    clip_frame_ids=centred_window(frame - 1, len(frame_names), self.clip_length),
                    key_clip_index=self.clip_length // 2,
                    gt_frame_ids=[frame - 1],
                    mask_format='jhmdb_mat',
                    mask_path=mask_path,
                    mask_index=frame - 1))
        return data_list

    def _frames_with_masks(self, frame_dir: str, mask_path: str) -> Tuple[List[str], int]:
        names = sorted(osp.splitext(n)[0] for n in os.listdir(frame_dir) if n.endswith(self.img_suffix))
        num_masks = read_puppet_mask(mask_path).shape[0]
        return names[:num_masks], num_masks
