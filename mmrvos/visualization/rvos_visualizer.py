# Copyright (c) mmrvos contributors. All rights reserved.
from typing import List, Optional

import cv2
import numpy as np
from mmdet.structures import DetDataSample
from mmdet.visualization import TrackLocalVisualizer
from mmengine.dist import master_only
from mmengine.structures import InstanceData

from mmrvos.registry import VISUALIZERS
from mmrvos.utils import davis_palette, masks_to_numpy


@VISUALIZERS.register_module()
class RVOSLocalVisualizer(TrackLocalVisualizer):
    """Draw referring masks on a frame with the sentences as a legend.

    The differences to mmdet's :class:`TrackLocalVisualizer`: instance ``i`` (``instances_id``) is
    coloured with the DAVIS palette colour of object id ``i + 1`` (its colour in the palette PNGs the
    inferencer writes), no boxes are drawn, and the sentence(s) of the data sample
    (``metainfo['texts']`` (list) or ``metainfo['text']`` (str)) are written in the top-left corner, each
    on a box of its mask's colour, with the mask's score. Drawing uses OpenCV only (no matplotlib figure),
    so it is fast and keeps no state from frame to frame, which matters for long videos. OpenCV's fonts
    are ASCII: other characters are shown as ``?``.

    Args:
        name (str): instance name. Defaults to 'visualizer'.
        font_scale (float): legend text height as a fraction of the frame height. Defaults to 0.04.
        alpha (float): mask opacity. Defaults to 0.5.
        **kwargs: other :class:`TrackLocalVisualizer` arguments (``vis_backends``, ``save_dir``,
            ``line_width``...).
    """

    def __init__(self,
                 name: str = 'visualizer',
                 font_scale: float = 0.04,
                 alpha: float = 0.5,
                 **kwargs) -> None:
        super().__init__(name=name, alpha=alpha, **kwargs)
        self.font_scale = font_scale
        self._texts: List[str] = []
        self.palette = davis_palette()

    def _color(self, instance_id: int) -> tuple:
        return tuple(int(c) for c in self.palette[(int(instance_id) + 1) % len(self.palette)])

    def _draw_legend(self, image: np.ndarray, labels: List[str]) -> None:
        height, width = image.shape[:2]
        text_height = max(6, self.font_scale * height)
        scale = cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_SIMPLEX, int(round(text_height)), 1)
        pad, y = max(1, int(text_height * 0.25)), 2
        for row, label in enumerate(labels):
            label = label.encode('ascii', 'replace').decode('ascii')
            (w, h), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
            while w + 2 * pad + 2 > width and len(label) > 4:  # shorten what does not fit
                label = label[:-4] + '...'
                (w, h), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
            cv2.rectangle(image, (2, y), (2 + w + 2 * pad, y + h + base + 2 * pad), self._color(row), -1)
            cv2.putText(image, label, (2 + pad, y + pad + h), cv2.FONT_HERSHEY_SIMPLEX, scale,
                        (255, 255, 255), 1, cv2.LINE_AA)
            y += h + base + 2 * pad + 2

    def _draw_instances(self, image: np.ndarray, instances: InstanceData) -> np.ndarray:
        """Draw ``instances.masks`` ``(k, H, W)`` and the legend on an RGB ``image`` ``(H, W, 3)``.

        Returns:
            np.ndarray: the drawn RGB image.
        """
        drawn = np.array(image, dtype=np.uint8, copy=True)
        ids = [int(i) for i in instances.instances_id] if 'instances_id' in instances else \
            list(range(len(instances)))
        if 'masks' in instances and len(instances) > 0:
            for instance_id, mask in zip(ids, masks_to_numpy(instances.masks)):
                if not mask.any():
                    continue
                color = np.asarray(self._color(instance_id), dtype=np.float32)
                drawn[mask] = (drawn[mask] * (1 - self.alpha) + color * self.alpha).astype(np.uint8)
                contours, _ = cv2.findContours(
                    mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
                cv2.drawContours(drawn, contours, -1, self._color(instance_id), 1)
        if self._texts:
            scores = {i: float(s) for i, s in zip(ids, instances.scores)} if 'scores' in instances else {}
            labels = [f'{t} ({scores[i]:.2f})' if i in scores else t for i, t in enumerate(self._texts)]
            self._draw_legend(drawn, labels)
        return drawn

    def draw_frame(self, image: np.ndarray, data_sample: DetDataSample) -> np.ndarray:
        """Draw the ``pred_track_instances`` of one frame and its sentences; returns the RGB image."""
        self._set_texts(data_sample)
        return self._draw_instances(image, data_sample.pred_track_instances)

    def _set_texts(self, data_sample: Optional[DetDataSample]) -> None:
        texts = []
        if data_sample is not None:
            texts = data_sample.metainfo.get('texts', data_sample.metainfo.get('text', []))
        self._texts = [texts] if isinstance(texts, str) else list(texts)

    @master_only
    def add_datasample(self, name: str, image: np.ndarray, data_sample: Optional[DetDataSample] = None,
                       *args, **kwargs) -> None:
        """As :meth:`TrackLocalVisualizer.add_datasample`; the sentences come from the data sample."""
        self._set_texts(data_sample)
        super().add_datasample(name, image, data_sample, *args, **kwargs)
