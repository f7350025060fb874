# Copyright (c) mmrvos contributors. All rights reserved.
import os.path as osp
from typing import Optional, Sequence

import mmcv
from mmdet.structures import TrackDataSample
from mmengine.fileio import get
from mmengine.hooks import Hook
from mmengine.utils import mkdir_or_exist

from mmrvos.registry import HOOKS

from .rvos_visualizer import RVOSLocalVisualizer


@HOOKS.register_module()
class RVOSVisualizationHook(Hook):
    """Draw the predicted masks of every frame of every (video, expression) while testing.

    ``tools/test.py --show-dir DIR`` sets ``draw=True`` and ``test_out_dir=DIR``; the overlays go to
    ``<work_dir>/<timestamp>/DIR/<video_id>/<exp_id>/<frame_name>.jpg`` (``DIR`` itself when absolute),
    one per frame per expression, drawn by :class:`RVOSLocalVisualizer` with the expression's sentence.
    Without ``test_out_dir`` the images go to the visualizer's backends (or a window with ``show``).

    mmdet's ``TrackVisualizationHook`` does not fit RVOS: it names the output folder after the frame
    folder's parent (``JPEGImages``), so every expression overwrites the same files, and it draws only
    every 30th frame.

    Args:
        draw (bool): draw at all. Defaults to False.
        frame_interval (int): draw every n-th frame of a video. Defaults to 1.
        score_thr (float): draw predicted instances scoring above this. Defaults to 0.
        draw_gt (bool): draw the ground truth beside the prediction. Defaults to False.
        show (bool): show the images in a window. Defaults to False.
        wait_time (float): seconds each shown image stays. Defaults to 0.
        test_out_dir (str, optional): output folder (see above). Defaults to None.
        backend_args (dict, optional): file backend arguments to read the frames. Defaults to None.
    """

    def __init__(self, draw: bool = False, frame_interval: int = 1, score_thr: float = 0.,
                 draw_gt: bool = False, show: bool = False, wait_time: float = 0.,
                 test_out_dir: Optional[str] = None, backend_args: Optional[dict] = None) -> None:
        if frame_interval < 1:
            raise ValueError(f'frame_interval must be >= 1, got {frame_interval}')
        self.draw, self.frame_interval = draw, frame_interval
        self.score_thr, self.draw_gt = score_thr, draw_gt
        self.show, self.wait_time = show, wait_time
        self.test_out_dir = test_out_dir
        self.backend_args = backend_args
        self._out_dir: Optional[str] = None
        self._step = 0

    def before_test(self, runner) -> None:
        """Check the visualizer and resolve the output folder once per run."""
        if not self.draw:
            return
        if not isinstance(runner.visualizer, RVOSLocalVisualizer):
            raise TypeError(f'{type(self).__name__} draws with RVOSLocalVisualizer, the config has '
                            f"{type(runner.visualizer).__name__}: set "
                            "visualizer=dict(type='RVOSLocalVisualizer', "
                            "vis_backends=[dict(type='LocalVisBackend')], name='visualizer')")
        if self.show:
            runner.visualizer._vis_backends = {}
        if self.test_out_dir is not None:
            self._out_dir = osp.join(runner.work_dir, runner.timestamp, self.test_out_dir)
            mkdir_or_exist(self._out_dir)

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence[TrackDataSample]) -> None:
        """Draw every ``frame_interval``-th frame of each (video, expression) sample of the batch."""
        if not self.draw:
            return
        for sample in outputs:
            for frame_index in range(0, len(sample), self.frame_interval):
                self.draw_frame(runner.visualizer, sample, sample[frame_index])

    def draw_frame(self, visualizer: RVOSLocalVisualizer, sample: TrackDataSample, frame) -> None:
        """Draw one frame (read from its ``img_path``) with its predictions and the sentence."""
        img = mmcv.imfrombytes(get(frame.img_path, backend_args=self.backend_args), channel_order='rgb')
        video_id, exp_id = sample.metainfo.get('video_id'), sample.metainfo.get('exp_id')
        frame_name = frame.metainfo.get('frame_name', osp.splitext(osp.basename(frame.img_path))[0])
        frame.set_metainfo(dict(text=sample.metainfo.get('text', '')))
        out_file = None
        if self._out_dir is not None:
            out_file = osp.join(self._out_dir, str(video_id), str(exp_id), f'{frame_name}.jpg')
            mkdir_or_exist(osp.dirname(out_file))
        visualizer.add_datasample(
            f'{video_id}/{exp_id}/{frame_name}', img, data_sample=frame, draw_gt=self.draw_gt,
            show=self.show, wait_time=self.wait_time, pred_score_thr=self.score_thr, out_file=out_file,
            step=self._step)
        self._step += 1
