# Copyright (c) mmrvos contributors. All rights reserved.
"""The few-shot RVOS protocol against a re-implementation of the official FS-RVOS evaluation.

The reference below is written from the official formulas (hengliusky/Few_shot_RVOS ``test.py`` +
``util/Logger.py::TreeEvaluation`` + ``util/davis_JF.py``; docs/evaluation.md): gt and prediction are
resized with ``torch.nn.functional.interpolate`` (the official call) and thresholded > 0.5, then per
frame ``db_eval_iou`` (1 when both masks are empty, else intersection / float32 union) and
``db_eval_boundary`` with ``bound_th=0.010`` (``seg2bmap``, a disk dilation written as shifts, the
precision/recall cases), summed over all frames of a fold and divided by the number of frames.
"""
import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from evaluation_samples import make_sample
from mmdet.structures import DetDataSample, TrackDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.evaluator import Evaluator
from mmengine.structures import InstanceData

from mmrvos.evaluation.functional import (
    expression_jf,
    few_shot_frame_measures,
    pool_frames,
    seed_statistics,
    short_side_size,
    summarize_seeds,
)
from mmrvos.registry import METRICS

TOL = 1e-9


# ---------------------------------------------------------------- the official computation, re-written
def ref_torchvision_size(h, w, size=360):
    """torchvision ``Resize(360)`` output size (shorter side 360, the other truncated)."""
    if h <= w:
        return size, int(size * w / h)
    return int(size * h / w), size


def ref_resize(mask, size):
    """``F.interpolate(mask.float(), size, mode='bilinear', align_corners=False) > 0.5`` as test.py."""
    out = F.interpolate(torch.from_numpy(mask.astype(np.float32))[None, None], size=size, mode='bilinear',
                        align_corners=False)
    return out[0, 0].numpy() > 0.5


def ref_seg2bmap(seg):
    seg = seg.astype(bool)
    e = np.zeros_like(seg)
    s = np.zeros_like(seg)
    se = np.zeros_like(seg)
    e[:, :-1] = seg[:, 1:]
    s[:-1, :] = seg[1:, :]
    se[:-1, :-1] = seg[1:, 1:]
    b = seg ^ e | seg ^ s | seg ^ se
    b[-1, :] = seg[-1, :] ^ e[-1, :]
    b[:, -1] = seg[:, -1] ^ s[:, -1]
    b[-1, -1] = 0
    return b


def ref_dilate(bmap, radius):
    """Dilation by the disk {x^2 + y^2 <= r^2} (cv2.dilate with skimage's disk) as a union of shifts."""
    h, w = bmap.shape
    padded = np.zeros((h + 2 * radius, w + 2 * radius), bool)
    padded[radius:radius + h, radius:radius + w] = bmap
    out = np.zeros_like(bmap)
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            if dx * dx + dy * dy <= radius * radius:
                out |= padded[radius + dy:radius + dy + h, radius + dx:radius + dx + w]
    return out


def ref_db_eval_boundary(foreground_mask, gt_mask, bound_th=0.010):
    bound_pix = bound_th if bound_th >= 1 else np.ceil(bound_th * np.linalg.norm(foreground_mask.shape))
    fg_boundary = ref_seg2bmap(foreground_mask)
    gt_boundary = ref_seg2bmap(gt_mask)
    fg_dil = ref_dilate(fg_boundary, int(bound_pix))
    gt_dil = ref_dilate(gt_boundary, int(bound_pix))
    gt_match = gt_boundary & fg_dil
    fg_match = fg_boundary & gt_dil
    n_fg, n_gt = np.sum(fg_boundary), np.sum(gt_boundary)
    if n_fg == 0 and n_gt > 0:
        precision, recall = 1, 0
    elif n_fg > 0 and n_gt == 0:
        precision, recall = 0, 1
    elif n_fg == 0 and n_gt == 0:
        precision, recall = 1, 1
    else:
        precision = np.sum(fg_match) / float(n_fg)
        recall = np.sum(gt_match) / float(n_gt)
    return 0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def ref_db_eval_iou(annotation, segmentation):
    annotation, segmentation = annotation.astype(bool), segmentation.astype(bool)
    if np.isclose(np.sum(annotation), 0) and np.isclose(np.sum(segmentation), 0):
        return 1
    return np.sum(annotation & segmentation) / np.sum(annotation | segmentation, dtype=np.float32)


