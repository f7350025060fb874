# Copyright (c) mmrvos contributors. All rights reserved.
import os
import os.path as osp
import shutil
from typing import Any, Dict, List, Optional, Sequence

from mmengine.logging import MMLogger
from mmengine.utils import mkdir_or_exist

from mmrvos.registry import METRICS

from ..functional import write_binary_png
from .mevis_metric import MeViSMetric
from .sample_utils import frame_pred_union, get_frames, get_meta, output_prefix


@METRICS.register_module()
class RefYouTubeVOSMetric(MeViSMetric):
    """Ref-YouTube-VOS submission writer, with offline J&F where gt exists.

    Writes ``<outfile_prefix>/Annotations/<video_id>/<exp_id>/<frame_name>.png`` for every frame of
    every (video, expression) sample: single-channel 'L' PNGs of 0/255 at the original resolution,
    the union of ``pred_track_instances.masks`` (as ReferFormer/SOC/MTTR inference writes them), and
    zips the ``Annotations`` folder into ``<outfile_prefix>/<zip_name>`` for the evaluation server.

    With ``format_only=False`` the annotated frames are also scored like MeViS (per expression mean
    J and F, then mean over expressions), which is the offline approximation of the server's J&F
    for splits with ground truth.

    Args:
        outfile_prefix (str): Folder of the ``Annotations`` tree and the zip; ``{work_dir}`` in it is
            the run's work_dir (filled in by :class:`mmrvos.evaluation.RVOSTestLoop`).
        format_only (bool): Only write the submission. Defaults to True.
        zip_name (str, optional): File name of the zip; None writes no zip. Defaults to
            'submission.zip'.
        bound_th (float): Boundary tolerance of F. Defaults to 0.008.
        collect_device (str): Device to collect results across ranks. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to 'ref_ytvos'.
    """
    default_prefix: Optional[str] = 'ref_ytvos'

    def __init__(self,
                 outfile_prefix: str,
                 format_only: bool = True,
                 zip_name: Optional[str] = 'submission.zip',
                 bound_th: float = 0.008,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(bound_th=bound_th, collect_device=collect_device, prefix=prefix)
        if zip_name is not None and not zip_name.endswith('.zip'):
            raise ValueError(f'zip_name must end with .zip, got {zip_name!r}')
        self.outfile_prefix = outfile_prefix
        self.format_only = format_only
        self.zip_name = zip_name
        self._checked_earlier_run = False

    def warn_earlier_run(self) -> None:
        """Warn once when the ``Annotations`` folder already holds PNGs of an earlier run."""
        if not self._checked_earlier_run and osp.isdir(self.annotations_dir):
            MMLogger.get_current_instance().warning(
                f'{self.annotations_dir} already exists: PNGs of an earlier run that this run does not '
                'overwrite will end up in the submission')
        self._checked_earlier_run = True

    @property
    def annotations_dir(self) -> str:
        """The ``Annotations`` folder of the submission."""
        return osp.join(output_prefix(self.outfile_prefix), 'Annotations')

    def write_sample(self, sample: Any) -> None:
        """Write the predicted PNG of every frame of one (video, expression) sample."""
        video_id, exp_id = get_meta(sample, 'video_id'), get_meta(sample, 'exp_id')
        if video_id is None or exp_id is None:
            raise KeyError('data sample without video_id/exp_id metainfo')
        out_dir = osp.join(self.annotations_dir, str(video_id), str(exp_id))
        mkdir_or_exist(out_dir)
        for frame in get_frames(sample):
            frame_name = get_meta(frame, 'frame_name')
            if frame_name is None:
                raise KeyError(f'frame {get_meta(frame, "frame_id")} has no frame_name metainfo')
            write_binary_png(frame_pred_union(frame), osp.join(out_dir, f'{frame_name}.png'))

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Write each sample's PNGs and, unless ``format_only``, score it."""
        self.warn_earlier_run()
        for sample in data_samples:
            try:
                self.write_sample(sample)
                self.results.append(None if self.format_only else self.score_sample(sample))
            except Exception as err:
                raise RuntimeError(f'video {get_meta(sample, "video_id")!r}, expression '
                                   f'{get_meta(sample, "exp_id")!r}: {err}') from err

    def compute_metrics(self, results: List[Optional[dict]]) -> Dict[str, float]:
        """Zip the submission; J&F of the scored expressions unless ``format_only``."""
        logger = MMLogger.get_current_instance()
        if self.zip_name is not None:
            zip_path = osp.join(self.outfile_prefix, self.zip_name)
            if osp.exists(zip_path):
                os.remove(zip_path)
            archive = shutil.make_archive(
                zip_path[:-len('.zip')], 'zip', root_dir=self.outfile_prefix, base_dir='Annotations')
            logger.info(f'Ref-YouTube-VOS submission written to {archive}')
        if self.format_only:
            return {}
        return super().compute_metrics(results)
