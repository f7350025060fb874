# Copyright (c) mmrvos contributors. All rights reserved.
import csv
import os
import os.path as osp
from typing import Dict, List

from mmrvos.registry import DATASETS

from .annotation_readers import read_a2d_instances
from .base_rvos_dataset import BaseRVOSDataset


def centred_window(centre: int, num_frames: int, window_size: int) -> List[int]:
    """``window_size`` frame indices centred on ``centre`` (0-based), clamped to ``[0, num_frames - 1]``.

    As MTTR/SOC: indices ``centre - window_size // 2`` to ``centre + (window_size + 1) // 2 - 1``, so
    the centre frame is at position ``window_size // 2``; out-of-range indices repeat the edge frame.
    """
    start = centre - window_size // 2
    return [min(max(i, 0), num_frames - 1) for i in range(start, start + window_size)]


def a2d_sample_id(video_id: str, frame: int, instance_id: int) -> str:
    """The COCO image id of an A2D-Sentences sample in the official GT json (``frame`` 1-based)."""
    return f'v_{video_id}_f_{frame}_i_{instance_id}'


@DATASETS.register_module()
class A2DSentencesDataset(BaseRVOSDataset):
    """A2D-Sentences with the MTTR/ReferFormer/SOC protocol.

    Layout (relative to ``data_root``)::

        Release/videoset.csv                                    # no header; col 0 video, col 8 subset
        Release/clips320H/<video>.mp4                           # original clips
        Release/frames/<video>/<frame:05d>.jpg                  # 1-based, written by
                                                                # a2d_extract_frames.py (dataset_converters)
        text_annotations/a2d_annotation.txt                     # CSV video_id,instance_id,query
        text_annotations/a2d_missed_videos.txt
        text_annotations/a2d_annotation_with_instances/<video>/<frame:05d>.h5

    Videos of ``split`` (``videoset.csv`` subset 0 = train, 1 = test) minus the missed videos are used.
    One item per (sentence, annotated frame whose ``instance`` list contains the sentence's instance),
    with a window of ``clip_length`` frames centred on that frame (edge frames repeated); only the centre
    (``key_clip_index = clip_length // 2``) has ground truth. The row ``instance_id == '1 (copy)'``
    (video T6bNPuKV-wY) is skipped as the official code does.

    Args:
        ann_file (str): ``text_annotations/a2d_annotation.txt``.
        split (str): ``'train'`` or ``'test'``.
        videoset_file (str): ``Release/videoset.csv``.
        missed_videos_file (str): ``text_annotations/a2d_missed_videos.txt``.
        data_prefix (dict): ``img`` (extracted frames) and ``ann`` (h5 annotations).
        clip_length (int): window size. Defaults to 8.
        check_counts (bool): assert the official row counts (3782 videos, 6655 sentences). Defaults to False.
        img_suffix (str): Defaults to ``'.jpg'``.
    """

    NUM_VIDEOS = 3782
    NUM_SENTENCES = 6655
    SPLITS = {'train': 0, 'test': 1}

    def __init__(self,
                 *args,
                 split: str = 'train',
                 videoset_file: str = 'Release/videoset.csv',
                 missed_videos_file: str = 'text_annotations/a2d_missed_videos.txt',
                 clip_length: int = 8,
                 check_counts: bool = False,
                 img_suffix: str = '.jpg',
                 **kwargs):
        assert split in self.SPLITS, f'split must be one of {list(self.SPLITS)}, got {split}'
        kwargs.setdefault('ann_file', 'text_annotations/a2d_annotation.txt')
        kwargs.setdefault('data_prefix',
                          dict(img='Release/frames', ann='text_annotations/a2d_annotation_with_instances'))
        data_root = kwargs.get('data_root', '') or ''
        self.split = split
        self.videoset_file = osp.join(data_root, videoset_file)
        self.missed_videos_file = osp.join(data_root, missed_videos_file)
        self.clip_length = clip_length
        self.check_counts = check_counts
        self.img_suffix = img_suffix
        super().__init__(*args, **kwargs)

    def split_videos(self) -> List[str]:
        """Videos of ``self.split`` that are not in the missed list, in ``videoset.csv`` order."""
        with open(self.missed_videos_file, encoding='utf-8') as f:
            missed = {line.strip() for line in f if line.strip()}
        videos = []
        with open(self.videoset_file, newline='', encoding='utf-8') as f:
            rows = list(csv.reader(f))
        if self.check_counts and len(rows) != self.NUM_VIDEOS:
            raise ValueError(f'{self.videoset_file}: expected {self.NUM_VIDEOS} rows, found {len(rows)}')
        for line_no, row in enumerate(rows, 1):
            if len(row) != 9:
                raise ValueError(
                    f'malformed {self.videoset_file} line {line_no}: {len(row)} columns, expected 9')
            try:
                subset = int(row[8])
            except ValueError as e:
                raise ValueError(f'malformed {self.videoset_file} line {line_no}: subset {row[8]!r}') from e
            if subset == self.SPLITS[self.split] and row[0] not in missed:
                videos.append(row[0])
        return videos

    def read_sentences(self) -> List[Dict[str, str]]:
        """Rows of ``a2d_annotation.txt`` (``video_id``, ``instance_id``, ``query``) with their row index."""
        with open(self.ann_file, newline='', encoding='utf-8') as f:
            rows = list(csv.DictReader(f))
        if rows and not {'video_id', 'instance_id', 'query'} <= set(rows[0]):
            raise ValueError(f'malformed {self.ann_file}: header must be video_id,instance_id,query, '
                             f'got {list(rows[0])}')
        if self.check_counts and len(rows) != self.NUM_SENTENCES:
            raise ValueError(f'{self.ann_file}: expected {self.NUM_SENTENCES} rows, found {len(rows)}')
        for index, row in enumerate(rows):
            row['row'] = str(index)
        return rows

    def load_data_list(self) -> List[dict]:
        """Parse the split, the sentences and the ``instance`` lists of the h5 files into windows."""
        videos = set(self.split_videos())
        instances_cache: Dict[str, Dict[int, List[int]]] = {}
        frames_cache: Dict[str, List[str]] = {}
        data_list = []
        for row in self.read_sentences():
            video_id = row['video_id']
            if video_id not in videos:
                continue
            where = f'{self.ann_file} row {row["row"]} (video {video_id}, instance {row["instance_id"]})'
            if row['instance_id'].strip() == '1 (copy)':
                self.record_skip('official "1 (copy)" annotation row', where)
                continue
            try:
                instance_id = int(row['instance_id'])
            except ValueError as e:
                raise ValueError(f'malformed instance_id in {where}') from e
            text = self.check_text(row['query'], where)
            if text is None:
                continue
            if video_id not in instances_cache:
                instances_cache[video_id] = self._video_instances(video_id)
                frames_cache[video_id] = self._video_frames(video_id)
            frame_names = frames_cache[video_id]
            frames_with_instance = [
                frame for frame, ids in sorted(instances_cache[video_id].items()) if instance_id in ids
            ]
            if not frames_with_instance:
                self.record_skip('sentence whose instance has no mask in any frame', where)
                continue
            for frame in frames_with_instance:
                if f'{frame:05d}' not in frame_names:  # by name: a missing frame must not shift the others
                    path = osp.join(self.data_prefix['img'], video_id, f'{frame:05d}{self.img_suffix}')
                    raise FileNotFoundError(f'{where}: annotated frame {frame} was not extracted: {path}')
                index = frame_names.index(f'{frame:05d}')
                data_list.append(
                    dict(
                        video_id=video_id,
                        exp_id=row['row'],
                        sample_id=a2d_sample_id(video_id, frame, instance_id),
                        text=text,
                        obj_ids=[instance_id],
                        frame_names=frame_names,
                        img_dir=osp.join(self.data_prefix['img'], video_id),
                        img_suffix=self.img_suffix,
                        clip_frame_ids=centred_window(index, len(frame_names), self.clip_length),
                        key_clip_index=self.clip_length // 2,
                        gt_frame_ids=[index],
                        mask_format='a2d_h5',
                        mask_path=osp.join(self.data_prefix['ann'], video_id, f'{frame:05d}.h5')))
        return data_list

    def _video_instances(self, video_id: str) -> Dict[int, List[int]]:
        """``{frame (1-based): instance ids}`` of every h5 file of a video."""
        ann_dir = osp.join(self.data_prefix['ann'], video_id)
        if not osp.isdir(ann_dir):
            raise FileNotFoundError(f'no A2D annotation folder for video {video_id}: {ann_dir}')
        result = {}
        for name in sorted(os.listdir(ann_dir)):
            if name.endswith('.h5'):
                result[int(osp.splitext(name)[0])] = read_a2d_instances(osp.join(ann_dir, name))
        return result

    def _video_frames(self, video_id: str) -> List[str]:
        img_dir = osp.join(self.data_prefix['img'], video_id)
        if not osp.isdir(img_dir):
            raise FileNotFoundError(f'no frames for A2D video {video_id}: {img_dir} (extract them with '
                                    f'tools/dataset_converters/a2d_extract_frames.py)')
        return sorted(osp.splitext(n)[0] for n in os.listdir(img_dir) if n.endswith(self.img_suffix))
