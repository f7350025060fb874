# Copyright (c) mmrvos contributors. All rights reserved.
"""Common base of the RVOS datasets: annotation-file reading, sentence checks and skip accounting."""
import json
import os.path as osp
import unicodedata
from collections import Counter
from typing import Any, Dict, List, Optional

from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope

from mmrvos.registry import DATASETS


def clean_sentence(sentence: str) -> str:
    """Normalise a referring sentence as every official RVOS loader does.

    Unicode NFKC normalisation, lower case, and whitespace collapsed to single spaces
    (``' '.join(s.lower().split())``).
    """
    return ' '.join(unicodedata.normalize('NFKC', sentence).lower().split())


@DATASETS.register_module()
class BaseRVOSDataset(BaseDataset):
    """Base class of the mmrvos datasets.

    One item is a (video, expression) pair, or one training window of it. ``load_data_list`` parses the
    annotation files only (frames and masks are read by the pipeline) and returns plain dicts, which
    mmengine serializes once. Every data info has at least:

    - ``video_id`` (str), ``exp_id`` (str), ``text`` (str, cleaned), ``obj_ids`` (list[int]);
    - ``frame_names`` (list[str]): all frames of the video in temporal order (file stems);
    - ``img_dir`` / ``img_suffix``: where the frames are (``<img_dir>/<name><img_suffix>``);
    - ``clip_frame_ids`` (list[int] | None): the frames of this item (a training window; indices may
      repeat where the official code pads), ``None`` for the whole video;
    - ``gt_frame_ids`` (list[int] | None): frames that carry ground truth (``None``: all, ``[]``: none);
    - ``mask_format`` (str | None) and the format-specific keys read by
      :class:`mmrvos.datasets.transforms.LoadRVOSAnnotations`.

    Bad sentences follow ``empty_text`` / ``non_ascii_text`` (``'skip'`` drops the expression and logs a
    count, ``'error'`` raises, ``'keep'`` keeps it and logs a count). The defaults skip empty sentences in
    training and raise in test mode (a benchmark expression must not vanish silently).

    Args:
        empty_text (str, optional): ``'skip'`` or ``'error'``. Defaults to ``'error'`` in test mode and
            ``'skip'`` otherwise.
        non_ascii_text (str): ``'keep'``, ``'skip'`` or ``'error'``. Defaults to ``'keep'``.
        **kwargs: see :class:`mmengine.dataset.BaseDataset`.
    """

    # The same metainfo for every RVOS dataset, so that mmengine's ConcatDataset joins them (joint training).
    METAINFO: dict = dict(classes=('referred object', ))

    def __init__(self, *args, empty_text: Optional[str] = None, non_ascii_text: str = 'keep', **kwargs):
        test_mode = kwargs.get('test_mode', False)
        self.empty_text = empty_text or ('error' if test_mode else 'skip')
        self.non_ascii_text = non_ascii_text
        assert self.empty_text in ('skip', 'error'), f'empty_text must be skip/error, got {empty_text}'
        assert non_ascii_text in ('keep', 'skip', 'error'), \
            f'non_ascii_text must be keep/skip/error, got {non_ascii_text}'
        self.skipped: Counter = Counter()
        self._skip_examples: Dict[str, List[str]] = {}
        # the pipeline resolves in mmrvos's registries also when built from another default scope (an
        # mmdet config with type='mmrvos.RefYouTubeVOSDataset'), as SOC does for its sub-modules
        with DefaultScope.overwrite_default_scope('mmrvos'):
            super().__init__(*args, **kwargs)

    # ------------------------------------------------------------------ helpers for subclasses
    @staticmethod
    def load_json(path: str, what: str = 'annotation file') -> Any:
        """Read a JSON file, with an error that names the file when it is missing or malformed."""
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} not found: {path}')
        try:
            with open(path, encoding='utf-8') as f:
                return json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f'malformed JSON in {what} {path}: {e}') from e

    @staticmethod
    def get_key(mapping: Any, key: str, where: str) -> Any:
        """``mapping[key]`` with an error naming the file/video/expression when it is absent."""
        if not isinstance(mapping, dict) or key not in mapping:
            raise ValueError(f'malformed annotation: {where} has no key {key!r} '
                             f'(got {type(mapping).__name__} {str(mapping)[:80]!r})')
        return mapping[key]

    def check_text(self, sentence: Any, where: str) -> Optional[str]:
        """Clean ``sentence``; return ``None`` when the expression is to be skipped.

        Args:
            sentence: the raw sentence from the annotation file.
            where (str): names the file, video and expression in errors and logs.
        """
        if not isinstance(sentence, str):
            raise ValueError(f'malformed annotation: the sentence of {where} is {sentence!r}, not a string')
        text = clean_sentence(sentence)
        if not text:
            if self.empty_text == 'error':
                raise ValueError(f'empty sentence in {where}')
            self.record_skip('empty sentence', where)
            return None
        if not text.isascii():
            if self.non_ascii_text == 'error':
                raise ValueError(f'non-ASCII sentence {text!r} in {where}')
            if self.non_ascii_text == 'skip':
                self.record_skip('non-ASCII sentence', where)
                return None
            self.record_skip('non-ASCII sentence kept', where)
        return text

    def record_skip(self, reason: str, where: str) -> None:
        """Count a skipped (or flagged) item; :meth:`log_skips` reports the counts."""
        self.skipped[reason] += 1
        self._skip_examples.setdefault(reason, [])
        if len(self._skip_examples[reason]) < 3:
            self._skip_examples[reason].append(where)

    def log_skips(self) -> None:
        """Log how many expressions/windows were skipped, per reason, with a few examples."""
        if not self.skipped:
            return
        logger = MMLogger.get_current_instance()
        for reason, count in sorted(self.skipped.items()):
            logger.warning(f'{type(self).__name__} ({self.ann_file}): {count} x {reason}, '
                           f'e.g. {self._skip_examples[reason]}')

    def full_init(self) -> None:
        """Load annotations once (then log the skip counts) and serialize them."""
        if self._fully_initialized:
            return
        self.skipped.clear()
        self._skip_examples.clear()
        super().full_init()
        self.log_skips()
