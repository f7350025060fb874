# Copyright (c) mmrvos contributors. All rights reserved.
"""RVOSLocalVisualizer: expression ``i``'s mask in the DAVIS colour of id ``i + 1``; a legend of the
sentences."""
import itertools

import cv2
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.structures import InstanceData

from mmrvos.utils import davis_palette
from mmrvos.visualization import RVOSLocalVisualizer

H, W = 120, 160
GRAY = 100
RED, GREEN = (128, 0, 0), (0, 128, 0)  # davis_palette() ids 1 and 2: expressions 0 and 1
_names = itertools.count()


def _visualizer(**kwargs) -> RVOSLocalVisualizer:
    # Visualizer instances are process-wide by name
    return RVOSLocalVisualizer(name=f'test_rvos_visualizer_{next(_names)}', alpha=0.5, **kwargs)


def _masks() -> np.ndarray:
    """``(2, H, W)``: expression 0 a box at rows 60-99, cols 10-49; expression 1 rows 60-99, cols 100-139."""
    masks = np.zeros((2, H, W), dtype=bool)
    masks[0, 60:100, 10:50] = True
    masks[1, 60:100, 100:140] = True
    return masks


def _sample(masks, scores=(0.9, 0.8), texts=('the red car', 'a dog')) -> DetDataSample:
    sample = DetDataSample(metainfo=dict(texts=list(texts)) if texts is not None else {})
    sample.pred_track_instances = InstanceData(
        masks=masks, scores=torch.tensor(scores), instances_id=torch.arange(len(scores)),
        labels=torch.zeros(len(scores), dtype=torch.long))
    return sample


def _image() -> np.ndarray:
    return np.full((H, W, 3), GRAY, dtype=np.uint8)


def _blend(color) -> tuple:
    return tuple(int(GRAY * 0.5 + c * 0.5) for c in color)


def test_palette_is_the_davis_palette():
    assert np.array_equal(_visualizer().palette, davis_palette())


@pytest.mark.parametrize('to_container', [
    lambda m: torch.from_numpy(m), lambda m: m, lambda m: BitmapMasks(m.astype(np.uint8), H, W)
], ids=['tensor', 'ndarray', 'BitmapMasks'])
def test_draw_frame_colours_each_expression_mask(to_container):
    image = _image()
    drawn = _visualizer().draw_frame(image, _sample(to_container(_masks())))

    assert drawn.shape == (H, W, 3) and drawn.dtype == np.uint8
    assert np.all(image == GRAY), 'the input frame was modified'
    # inside: the frame blended with the expression's colour; the mask's outline in the pure colour
    assert np.all(drawn[61:99, 11:49] == _blend(RED))
    assert np.all(drawn[61:99, 101:139] == _blend(GREEN))
    assert tuple(drawn[60, 30]) == RED and tuple(drawn[99, 10]) == RED
    assert tuple(drawn[80, 139]) == GREEN
    # outside both masks and below the legend: untouched
    outside = np.ones((H, W), dtype=bool)
    outside[:45] = False
    outside[_masks().any(0)] = False
    assert np.all(drawn[outside] == GRAY)


def test_legend_lists_each_sentence_on_its_colour_with_its_score():
    drawn = _visualizer().draw_frame(_image(), _sample(_masks()))
    column = [tuple(p) for p in drawn[:45, 2]]
    red_rows = [y for y, p in enumerate(column) if p == RED]
    green_rows = [y for y, p in enumerate(column) if p == GREEN]
    assert red_rows and green_rows and red_rows[0] == 2 and max(red_rows) < min(green_rows)
    # the box is as wide as its text: the score '(0.90)' widens it
    red_width = np.sum(np.all(drawn[2] == RED, axis=-1))
    without_scores = _sample(_masks())
    del without_scores.pred_track_instances.scores
    unscored = _visualizer().draw_frame(_image(), without_scores)
    assert np.sum(np.all(unscored[2] == RED, axis=-1)) < red_width
    # no sentences, no legend
    no_texts = _visualizer().draw_frame(_image(), _sample(_masks(), texts=None))
    assert np.all(no_texts[:45] == GRAY)


def test_empty_mask_and_instance_ids_pick_the_colour():
    masks = _masks()
    masks[0] = False
    sample = _sample(masks, texts=None)
    sample.pred_track_instances.instances_id = torch.tensor([4, 0])  # the second mask is expression 0
    drawn = _visualizer().draw_frame(_image(), sample)
    assert np.all(drawn[61:99, 101:139] == _blend(RED))
    assert np.all(drawn[:, :60] == GRAY)


def test_add_datasample_writes_the_drawn_frame(tmp_path):
    visualizer = _visualizer()
    sample = _sample(torch.from_numpy(_masks()), scores=(0.9, 0.2))
    out_file = tmp_path / 'frame.png'
    visualizer.add_datasample('frame', _image(), sample, draw_gt=False, out_file=str(out_file))

    written = cv2.imread(str(out_file))[..., ::-1]  # written as BGR
    assert written.shape == (H, W, 3)
    assert np.all(written[61:99, 11:49] == _blend(RED))
    # below mmdet's pred_score_thr (0.3): not drawn
    assert np.all(written[60:100, 100:140] == GRAY)
    assert np.array_equal(written[:45], visualizer.draw_frame(_image(), _sample(_masks()[:1], scores=(0.9, ),
                                                                                 texts=sample.texts))[:45])


def test_add_datasample_stores_to_the_vis_backend(tmp_path):
    visualizer = _visualizer(vis_backends=[dict(type='LocalVisBackend')], save_dir=str(tmp_path))
    visualizer.add_datasample('clip_frame', _image(), _sample(_masks()), draw_gt=False, step=3)
    stored = list(tmp_path.rglob('clip_frame_3.png'))
    assert len(stored) == 1
    image = cv2.imread(str(stored[0]))[..., ::-1]
    assert np.all(image[61:99, 101:139] == _blend(GREEN))
