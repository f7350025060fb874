# Copyright (c) mmrvos contributors. All rights reserved.
"""Fixtures of the evaluation tests: the constructed cases as files on disk."""
import json
import os
import os.path as osp

import pytest
from constructed_cases import a2d_case, davis_case, mevis_case
from PIL import Image

from mmrvos.evaluation.functional import encode_mask, write_binary_png


@pytest.fixture
def davis_tree(tmp_path):
    """The Ref-DAVIS case on disk: (DAVIS root, results folder with anno_0..anno_3)."""
    root, results = tmp_path / 'DAVIS', tmp_path / 'results'
    cases = davis_case()
    (root / 'ImageSets' / '2017').mkdir(parents=True)
    (root / 'ImageSets' / '2017' / 'val.txt').write_text('\n'.join(sorted(cases)) + '\n')
    for seq, case in cases.items():
        gt_dir = root / 'Annotations_unsupervised' / '480p' / seq
        gt_dir.mkdir(parents=True)
        for t, labels in enumerate(case['gt']):
            Image.fromarray(labels).save(gt_dir / f'{t:05d}.png')
            for a, pred in enumerate(case['pred']):
                os.makedirs(results / f'anno_{a}' / seq, exist_ok=True)
                Image.fromarray(pred[t]).save(results / f'anno_{a}' / seq / f'{t:05d}.png')
    return str(root), str(results)


@pytest.fixture
def mevis_tree(tmp_path):
    """The MeViS case on disk: (split folder with meta_expressions.json/mask_dict.json, prediction folder)."""
    videos, objects, preds, _ = mevis_case()
    split, pred_root = tmp_path / 'valid_u', tmp_path / 'pred'
    split.mkdir()
    mask_dict = {a: [encode_mask(m) if m.any() else None for m in masks] for a, masks in objects.items()}
    (split / 'meta_expressions.json').write_text(json.dumps({'videos': videos}))
    (split / 'mask_dict.json').write_text(json.dumps(mask_dict))
    for video, exps in preds.items():
        for exp_id, masks in exps.items():
            os.makedirs(pred_root / video / exp_id)
            for name, mask in zip(videos[video]['frames'], masks):
                write_binary_png(mask, osp.join(pred_root, video, exp_id, f'{name}.png'))
    return str(split), str(pred_root)


@pytest.fixture
def a2d_jsons(tmp_path):
    """The A2D case as a COCO gt json and a COCO results json."""
    from mmrvos.evaluation.functional import build_coco_gt
    gts, preds = a2d_case()
    gt_path, pred_path = tmp_path / 'gt.json', tmp_path / 'pred.json'
    gt_path.write_text(json.dumps(build_coco_gt([(i, encode_mask(m)) for i, m in gts]).dataset))
    pred_path.write_text(json.dumps(
        [dict(image_id=i, category_id=1, segmentation=encode_mask(m), score=s) for i, m, s in preds]))
    return str(gt_path), str(pred_path)
