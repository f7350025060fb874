# Copyright (c) mmrvos contributors. All rights reserved.
"""Few-shot RVOS episodes (CMA, hengliusky/Few_shot_RVOS): class folds and the episode sampler."""
import copy
import json
import os.path as osp
import random
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.dataset import BaseDataset, Compose
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope
from torch.utils.data import Dataset

from mmrvos.registry import DATASETS


def fold_classes(num_classes: int,
                 fold: Optional[int],
                 num_folds: Optional[int] = 4) -> Tuple[List[int], List[int]]:
    """Training and test class ids (1-based) of a fold.

    Fold ``g`` (1-based) tests the classes ``c`` with ``(c - 1) % num_folds == g - 1`` and trains on the
    others (48 classes, 4 folds: 12 test and 36 training classes). Without folds (``num_folds=None``,
    Mini-Ref-SAIL-VOS) every class is both a training and a test class and ``fold`` must be None.

    Args:
        num_classes (int): number of classes.
        fold (int, optional): the fold, 1..num_folds.
        num_folds (int, optional): number of folds. Defaults to 4.

    Returns:
        tuple[list[int], list[int]]: training class ids, test class ids.
    """
    all_ids = list(range(1, num_classes + 1))
    if num_folds is None:
        if fold is not None:
            raise ValueError(f'unknown fold {fold!r}: this dataset has no folds (use fold=None; every '
                             'class is a test class)')
        return all_ids, all_ids
    if isinstance(fold, bool) or not isinstance(fold, int) or not 1 <= fold <= num_folds:
        raise ValueError(f'unknown fold {fold!r}: the folds are 1..{num_folds}')
    test = [c for c in all_ids if (c - 1) % num_folds == fold - 1]
    return [c for c in all_ids if c not in test], test


def consecutive_clip(video_length: int, clip_length: int, rng: random.Random) -> List[int]:
    """``clip_length`` consecutive frame indices ending at a random frame (the official CMA clip).

    A random frame ``i`` is drawn; the clip is ``i - clip_length + 1 .. i``, or the first ``clip_length``
    frames when ``i`` is earlier than that. A video shorter than the clip gives all its frames and repeats
    the last one.

    Args:
        video_length (int): frames in the video.
        clip_length (int): frames in the clip.
        rng (random.Random): the random generator.
    """
    anchor = rng.randrange(video_length)
    if video_length < clip_length:
        return list(range(video_length)) + [video_length - 1] * (clip_length - video_length)
    end = max(anchor, clip_length - 1)
    return list(range(end - clip_length + 1, end + 1))