class RefTreeEvaluation:
    """``TreeEvaluation`` with one class slot: sums of frame J and F and the frame count."""

    def __init__(self):
        self.j_sum = self.f_sum = 0.
        self.n = 0

    def update(self, gt, pred, pred_resized=False):
        """gt (T, H0, W0) at the original size; pred at the original size or (T, h, w) resized."""
        size = ref_torchvision_size(*gt.shape[1:])
        for t in range(gt.shape[0]):
            y = ref_resize(gt[t], size)
            predict = pred[t].astype(bool) if pred_resized else ref_resize(pred[t], size)
            self.f_sum += ref_db_eval_boundary(predict, y)
            self.j_sum += ref_db_eval_iou(y, predict)
            self.n += 1

    @property
    def scores(self):
        return self.j_sum / self.n, self.f_sum / self.n


# ---------------------------------------------------------------- constructed cases
def blob_masks(rng, num_frames, height, width, empty=()):
    """(T, H, W) masks: an ellipse moving and changing size, plus speckle; frames in ``empty`` are empty."""
    yy, xx = np.mgrid[:height, :width]
    masks = np.zeros((num_frames, height, width), bool)
    for t in range(num_frames):
        if t in empty:
            continue
        cy, cx = rng.uniform(0.2, 0.8) * height, rng.uniform(0.2, 0.8) * width
        ry, rx = rng.uniform(0.08, 0.4) * height, rng.uniform(0.08, 0.4) * width
        masks[t] = ((yy - cy) / ry)**2 + ((xx - cx) / rx)**2 <= 1
        masks[t] |= rng.random((height, width)) < 0.01
    return masks


def perturb(rng, masks, empty=()):
    """A prediction near the gt: shifted by a few pixels, some pixels flipped; ``empty`` frames empty."""
    pred = np.roll(masks, (int(rng.integers(-3, 4)), int(rng.integers(-3, 4))), axis=(1, 2))
    pred ^= rng.random(masks.shape) < 0.02
    for t in empty:
        pred[t] = False
    return pred


def episode_meta(fold, query_video, exp_id, seed=0, support_video='sv'):
    return dict(fold=fold, class_id=fold, class_name=f'class{fold}', support_video=support_video,
                support_obj_id=1, support_exp_id='0', support_frames=['00000', '00005'], support_seed=seed,
                query_video=query_video, query_exp_id=exp_id)


def episode_sample(episode, gt, pred, resized_pred=None):
    """One episode: 2 support frames (with their gt), then the query frames with gt and prediction."""
    height, width = gt.shape[1:]
    support = []
    for name in episode['support_frames']:
        frame = DetDataSample(metainfo=dict(frame_name=name, ori_shape=(50, 60), img_shape=(360, 432),
                                            frame_role='support', episode=episode, has_gt=True))
        frame.gt_instances = InstanceData(masks=BitmapMasks(np.ones((1, 50, 60), np.uint8), 50, 60))
        support.append(frame)
    query = make_sample(episode['query_video'], episode['query_exp_id'], gt[:, None], pred[:, None])
    frames = list(query.video_data_samples)
    for t, frame in enumerate(frames):
        frame.set_metainfo(dict(frame_role='query', episode=episode))
        if resized_pred is not None:
            frame.pred_track_instances.resized_masks = torch.from_numpy(resized_pred[t][None])
    sample = TrackDataSample()
    sample.video_data_samples = support + frames
    sample.set_metainfo(dict(video_id=episode['query_video'], exp_id=episode['query_exp_id']))
    return sample


