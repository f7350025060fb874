# Copyright (c) mmrvos contributors. All rights reserved.
"""The test and validation loops of mmrvos: a broken video never loses the finished results.

mmengine's ``TestLoop`` ends with a traceback and no metric when one item of the test set cannot be
loaded (an unreadable frame in the last video loses the whole run). :class:`RVOSTestLoop` (and
:class:`RVOSValLoop`) reports the
broken video by name in one line and then, by ``on_broken_video``, stops (scores and saves what was
done), skips it (and goes on), or raises. The metric output says over how many expressions it was
computed (``coverage/...`` keys), so a benchmark number is never silently over a subset.
"""
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from mmengine.dist import all_gather_object
from mmengine.logging import MMLogger
from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.loops import _parse_losses
from torch.utils.data import DataLoader

from mmrvos.registry import LOOPS

BROKEN_VIDEO_MODES = ('stop', 'skip', 'error')
WORK_DIR_FIELD = '{work_dir}'


class BrokenVideoError(RuntimeError):
    """An item of the evaluation set could not be loaded and ``on_broken_video='error'``."""


def fill_work_dir(metrics: Sequence[Any], work_dir: str) -> None:
    """Replace ``{work_dir}`` in the metrics' ``outfile_prefix`` by the run's work_dir (``--work-dir``)."""
    for metric in metrics:
        prefix = getattr(metric, 'outfile_prefix', None)
        if isinstance(prefix, str) and WORK_DIR_FIELD in prefix:
            metric.outfile_prefix = prefix.replace(WORK_DIR_FIELD, work_dir)


def error_line(err: BaseException) -> str:
    """One line describing a loading error (for a DataLoader worker, the original exception's line)."""
    lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    if not lines:
        return type(err).__name__
    if 'Original Traceback' in str(err):  # re-raised from a DataLoader worker: the last line is the error
        return lines[-1]
    return f'{type(err).__name__}: {lines[0]}'


class BrokenVideoGuard:
    """Iterate a DataLoader; a batch that cannot be loaded is reported by its (video, expression) names.

    Args:
        dataloader (DataLoader): the evaluation loader (its sampler must be deterministic, as every test
            sampler is, to name the items of a failed batch).
        mode (str): ``'stop'``: end the iteration at the first broken batch; ``'skip'``: go on with the
            next one; ``'error'``: raise :class:`BrokenVideoError` naming it.

    Attributes:
        broken (list[str]): ``'<video_id>/<exp_id>'`` of every item of the broken batches.
        stopped_at (str, optional): the broken item where ``'stop'`` ended the iteration.
        num_loaded (int): items loaded (and yielded).
        num_not_reached (int): items after the stop.
    """

    def __init__(self, dataloader: DataLoader, mode: str) -> None:
        self.dataloader = dataloader
        self.mode = _check_mode(mode)
        self.broken: List[str] = []
        self.stopped_at: Optional[str] = None
        self.num_loaded = 0
        self.num_not_reached = 0
        self._batches: Optional[List[List[int]]] = None

    def item_names(self, batch_idx: int) -> List[str]:
        """``'<video_id>/<exp_id>'`` of the items of batch ``batch_idx`` (from the batch sampler)."""
        batch_sampler = getattr(self.dataloader, 'batch_sampler', None)
        if batch_sampler is None:
            return [f'batch {batch_idx}']
        if self._batches is None:
            self._batches = [list(b) for b in batch_sampler]
        names = []
        for index in self._batches[batch_idx]:
            info = self.dataloader.dataset.get_data_info(index)
            names.append(f'{info.get("video_id", "?")}/{info.get("exp_id", index)}')
        return names

    def __iter__(self) -> Iterator[Tuple[int, Any]]:
        logger = MMLogger.get_current_instance()
        iterator = iter(self.dataloader)
        num_batches = len(self.dataloader)
        for batch_idx in range(num_batches):
            try:
                batch = next(iterator)
            except StopIteration:
                return
            except Exception as err:  # noqa: BLE001 - any loading error of one item is reported by name
                names = self.item_names(batch_idx)
                line = f'broken video {", ".join(names)}: {error_line(err)}'
                if self.mode == 'error':
                    raise BrokenVideoError(f'{line} (on_broken_video="error")') from err
                self.broken.extend(names)
                if self.mode == 'skip':
                    logger.error(f'{line}; skipped (on_broken_video="skip")')
                    continue
                self.stopped_at = names[0]
                self.num_not_reached = sum(len(b) for b in self._batches[batch_idx + 1:]) \
                    if self._batches is not None else 0
                logger.error(f'{line}; stopping and scoring the {self.num_loaded} expressions done '
                             '(on_broken_video="stop")')
                return
            self.num_loaded += _batch_size(batch)
            yield batch_idx, batch

    def coverage(self, num_items: int) -> Dict[str, Union[int, str, List[str]]]:
        """Metric entries saying over how many items the metrics were computed (gathered over ranks).

        Returns:
            dict: ``coverage/expressions`` (items of the dataset), ``coverage/loaded`` (items run through
            the model); when something was left out also ``coverage/num_skipped``, ``coverage/skipped``
            (``'<video_id>/<exp_id>'``) and, with ``'stop'``, ``coverage/stopped_at`` and
            ``coverage/not_reached``.
        """
        parts = all_gather_object((self.num_loaded, self.broken, self.stopped_at, self.num_not_reached))
        result: Dict[str, Union[int, str, List[str]]] = {
            'coverage/expressions': num_items, 'coverage/loaded': sum(p[0] for p in parts)}
        broken = sorted(name for p in parts for name in p[1])
        if broken:
            result['coverage/num_skipped'] = len(broken)
            result['coverage/skipped'] = broken
        stopped = [p[2] for p in parts if p[2] is not None]
        if stopped:
            result['coverage/stopped_at'] = ', '.join(stopped)
            result['coverage/not_reached'] = sum(p[3] for p in parts)
        return result