@DATASETS.register_module()
class FewShotEpisodeDataset(Dataset):
    """Episodes of few-shot RVOS over a per-expression dataset (CMA's Mini-Ref-YouTube-VOS / SAIL-VOS).

    One item is one episode: a support clip and a query clip of the same class, given to the pipeline as
    ``dict(support=<item>, query=<item>, episode=<record>)`` where each ``<item>`` is a data info of the
    wrapped dataset (an expression of a video, with ``clip_frame_ids`` set) and the pipeline starts with
    :class:`~mmrvos.datasets.transforms.LoadFewShotEpisode`. The wrapped dataset (e.g.
    :class:`MiniRefYouTubeVOSDataset`) gives every item its video's ``class_id`` and defines ``CATEGORIES``
    and ``NUM_FOLDS``; :func:`fold_classes` splits the classes.

    Training (``test_mode=False``): ``episodes_per_class`` episodes for each training class of the fold,
    class by class (item ``i`` belongs to the ``i // episodes_per_class``-th class). Each draws a query video
    of the class, a support video among its other videos, in each a random expression (uniform over the
    video's expressions, which is the official draw of a random object weighted by its expressions, then one
    of its expressions) and ``query_frames`` / ``support_frames`` consecutive frames
    (:func:`consecutive_clip`). The draws use a generator seeded by a number taken from Python's ``random``
    (seeded by mmengine's ``randomness`` and per dataloader worker), and that number is recorded as the
    episode's ``support_seed``: an episode is fully determined by it.

    Test (``test_mode=True``): for each test class of the fold, one support video, its expression and its
    ``support_frames`` consecutive frames are drawn by a generator seeded by ``(support_seed, class_id)``;
    every expression of every other video of the class is one episode with all frames of its video as the
    query (classes in id order, videos sorted, expressions in file order). The official test seeds from an
    unseeded draw, so its support choice changes between runs; here it is fixed by ``support_seed`` (run
    several seeds for a mean and spread) and recorded in every episode.

    A class with fewer than two videos gives no episode (no query or no support video besides the one
    video): it is reported by name (``small_classes='warn'``: a warning at build time, and the dict
    :attr:`small_classes`; ``'error'``: a ValueError).

    Every episode is recorded in ``episode``: ``fold``, ``class_id``, ``class_name``, ``support_video``,
    ``support_obj_id``, ``support_exp_id``, ``support_frames`` (frame names), ``support_seed``,
    ``query_video``, ``query_obj_id``, ``query_exp_id`` and ``query_frames`` (frame names; all frames at
    test).

    Args:
        dataset (dict | BaseDataset): the per-expression dataset (whole videos, with ground truth).
        fold (int, optional): the fold, 1..``NUM_FOLDS`` (None for a dataset without folds).
        test_mode (bool): test episodes of the fold's test classes instead of training episodes of its
            training classes. Defaults to False.
        episodes_per_class (int): training episodes per class. Defaults to 100.
        support_frames (int): frames of the support clip. Defaults to 5.
        query_frames (int): frames of a training query clip. Defaults to 5.
        support_seed (int): seed of the test episodes' support choice. Defaults to 1.
        small_classes (str): ``'warn'`` or ``'error'`` for a class with fewer than two videos.
            Defaults to ``'warn'``.
        pipeline (list[dict]): the episode pipeline. Defaults to ().
        lazy_init (bool): defer building the episodes to :meth:`full_init`. Defaults to False.
        skip_finished (str, optional): an ``episodes.jsonl`` written by ``FewShotJFMetric`` (or its
            folder): test episodes already in it (same fold, seed, support, query video and expression) are
            left out, so a resumed test run does not run the model on them again (the metric's
            ``resume=True`` then merges the file). Defaults to None.
    """

    def __init__(self,
                 dataset: Union[dict, BaseDataset],
                 fold: Optional[int] = None,
                 test_mode: bool = False,
                 episodes_per_class: int = 100,
                 support_frames: int = 5,
                 query_frames: int = 5,
                 support_seed: int = 1,
                 small_classes: str = 'warn',
                 pipeline: Sequence[dict] = (),
                 lazy_init: bool = False,
                 skip_finished: Optional[str] = None):
        if small_classes not in ('warn', 'error'):
            raise ValueError(f'small_classes must be "warn" or "error", got {small_classes!r}')
        if episodes_per_class < 1 or support_frames < 1 or query_frames < 1:
            raise ValueError('episodes_per_class, support_frames and query_frames must be positive')
        with DefaultScope.overwrite_default_scope('mmrvos'):
            self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        for attr in ('CATEGORIES', 'NUM_FOLDS'):
            if not hasattr(self.dataset, attr):
                raise TypeError(f'{type(self.dataset).__name__} has no {attr}: wrap a few-shot dataset '
                                'such as MiniRefYouTubeVOSDataset')
        self.train_class_ids, self.test_class_ids = fold_classes(
            len(self.dataset.CATEGORIES), fold, self.dataset.NUM_FOLDS)
        self.fold = fold
        self.test_mode = test_mode
        self.episodes_per_class = episodes_per_class
        self.support_frames = support_frames
        self.query_frames = query_frames
        self.support_seed = support_seed
        self.small_classes_mode = small_classes
        self.skip_finished = skip_finished
        with DefaultScope.overwrite_default_scope('mmrvos'):
            self.pipeline = Compose(list(pipeline))
        self.small_classes: Dict[int, List[str]] = {}
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's metainfo with the fold, the category names and this phase's class ids."""
        meta = copy.deepcopy(self.dataset.metainfo)
        meta.update(
            fold=self.fold, categories=tuple(self.dataset.CATEGORIES), class_ids=tuple(self.class_ids))
        return meta

    @property
    def class_ids(self) -> List[int]:
        """Ids of the classes of this phase: the fold's test classes at test, its training classes else."""
        return self.test_class_ids if self.test_mode else self.train_class_ids

    def class_name(self, class_id: int) -> str:
        return self.dataset.CATEGORIES[class_id - 1]

    # ------------------------------------------------------------------ building
    def full_init(self) -> None:
        """Index the wrapped dataset by class and video, report small classes, build the test episodes."""
        if self._fully_initialized:
            return
        self.dataset.full_init()
        # class id -> video id -> indices of its expressions in the wrapped dataset (file order)
        videos: Dict[int, Dict[str, List[int]]] = defaultdict(lambda: defaultdict(list))
        for index in range(len(self.dataset)):
            info = self.dataset.get_data_info(index)
            videos[info['class_id']][info['video_id']].append(index)
        self.videos_by_class = {
            c: {v: list(ids)
                for v, ids in sorted(vids.items())}
            for c, vids in videos.items()
        }
        self.small_classes = {}
        for class_id in self.class_ids:
            names = list(self.videos_by_class.get(class_id, {}))
            if len(names) < 2:
                self.small_classes[class_id] = names
        self._report_small_classes()
        self.episode_class_ids = [c for c in self.class_ids if c not in self.small_classes]
        self.test_episodes = self._build_test_episodes() if self.test_mode else None
        self._fully_initialized = True
        if self.test_mode and self.skip_finished:
            self._drop_finished_episodes()

    @staticmethod
    def _identity(episode: dict) -> tuple:
        return tuple(str(episode.get(k)) for k in ('fold', 'class_id', 'support_video', 'support_obj_id',
                                                   'support_exp_id', 'support_seed', 'query_video',
                                                   'query_exp_id'))

    def _drop_finished_episodes(self) -> None:
        """Leave out the test episodes recorded in ``skip_finished`` (a missing file skips nothing)."""
        path = self.skip_finished
        if osp.isdir(path):
            path = osp.join(path, 'episodes.jsonl')
        if not osp.isfile(path):
            return
        done = set()
        with open(path) as f:
            for line in f:
                try:
                    done.add(self._identity(json.loads(line)['episode']))
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut by a crash: that episode is run again
        keep = [ep for i, ep in enumerate(self.test_episodes)
                if self._identity(self.get_data_info(i)['episode']) not in done]
        MMLogger.get_current_instance().info(
            f'FewShotEpisodeDataset fold {self.fold}: {len(self.test_episodes) - len(keep)} finished '
            f'episode(s) in {path} skipped, {len(keep)} to run')
        self.test_episodes = keep

    def _report_small_classes(self) -> None:
        if not self.small_classes:
            return
        phase = 'test' if self.test_mode else 'training'
        details = '; '.join(f'{self.class_name(c)} (class {c}): {len(v)} video(s) {v}'
                            for c, v in self.small_classes.items())
        message = (f'{type(self.dataset).__name__} ({self.dataset.ann_file}) fold {self.fold}: {phase} '
                   f'classes with fewer than two videos give no episode: {details}')
        if self.small_classes_mode == 'error':
            raise ValueError(message)
        MMLogger.get_current_instance().warning(message)

    def _video_clip(self, index: int, clip_length: Optional[int], rng: Optional[random.Random]) -> dict:
        """A data info of the wrapped dataset with the frames of a clip (all frames when ``clip_length`` is
        None)."""
        info = copy.deepcopy(self.dataset.get_data_info(index))
        info['clip_frame_ids'] = None if clip_length is None else \
            consecutive_clip(len(info['frame_names']), clip_length, rng)
        return info

    def _episode(self, class_id: int, support: dict, query: dict, seed: int) -> dict:
        def names(info: dict) -> List[str]:
            ids = info['clip_frame_ids']
            return list(info['frame_names']) if ids is None else [info['frame_names'][i] for i in ids]

        record = dict(
            fold=self.fold,
            class_id=class_id,
            class_name=self.class_name(class_id),
            support_video=support['video_id'],
            support_obj_id=support['obj_ids'][0],
            support_exp_id=support['exp_id'],
            support_frames=names(support),
            support_seed=seed,
            query_video=query['video_id'],
            query_obj_id=query['obj_ids'][0],
            query_exp_id=query['exp_id'],
            query_frames=names(query))
        return dict(support=support, query=query, episode=record)

    def _build_test_episodes(self) -> List[Tuple[int, int, List[int], int]]:
        """(class id, support item index, support frame ids, query item index) of every test episode."""
        episodes = []
        for class_id in self.episode_class_ids:
            videos = self.videos_by_class[class_id]
            rng = random.Random(f'{self.support_seed}:{class_id}')
            support_video = rng.choice(list(videos))
            support_index = rng.choice(videos[support_video])
            length = len(self.dataset.get_data_info(support_index)['frame_names'])
            frames = consecutive_clip(length, self.support_frames, rng)
            for video, indices in videos.items():
                if video != support_video:
                    episodes.extend((class_id, support_index, frames, index) for index in indices)
        return episodes

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        self.full_init()
        if self.test_mode:
            return len(self.test_episodes)
        return len(self.episode_class_ids) * self.episodes_per_class

    def get_data_info(self, idx: int) -> dict:
        """The episode ``idx``: ``dict(support=..., query=..., episode=...)`` (training episodes are drawn
        anew at every call, from Python's ``random``)."""
        self.full_init()
        if not 0 <= idx < len(self):
            raise IndexError(f'episode {idx} out of range ({len(self)} episodes)')
        if self.test_mode:
            class_id, support_index, frames, query_index = self.test_episodes[idx]
            support = copy.deepcopy(self.dataset.get_data_info(support_index))
            support['clip_frame_ids'] = list(frames)
            query = self._video_clip(query_index, None, None)
            return self._episode(class_id, support, query, self.support_seed)
        class_id = self.episode_class_ids[idx // self.episodes_per_class]
        seed = random.getrandbits(32)
        rng = random.Random(seed)
        videos = self.videos_by_class[class_id]
        query_video = rng.choice(list(videos))
        support_video = rng.choice([v for v in videos if v != query_video])
        query = self._video_clip(rng.choice(videos[query_video]), self.query_frames, rng)
        support = self._video_clip(rng.choice(videos[support_video]), self.support_frames, rng)
        return self._episode(class_id, support, query, seed)

    def __getitem__(self, idx: int) -> dict:
        data = self.pipeline(self.get_data_info(idx))
        if data is None:
            raise RuntimeError(f'the pipeline of {type(self).__name__} returned None for episode {idx}')
        return data