# (fold, query video, exp id, T, H, W, empty gt frames, empty prediction frames)
EPISODES = [
    (1, 'v1', '0', 6, 240, 427, (1, ), (1, 4)),  # 4:3-ish upsampled to 360x640 (640.5 truncated)
    (1, 'v1', '1', 1, 90, 120, (), ()),  # 4x upsampling to 360x480
    (1, 'v2', '0', 3, 500, 300, (2, ), ()),  # portrait: 600x360
    (2, 'v3', '0', 2, 360, 500, (), (0, )),  # already at the short side 360
    (2, 'v4', '0', 5, 120, 250, (0, 1), (0, 3)),  # 360x750
]


@pytest.fixture(scope='module')
def cases():
    """Episodes with gt/prediction at the original size and the reference per-fold (J, F)."""
    rng = np.random.default_rng(16)
    out = []
    for fold, video, exp_id, num_frames, height, width, empty_gt, empty_pred in EPISODES:
        gt = blob_masks(rng, num_frames, height, width, empty_gt)
        pred = perturb(rng, gt, empty_pred)
        out.append(dict(episode=episode_meta(fold, video, exp_id), gt=gt, pred=pred))
    return out


def reference_folds(cases):
    folds = {}
    for case in cases:
        folds.setdefault(case['episode']['fold'], RefTreeEvaluation()).update(case['gt'], case['pred'])
    return {fold: tree.scores for fold, tree in folds.items()}


def evaluate(metric_cfg, samples, batch_size=2):
    evaluator = Evaluator(METRICS.build(metric_cfg))
    for i in range(0, len(samples), batch_size):
        evaluator.process(samples[i:i + batch_size])
    return evaluator.evaluate(len(samples))


# ---------------------------------------------------------------- tests
def test_short_side_size_is_torchvision_resize_360():
    assert short_side_size((720, 1280)) == (360, 640)
    assert short_side_size((240, 427)) == (360, 640)  # 640.5 truncated
    assert short_side_size((500, 300)) == (600, 360)
    assert short_side_size((360, 500)) == (360, 500)
    assert short_side_size((10, 10), 4) == (4, 4)
    with pytest.raises(ValueError, match='positive'):
        short_side_size((0, 5))


def test_frame_measures_equal_official(cases):
    """Per frame, J and F at the resized size equal the official computation (1e-9; edge cases exact)."""
    checked = 0
    for case in cases:
        gt, pred = case['gt'], case['pred']
        j_values, f_values = few_shot_frame_measures(gt, pred)
        size = ref_torchvision_size(*gt.shape[1:])
        for t in range(gt.shape[0]):
            y, predict = ref_resize(gt[t], size), ref_resize(pred[t], size)
            assert abs(j_values[t] - ref_db_eval_iou(y, predict)) <= TOL
            assert abs(f_values[t] - ref_db_eval_boundary(predict, y)) <= TOL
            checked += 1
    assert checked == sum(e[3] for e in EPISODES)
    # empty gt with a non-empty prediction: 0/0; both empty: 1/1 (v1/0 frame 1)
    j_values, f_values = few_shot_frame_measures(cases[0]['gt'], cases[0]['pred'])
    assert (j_values[1], f_values[1]) == (1.0, 1.0)
    j_values, f_values = few_shot_frame_measures(cases[2]['gt'], cases[2]['pred'])
    assert (j_values[2], f_values[2]) == (0.0, 0.0)


def test_bound_th_0010_differs_from_davis_0008(cases):
    """The tolerance matters: 0.010 (radius 8 at 360x640) is not DAVIS-2017's 0.008 (radius 6)."""
    gt, pred = cases[0]['gt'], cases[0]['pred']
    f_010 = few_shot_frame_measures(gt, pred)[1]
    f_008 = few_shot_frame_measures(gt, pred, bound_th=0.008)[1]
    assert np.any(np.abs(f_010 - f_008) > 1e-3)
    assert np.all(f_010 >= f_008)


