# Copyright (c) mmrvos contributors. All rights reserved.
"""The mmengine metric wrappers on data samples, inside an Evaluator and a Runner test loop."""
import zipfile

import numpy as np
import pytest
import torch
from evaluation_samples import a2d_samples, assert_same, davis_samples, make_sample, mevis_samples
from mmengine.evaluator import Evaluator
from mmengine.model import BaseModel
from mmengine.runner import Runner
from official_values import A2D, A2D_KEYS, DAVIS_KEYS, DAVIS_MEAN, DAVIS_PER_ANNOTATOR, MEVIS
from PIL import Image

from mmrvos.registry import METRICS


def evaluate(metric_cfg, samples, batch_size=2):
    """Run an mmengine Evaluator over the samples as the test loop does."""
    evaluator = Evaluator(METRICS.build(metric_cfg))
    for i in range(0, len(samples), batch_size):
        evaluator.process(samples[i:i + batch_size])
    return evaluator.evaluate(len(samples))


class ReplayModel(BaseModel):
    """Returns the data samples it is given: their predictions are already filled in."""

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return data_samples


class SampleList(torch.utils.data.Dataset):

    def __init__(self, samples):
        self.samples = samples

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, idx):
        return dict(inputs=torch.zeros(1, 3, 2, 2, dtype=torch.uint8), data_samples=self.samples[idx])


def test_ref_davis_metric_in_runner_test_loop(tmp_path):
    runner = Runner(
        model=ReplayModel(),
        work_dir=str(tmp_path),
        test_dataloader=dict(
            dataset=SampleList(davis_samples()), sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=3, num_workers=0, collate_fn=dict(type='pseudo_collate')),
        test_cfg=dict(type='TestLoop'),
        test_evaluator=dict(type='RefDAVISMetric'),
        default_scope='mmrvos')
    metrics = runner.test()
    assert_same([metrics[f'ref_davis/{k}'] for k in DAVIS_KEYS], DAVIS_MEAN)
    assert_same([metrics[f'ref_davis/J&F_annotator{a}'] for a in range(4)],
                [row[0] for row in DAVIS_PER_ANNOTATOR])


def test_ref_davis_metric_reads_official_gt(davis_tree):
    root, _ = davis_tree
    samples = davis_samples()
    for sample in samples:  # the gt of the samples is not used with gt_root
        for frame in sample.video_data_samples:
            del frame.gt_instances
    metrics = evaluate(dict(type='RefDAVISMetric', gt_root=f'{root}/Annotations_unsupervised/480p'), samples)
    assert_same([metrics[f'ref_davis/{k}'] for k in DAVIS_KEYS], DAVIS_MEAN)


def test_ref_davis_metric_needs_annotator():
    sample = davis_samples()[0]
    sample.set_metainfo(dict(annotator=None))
    with pytest.raises(RuntimeError, match="video 'seq-a'.*annotator"):
        evaluate(dict(type='RefDAVISMetric'), [sample])


def test_mevis_metric_matches_official():
    metrics = evaluate(dict(type='MeViSMetric'), mevis_samples())
    assert_same([metrics['mevis/J&F'], metrics['mevis/J'], metrics['mevis/F']], MEVIS)


def test_metric_names_the_video_on_bad_masks():
    gt = np.zeros((2, 1, 6, 8), bool)
    bad = make_sample('broken-video', '3', gt, np.zeros((2, 1, 5, 8), bool))
    with pytest.raises(RuntimeError, match="video 'broken-video', expression '3'.*ori_shape"):
        evaluate(dict(type='MeViSMetric'), [bad])


@pytest.mark.parametrize('protocol', ['all_queries', 'top1'])
def test_a2d_metric_matches_official(protocol, tmp_path):
    cfg = dict(type='A2DSentencesMetric', protocol=protocol, outfile_prefix=str(tmp_path / 'a2d'))
    metrics = evaluate(cfg, a2d_samples())
    values = [metrics[f'a2d/{k}'] for k in A2D_KEYS]
    if protocol == 'all_queries':  # the official protocol
        assert_same(values, A2D)
    else:  # only the top-1 reaches COCOeval: AP changes, the IoU family does not
        assert_same(values[6:], A2D[6:])
        assert not np.allclose(values[:3], A2D[:3])
    assert (tmp_path / 'a2d.gt.json').exists() and (tmp_path / 'a2d.segm.json').exists()


def test_ref_ytvos_metric_writes_submission(tmp_path):
    samples = mevis_samples()
    cfg = dict(type='RefYouTubeVOSMetric', outfile_prefix=str(tmp_path), format_only=False)
    metrics = evaluate(cfg, samples)
    assert_same([metrics['ref_ytvos/J&F'], metrics['ref_ytvos/J'], metrics['ref_ytvos/F']], MEVIS)
    with zipfile.ZipFile(tmp_path / 'submission.zip') as archive:
        names = sorted(n for n in archive.namelist() if n.endswith('.png'))
    expected = sorted(f'Annotations/{s.video_id}/{s.exp_id}/{f.frame_name}.png'
                      for s in samples for f in s.video_data_samples)
    assert names == expected
    png = Image.open(tmp_path / 'Annotations' / 'v1' / '1' / '00002.png')
    assert png.mode == 'L'
    values = np.array(png)
    assert set(np.unique(values)) == {0, 255}
    expected_mask = samples[1].video_data_samples[2].pred_track_instances.masks[0].numpy()
    np.testing.assert_array_equal(values > 0, expected_mask)
    # format only: the submission and no numbers
    assert evaluate(dict(type='RefYouTubeVOSMetric', outfile_prefix=str(tmp_path / 'fo')), samples) == {}
    assert (tmp_path / 'fo' / 'submission.zip').exists()