def _batch_size(batch: Any) -> int:
    samples = batch.get('data_samples') if isinstance(batch, dict) else None
    return len(samples) if samples is not None else 1


def _check_mode(on_broken_video: str) -> str:
    if on_broken_video not in BROKEN_VIDEO_MODES:
        raise ValueError(f'on_broken_video must be one of {BROKEN_VIDEO_MODES}, got {on_broken_video!r}')
    return on_broken_video


class GuardedLoopMixin:
    """``__init__`` and ``run`` of :class:`RVOSTestLoop` and :class:`RVOSValLoop` (``stage`` 'test' or
    'val'): mmengine's loop body over a :class:`BrokenVideoGuard`."""

    stage: str = ''

    def __init__(self, runner, dataloader: Union[DataLoader, Dict], evaluator: Union[Dict, List, Any],
                 fp16: bool = False, on_broken_video: str = 'stop') -> None:
        self.on_broken_video = _check_mode(on_broken_video)
        super().__init__(runner, dataloader, evaluator, fp16)
        fill_work_dir(self.evaluator.metrics, runner.work_dir)

    def run(self) -> dict:
        """Run the whole set; returns the metrics with the ``coverage/...`` entries."""
        stage, runner, losses = self.stage, self.runner, getattr(self, f'{self.stage}_loss')
        runner.call_hook(f'before_{stage}')
        runner.call_hook(f'before_{stage}_epoch')
        runner.model.eval()
        losses.clear()
        guard = BrokenVideoGuard(self.dataloader, self.on_broken_video)
        for idx, data_batch in guard:
            self.run_iter(idx, data_batch)
        num_items = len(self.dataloader.dataset)
        metrics = self.evaluator.evaluate(num_items)
        if losses:
            metrics.update(_parse_losses(losses, stage))
        coverage = guard.coverage(num_items)
        metrics.update(coverage)
        if 'coverage/skipped' in coverage:
            MMLogger.get_current_instance().error(
                f'the metrics are over {coverage["coverage/loaded"]} of {num_items} expressions: '
                f'{coverage["coverage/num_skipped"]} broken ({", ".join(coverage["coverage/skipped"])})' +
                (f', {coverage["coverage/not_reached"]} not reached after the stop'
                 if 'coverage/stopped_at' in coverage else ''))
        runner.call_hook(f'after_{stage}_epoch', metrics=metrics)
        runner.call_hook(f'after_{stage}')
        return metrics


@LOOPS.register_module()
class RVOSTestLoop(GuardedLoopMixin, TestLoop):
    """mmengine's ``TestLoop`` that keeps the finished results when a video cannot be loaded.

    Use it as ``test_cfg = dict(type='RVOSTestLoop', on_broken_video='stop')``.

    - A (video, expression) item whose frames or masks cannot be read is reported in one log line that
      names it (and the file, from the loading error). ``on_broken_video`` then decides: ``'stop'``
      (default) stops reading, scores and saves (``--out``, the metrics' files) what was done; ``'skip'``
      goes on without it; ``'error'`` raises :class:`BrokenVideoError`.
    - The metrics get ``coverage/expressions`` and ``coverage/loaded`` (how many items of the dataset
      were run), and, when some were left out, ``coverage/num_skipped``, ``coverage/skipped`` (their
      names) and ``coverage/stopped_at`` / ``coverage/not_reached``.
    - ``{work_dir}`` in a metric's ``outfile_prefix`` becomes the run's work_dir, so predictions follow
      ``--work-dir``.

    Args:
        runner (Runner): the runner.
        dataloader (DataLoader | dict): the test dataloader.
        evaluator (Evaluator | dict | list): the test evaluator.
        fp16 (bool): autocast. Defaults to False.
        on_broken_video (str): ``'stop'``, ``'skip'`` or ``'error'``. Defaults to ``'stop'``.
    """
    stage = 'test'


@LOOPS.register_module()
class RVOSValLoop(GuardedLoopMixin, ValLoop):
    """mmengine's ``ValLoop`` with the behaviour of :class:`RVOSTestLoop` (same arguments): a broken video
    is reported by name and stops (or is skipped in, or ends) the validation, whose metrics say over how
    many expressions they were computed; ``{work_dir}`` in ``outfile_prefix`` is the run's work_dir."""
    stage = 'val'