def test_resizing_matters(cases):
    """Scoring at the original size gives other numbers than at the shorter-side-360 size."""
    gt, pred = cases[1]['gt'], cases[1]['pred']  # 90x120, 4x upsampled
    assert abs(few_shot_frame_measures(gt, pred)[1][0] - few_shot_frame_measures(gt, pred, None)[1][0]) > 1e-3


def test_metric_equals_official_per_fold_and_mean(cases, tmp_path):
    """FewShotJFMetric: per fold J/F = official frame-pooled numbers, mean over folds, 1e-9."""
    samples = [episode_sample(c['episode'], c['gt'], c['pred']) for c in cases]
    metrics = evaluate(dict(type='FewShotJFMetric', outfile_prefix=str(tmp_path)), samples)
    expected = reference_folds(cases)
    for fold, (j_ref, f_ref) in expected.items():
        assert abs(metrics[f'few_shot/fold{fold}/J'] - j_ref) <= TOL
        assert abs(metrics[f'few_shot/fold{fold}/F'] - f_ref) <= TOL
        assert abs(metrics[f'few_shot/fold{fold}/J&F'] - (j_ref + f_ref) / 2) <= TOL
    j_mean = np.mean([v[0] for v in expected.values()])
    f_mean = np.mean([v[1] for v in expected.values()])
    assert abs(metrics['few_shot/J'] - j_mean) <= TOL
    assert abs(metrics['few_shot/F'] - f_mean) <= TOL
    assert abs(metrics['few_shot/J&F'] - (j_mean + f_mean) / 2) <= TOL
    assert metrics['few_shot/fold1/num_frames'] == 10 and metrics['few_shot/fold1/num_episodes'] == 3
    assert metrics['few_shot/num_frames'] == 17 and metrics['few_shot/num_episodes'] == 5
    assert metrics['few_shot/support_seed'] == 0
    # frame-weighted, not expression-weighted: the mean of the episodes' means differs in fold 1
    fold1 = [c for c in cases if c['episode']['fold'] == 1]
    per_episode = [np.mean(few_shot_frame_measures(c['gt'], c['pred'])[0]) for c in fold1]
    assert abs(np.mean(per_episode) - metrics['few_shot/fold1/J']) > 1e-3
    # the standard protocol side by side: per expression at the original size, bound_th 0.008
    standard = {}
    for c in cases:
        standard.setdefault(c['episode']['fold'], []).append(expression_jf(c['gt'], c['pred']))
    jf = {fold: np.mean([(j + f) / 2 for j, f in v]) for fold, v in standard.items()}
    assert abs(metrics['few_shot/fold1/expression_J&F'] - jf[1]) <= TOL
    assert abs(metrics['few_shot/expression_J&F'] - np.mean(list(jf.values()))) <= TOL
    assert abs(metrics['few_shot/expression_J&F'] - metrics['few_shot/J&F']) > 1e-3


def test_metric_in_rvos_test_loop(cases, tmp_path):
    """In a Runner with RVOSTestLoop: episodes.jsonl goes to {work_dir}/few_shot, coverage keys added."""
    from mmengine.runner import Runner
    from test_metrics import ReplayModel, SampleList
    samples = [episode_sample(c['episode'], c['gt'], c['pred']) for c in cases]
    runner = Runner(
        model=ReplayModel(), work_dir=str(tmp_path),
        test_dataloader=dict(dataset=SampleList(samples), sampler=dict(type='DefaultSampler', shuffle=False),
                             batch_size=2, num_workers=0, collate_fn=dict(type='pseudo_collate')),
        test_cfg=dict(type='RVOSTestLoop'), test_evaluator=dict(type='FewShotJFMetric'),
        default_scope='mmrvos')
    metrics = runner.test()
    j_ref = np.mean([v[0] for v in reference_folds(cases).values()])
    assert abs(metrics['few_shot/J'] - j_ref) <= TOL and metrics['coverage/loaded'] == 5
    assert len(read_lines(tmp_path / 'few_shot' / 'episodes.jsonl')) == 5


def test_metric_resized_predictions(cases, tmp_path):
    """Masks given at the evaluation size (``resized_masks``) are scored as they are, as test.py does."""
    case = cases[0]
    size = ref_torchvision_size(*case['gt'].shape[1:])
    rng = np.random.default_rng(3)
    resized = perturb(rng, np.stack([ref_resize(m, size) for m in case['gt']]))
    sample = episode_sample(case['episode'], case['gt'], case['pred'], resized_pred=resized)
    metrics = evaluate(dict(type='FewShotJFMetric', outfile_prefix=str(tmp_path)), [sample])
    tree = RefTreeEvaluation()
    tree.update(case['gt'], resized, pred_resized=True)
    assert abs(metrics['few_shot/J'] - tree.scores[0]) <= TOL
    assert abs(metrics['few_shot/F'] - tree.scores[1]) <= TOL
    # resized masks one pixel narrower (a resize that rounds 640.5 up gives 641): the ori_shape masks count
    wrong = episode_sample(case['episode'], case['gt'], case['pred'], resized_pred=resized[:, :, :-1])
    metrics = evaluate(dict(type='FewShotJFMetric', outfile_prefix=str(tmp_path / 'b')), [wrong])
    tree = RefTreeEvaluation()
    tree.update(case['gt'], case['pred'])
    assert abs(metrics['few_shot/J'] - tree.scores[0]) <= TOL


def test_metric_refuses_non_episodes(tmp_path):
    gt = np.zeros((1, 8, 8), bool)
    sample = make_sample('v', '0', gt[:, None], gt[:, None])
    with pytest.raises(RuntimeError, match='frame_role="query"'):
        evaluate(dict(type='FewShotJFMetric', outfile_prefix=str(tmp_path)), [sample])


def read_lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_jsonl_incremental_and_resume(cases, tmp_path):
    """One line per finished episode as it goes; a resumed run reuses them and scores the rest."""
    samples = [episode_sample(c['episode'], c['gt'], c['pred']) for c in cases]
    path = tmp_path / 'episodes.jsonl'
    full = evaluate(dict(type='FewShotJFMetric', outfile_prefix=str(tmp_path / 'full')), samples)

    metric = METRICS.build(dict(type='FewShotJFMetric', outfile_prefix=str(tmp_path)))
    metric.process(None, [samples[0].to_dict()])
    lines = read_lines(path)
    assert len(lines) == 1
    j_values, f_values = few_shot_frame_measures(cases[0]['gt'], cases[0]['pred'])
    assert lines[0]['J'] == list(j_values) and lines[0]['num_frames'] == 6
    assert abs(lines[0]['J_sum'] - math.fsum(j_values)) <= TOL and lines[0]['F'] == list(f_values)
    assert lines[0]['episode'] == cases[0]['episode']  # incl. support choice and seed
    metric.process(None, [samples[1].to_dict()])
    assert len(read_lines(path)) == 2
    with open(path, 'a') as f:  # the run is killed while writing the third line
        f.write('{"key": "1|1|sv')

    # resumed on the remaining episodes only: the finished ones count, scored once
    resumed = evaluate(dict(type='FewShotJFMetric', outfile_prefix=str(tmp_path), resume=True), samples[2:])
    for key in ('J', 'F', 'fold1/J', 'fold2/F', 'expression_J&F'):
        key = f'few_shot/{key}'
        assert abs(resumed[key] - full[key]) <= TOL, key
    assert resumed['few_shot/num_episodes'] == 5
    assert len(read_lines(path)) == 5  # the cut line dropped, the new one complete

    # resumed on all episodes: finished episodes are taken from the file, not scored again
    changed = [episode_sample(c['episode'], c['gt'], np.zeros_like(c['pred'])) for c in cases]
    again = evaluate(dict(type='FewShotJFMetric', outfile_prefix=str(tmp_path), resume=True), changed)
    assert abs(again['few_shot/J'] - full['few_shot/J']) <= TOL

    # without resume an earlier file is moved aside, never overwritten
    fresh = evaluate(dict(type='FewShotJFMetric', outfile_prefix=str(tmp_path)), changed[:1])
    assert (tmp_path / 'episodes.jsonl.bak0').exists() and len(read_lines(path)) == 1
    assert fresh['few_shot/num_episodes'] == 1


def test_later_evaluations_rewrite_their_file(cases, tmp_path):
    """Validation every epoch: the metric's second evaluation does not resume from its first."""
    samples = [episode_sample(c['episode'], c['gt'], c['pred']) for c in cases[:2]]
    empty = [np.zeros_like(c['pred']) for c in cases[:2]]
    zeros = [episode_sample(c['episode'], c['gt'], p) for c, p in zip(cases, empty)]
    metric = dict(type='FewShotJFMetric', outfile_prefix=str(tmp_path), resume=True)
    evaluator = Evaluator(METRICS.build(metric))
    evaluator.process(samples)
    first = evaluator.evaluate(2)
    evaluator.process(zeros)
    second = evaluator.evaluate(2)
    assert first['few_shot/J'] > second['few_shot/J']
    lines = read_lines(tmp_path / 'episodes.jsonl')
    assert len(lines) == 2 and lines[0]['J'] == list(few_shot_frame_measures(cases[0]['gt'], empty[0])[0])
    assert not (tmp_path / 'episodes.jsonl.bak0').exists()


def test_resume_ignores_other_seeds(cases, tmp_path):
    """Records of another seed in the file do not enter this run's numbers."""
    other = dict(cases[0]['episode'], support_seed=7)
    evaluate(dict(type='FewShotJFMetric', outfile_prefix=str(tmp_path)),
             [episode_sample(other, cases[0]['gt'], np.zeros_like(cases[0]['pred']))])
    metrics = evaluate(dict(type='FewShotJFMetric', outfile_prefix=str(tmp_path), resume=True),
                       [episode_sample(cases[0]['episode'], cases[0]['gt'], cases[0]['pred'])])
    tree = RefTreeEvaluation()
    tree.update(cases[0]['gt'], cases[0]['pred'])
    assert metrics['few_shot/num_episodes'] == 1 and abs(metrics['few_shot/J'] - tree.scores[0]) <= TOL


def test_metric_several_seeds(cases, tmp_path):
    """Episodes of two seeds in one run: per-seed numbers, their mean and sample std."""
    samples = []
    for seed, drop in ((1, False), (2, True)):
        for c in cases:
            pred = np.zeros_like(c['pred']) if drop and c['episode']['fold'] == 2 else c['pred']
            samples.append(episode_sample(dict(c['episode'], support_seed=seed), c['gt'], pred))
    metrics = evaluate(dict(type='FewShotJFMetric', outfile_prefix=str(tmp_path)), samples)
    per_seed = [metrics[f'few_shot/seed{s}/J'] for s in (1, 2)]
    assert per_seed[0] > per_seed[1]
    assert abs(metrics['few_shot/J'] - np.mean(per_seed)) <= TOL
    assert abs(metrics['few_shot/seed_std/J'] - np.std(per_seed, ddof=1)) <= TOL
    assert metrics['few_shot/support_seed'] == [1, 2]


def test_pool_frames_is_frame_weighted():
    records = [dict(num_frames=1, J=[1.0], F=[0.5]), dict(num_frames=3, J=[0.0, 0.0, 0.5], F=[0.5] * 3)]
    pooled = pool_frames(records)
    assert pooled['J'] == pytest.approx(1.5 / 4, abs=TOL) and pooled['F'] == pytest.approx(0.5, abs=TOL)
    assert pooled['num_frames'] == 4 and pooled['num_episodes'] == 2
    assert math.isnan(pool_frames([])['J'])


def test_seed_statistics_and_summary():
    mean, std = seed_statistics([0.5, 0.6, 0.7])
    assert mean == pytest.approx(0.6, abs=TOL) and std == pytest.approx(0.1, abs=TOL)  # sample std
    assert math.isnan(seed_statistics([0.4])[1])
    runs = [dict(fold=f, seed=s, J=0.1 * f + 0.01 * s, F=0.2 * f - 0.01 * s)
            for f in (1, 2) for s in (42, 43, 44)]
    summary = summarize_seeds(runs)
    assert summary['seeds'] == [42, 43, 44]
    assert summary['folds'][1]['J'][0] == pytest.approx(0.1 + 0.43, abs=TOL)
    assert summary['folds'][1]['J'][1] == pytest.approx(0.01, abs=TOL)
    assert summary['per_seed'][42]['J'] == pytest.approx(0.15 + 0.42, abs=TOL)
    assert summary['mean']['J'][0] == pytest.approx(0.15 + 0.43, abs=TOL)
    assert summary['mean']['F'][1] == pytest.approx(0.01, abs=TOL)
    assert summary['mean']['J&F'][0] == pytest.approx((0.58 + 0.3 - 0.43) / 2, abs=TOL)
    with pytest.raises(ValueError, match='fold 2 seed 44'):
        summarize_seeds(runs[:-1])
    with pytest.raises(ValueError, match='given twice'):
        summarize_seeds(runs + runs[:1])


# ---------------------------------------------------------------- tools/analysis_tools/few_shot_seeds.py
class FakeTest:
    """tools/test.py without a model: the fold comes from the config name (``fold<g>.py``), the episodes
    from the seed; FewShotJFMetric scores them into ``<work-dir>/few_shot/episodes.jsonl``."""

    def __init__(self, cases, stop_at=None):
        self.cases, self.stop_at, self.calls = cases, stop_at, []

    def __call__(self, argv):
        self.calls.append(argv)
        config, work_dir = argv[0], argv[argv.index('--work-dir') + 1]
        options = dict(o.split('=', 1) for o in argv[argv.index('--cfg-options') + 1:])
        fold = int(config[-4]) if config[-4].isdigit() else None  # no folds: Mini-Ref-SAIL-VOS
        seed = int(options['test_dataloader.dataset.support_seed'])
        rng = np.random.default_rng(seed + len(self.calls))
        samples = []
        for c in self.cases:
            pred = perturb(rng, c['gt'])  # the support draw changes the predictions
            samples.append(episode_sample(dict(c['episode'], fold=fold, support_seed=seed), c['gt'], pred))
        resume = options.get('test_evaluator.resume') == 'True'
        metric = dict(type='FewShotJFMetric', outfile_prefix=f'{work_dir}/few_shot', resume=resume)
        metrics = evaluate(metric, samples)
        if self.stop_at == (fold, seed):
            metrics['coverage/stopped_at'] = 'v2/0'
        return metrics


def pooled_from_jsonl(path):
    """Frame-pooled (J, F) straight from a run's episode lines: sum of the frames' values / frames."""
    lines = read_lines(path)
    frames = sum(len(line['J']) for line in lines)
    return sum(sum(line['J']) for line in lines) / frames, sum(sum(line['F']) for line in lines) / frames


def test_few_shot_seeds_tool(cases, tmp_path, capsys):
    from mmrvos.testing import load_script
    tool = load_script('tools/analysis_tools/few_shot_seeds.py')
    fake = FakeTest(cases[:3])
    argv = ['--run', 'configs/fold1.py', 'a.pth', '--run', 'configs/fold2.py', 'b.pth', '--seeds', '5', '6',
            '7', '--work-dir', str(tmp_path)]
    summary = tool.main(argv, run_test=fake)
    assert len(fake.calls) == 6 and 'test_dataloader.dataset.support_seed=6' in fake.calls[1]
    # the arithmetic, from the runs' episode files
    values = {(fold, seed): pooled_from_jsonl(tmp_path / f'fold{fold}' / f'seed{seed}' / 'few_shot' /
                                              'episodes.jsonl') for fold in (1, 2) for seed in (5, 6, 7)}
    for fold in (1, 2):
        j = [values[fold, s][0] for s in (5, 6, 7)]
        assert abs(summary['folds'][fold]['J'][0] - np.mean(j)) <= TOL
        assert abs(summary['folds'][fold]['J'][1] - np.std(j, ddof=1)) <= TOL
    over_folds = [(values[1, s][0] + values[2, s][0]) / 2 for s in (5, 6, 7)]
    assert abs(summary['mean']['J'][0] - np.mean(over_folds)) <= TOL
    assert abs(summary['mean']['J'][1] - np.std(over_folds, ddof=1)) <= TOL
    f_folds = [(values[1, s][1] + values[2, s][1]) / 2 for s in (5, 6, 7)]
    assert abs(summary['mean']['F'][0] - np.mean(f_folds)) <= TOL
    assert summary['mean']['J'][1] > 1e-4  # the seeds really differ
    assert 'mean over folds' in capsys.readouterr().out
    written = json.loads((tmp_path / 'few_shot_seeds.json').read_text())
    assert written['mean']['J'][0] == summary['mean']['J'][0]

    # run again: complete runs are reused, not run; --collect-only runs nothing
    again = tool.main(argv, run_test=fake)
    assert len(fake.calls) == 6 and again['mean'] == summary['mean']
    assert tool.main(argv + ['--collect-only'], run_test=fake)['mean'] == summary['mean']


def test_few_shot_seeds_tool_refuses_incomplete_and_wrong_seed(cases, tmp_path):
    from mmrvos.testing import load_script
    tool = load_script('tools/analysis_tools/few_shot_seeds.py')
    fake = FakeTest(cases[:2], stop_at=(1, 6))
    argv = ['--run', 'c/fold1.py', 'a.pth', '--seeds', '5', '6', '--work-dir', str(tmp_path)]
    with pytest.raises(ValueError, match='did not cover its whole test set'):
        tool.main(argv, run_test=fake)
    # the stopped run is resumed from its episodes file on the next call
    fake.stop_at = None
    summary = tool.main(argv, run_test=fake)
    assert len(fake.calls) == 3 and 'test_evaluator.resume=True' in fake.calls[2]
    assert summary['seeds'] == [5, 6]
    # a dataset that ignores the seed option is caught
    wrong = FakeTest(cases[:1])
    with pytest.raises(ValueError, match='did not reach the dataset'):
        tool.main(['--run', 'c/fold1.py', 'a.pth', '--seeds', '3', '--work-dir', str(tmp_path / 'w'),
                   '--seed-key', 'test_dataloader.dataset.other'],
                  run_test=lambda argv: wrong([a.replace('.other=', '.support_seed=4') for a in argv]))


def test_few_shot_seeds_tool_without_folds(cases, tmp_path):
    """Mini-Ref-SAIL-VOS: one config (episodes without fold) tested with each fold's checkpoint."""
    from mmrvos.testing import load_script
    tool = load_script('tools/analysis_tools/few_shot_seeds.py')
    fake = FakeTest(cases[:2])
    summary = tool.main(['--run', 'c/sail.py', 'fold1.pth', '--run', 'c/sail.py', 'fold2.pth', '--seeds', '1',
                         '2', '--work-dir', str(tmp_path)], run_test=fake)
    assert list(summary['folds']) == ['sail_fold1', 'sail_fold2']
    result = json.loads((tmp_path / 'sail_fold2' / 'seed1' / 'few_shot_results.json').read_text())
    assert 'few_shot/all_classes/J' in result['metrics'] and result['checkpoint'] == 'fold2.pth'
    j = [result['metrics']['few_shot/all_classes/J']]
    j.append(json.loads((tmp_path / 'sail_fold2' / 'seed2' / 'few_shot_results.json').read_text())['metrics'][
        'few_shot/all_classes/J'])
    assert abs(summary['folds']['sail_fold2']['J'][0] - np.mean(j)) <= TOL
