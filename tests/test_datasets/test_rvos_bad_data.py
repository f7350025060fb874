# Copyright (c) mmrvos contributors. All rights reserved.
"""Every bad-data case gets a clear error naming the file/video/expression, or a logged skip."""
import json
from unittest import mock

import h5py
import numpy as np
import pytest
import scipy.io
from dataset_test_utils import eval_pipeline, train_pipeline
from PIL import Image

from mmrvos.datasets import A2DSentencesDataset, JHMDBSentencesDataset, MeViSDataset, RefYouTubeVOSDataset


def ytvos(root, **kwargs):
    cfg = dict(
        data_root=str(root),
        ann_file='meta_expressions/train/meta_expressions.json',
        meta_file='train/meta.json',
        data_prefix=dict(img='train/JPEGImages', ann='train/Annotations'),
        clip_length=8,
        pipeline=train_pipeline())
    cfg.update(kwargs)
    return RefYouTubeVOSDataset(**cfg)


def edit_json(path, edit):
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def test_missing_frame(data_copy):
    root = data_copy('ref_youtube_vos')
    (root / 'train/JPEGImages/ytvid_a/00015.jpg').unlink()
    dataset = ytvos(root)
    with pytest.raises(FileNotFoundError, match=r"ytvid_a/00015\.jpg \(video 'ytvid_a' expression '0' frame"):
        dataset[0]


def test_corrupt_frame(data_copy):
    root = data_copy('ref_youtube_vos')
    (root / 'train/JPEGImages/ytvid_b/00005.jpg').write_bytes(b'not a jpeg at all')
    with pytest.raises(OSError, match=r"cannot decode frame .*ytvid_b/00005\.jpg \(video 'ytvid_b'"):
        ytvos(root)[5]


def test_missing_and_corrupt_mask(data_copy):
    root = data_copy('ref_youtube_vos')
    (root / 'train/Annotations/ytvid_a/00020.png').unlink()
    (root / 'train/Annotations/ytvid_b/00000.png').write_bytes(b'\x89PNG broken')
    dataset = ytvos(root)
    with pytest.raises(
            FileNotFoundError, match=r"mask file not found: .*ytvid_a/00020\.png \(video 'ytvid_a'"):
        dataset[0]
    with pytest.raises(
            OSError, match=r"cannot read mask .*ytvid_b/00000\.png.*video 'ytvid_b' expression '0'"):
        dataset[5]
    # the official presence check reads the masks at start and names the broken file
    with pytest.raises(OSError, match=r'cannot read mask .*ytvid_a/00020\.png \(video ytvid_a\)'):
        ytvos(root, window_filter='masks', pipeline=[])


def test_mask_of_wrong_size(data_copy):
    root = data_copy('ref_youtube_vos')
    img = Image.fromarray(np.zeros((10, 10), np.uint8), 'L')
    img.save(root / 'train/Annotations/ytvid_b/00010.png')
    with pytest.raises(ValueError, match=r"frame .*ytvid_b/00010\.jpg has size 32x48 \(HxW\) but its "
                       r"annotation \(.*ytvid_b/00010\.png\) has size 10x10"):
        ytvos(root)[5]


def test_expression_whose_object_has_no_mask_is_skipped_and_logged(data_copy):
    root = data_copy('ref_youtube_vos')
    edit_json(
        root / 'meta_expressions/train/meta_expressions.json',
        lambda d: d['videos']['ytvid_a']['expressions'].update({'9': {
            'exp': 'a ghost',
            'obj_id': '7'
        }}))
    logger = mock.MagicMock()
    with mock.patch('mmrvos.datasets.base_rvos_dataset.MMLogger.get_current_instance', return_value=logger):
        dataset = ytvos(root, pipeline=[])
    assert len(dataset) == 6
    assert dataset.skipped == {'expression whose object has no mask in any frame': 1}
    message = logger.warning.call_args[0][0]
    assert '1 x expression whose object has no mask' in message and 'ytvid_a expression 9' in message


def test_empty_sentence_skipped_in_training_error_in_test(data_copy):
    root = data_copy('ref_youtube_vos')
    edit_json(root / 'meta_expressions/train/meta_expressions.json',
              lambda d: d['videos']['ytvid_b']['expressions']['0'].update(exp='   '))
    assert ytvos(root, pipeline=[]).skipped == {'empty sentence': 1}
    with pytest.raises(ValueError, match='empty sentence in .*video ytvid_b expression 0'):
        ytvos(root, clip_length=None, test_mode=True, pipeline=[])


def test_non_ascii_sentence(data_copy):
    root = data_copy('ref_youtube_vos')
    edit_json(
        root / 'meta_expressions/train/meta_expressions.json',
        lambda d: d['videos']['ytvid_b']['expressions']['0'].update(exp='the \u00e9l\u00e8ve on the right'))
    kept = ytvos(root, pipeline=eval_pipeline())
    assert kept.skipped == {
        'non-ASCII sentence kept': 1
    } and kept.get_data_info(5)['text'] == 'the \u00e9l\u00e8ve on the right'
    assert len(ytvos(root, non_ascii_text='skip', pipeline=[])) == 5
    with pytest.raises(ValueError, match='non-ASCII sentence .* ytvid_b expression 0'):
        ytvos(root, non_ascii_text='error', pipeline=[])


def test_malformed_json(data_copy):
    root = data_copy('ref_youtube_vos')
    path = root / 'meta_expressions/train/meta_expressions.json'
    path.write_text(path.read_text()[:-20])
    with pytest.raises(ValueError, match='malformed JSON in annotation file .*meta_expressions.json'):
        ytvos(root)
    path.write_text(
        json.dumps({'videos': {
            'ytvid_a': {
                'frames': ['00000'],
                'expressions': {
                    '0': {
                        'obj_id': '1'
                    }
                }
            }
        }}))
    with pytest.raises(ValueError, match="ytvid_a expression 0 has no key 'exp'"):
        ytvos(root)


def test_a2d_malformed_h5(data_copy):
    root = data_copy('a2d_sentences')
    h5_dir = root / 'text_annotations/a2d_annotation_with_instances/a2dvid01'
    with h5py.File(h5_dir / '00007.h5', 'r+') as f:
        del f['reMask']
        f.create_dataset('reMask', data=np.zeros((3, 48, 32), np.uint8))  # 3 masks for 1 instance
    dataset = A2DSentencesDataset(data_root=str(root), split='train', pipeline=train_pipeline())
    with pytest.raises(ValueError, match=r"reMask shape \(3, 48, 32\) does not match 1 instances.*a2dvid01"):
        dataset[1]
    (h5_dir / '00003.h5').write_bytes(b'garbage')
    with pytest.raises(OSError, match=r'cannot read A2D annotation .*a2dvid01/00003\.h5'):
        A2DSentencesDataset(data_root=str(root), split='train', pipeline=[])
    with h5py.File(h5_dir / '00003.h5', 'w') as f:
        f.create_dataset('reMask', data=np.zeros((48, 32), np.uint8))
    with pytest.raises(OSError, match=r'00003\.h5: no "instance" dataset'):
        A2DSentencesDataset(data_root=str(root), split='train', pipeline=[])


def test_a2d_bad_instance_id_and_unmatched_instance(data_copy):
    root = data_copy('a2d_sentences')
    path = root / 'text_annotations/a2d_annotation.txt'
    path.write_text(path.read_text() + 'a2dvid01,5,a sentence of an instance without masks\n')
    dataset = A2DSentencesDataset(data_root=str(root), split='train', pipeline=[])
    assert len(dataset) == 3 and dataset.skipped == {'sentence whose instance has no mask in any frame': 1}
    path.write_text(path.read_text() + 'a2dvid01,two,a bad row\n')
    with pytest.raises(ValueError, match='malformed instance_id in .*a2d_annotation.txt row 6'):
        A2DSentencesDataset(data_root=str(root), split='train', pipeline=[])


def test_jhmdb_malformed_mat(data_copy):
    root = data_copy('jhmdb_sentences')
    scipy.io.savemat(root / 'puppet_mask/run/jvid02/puppet_mask.mat', {'other': np.zeros((2, 2))})
    with pytest.raises(ValueError, match=r'malformed JHMDB mask file .*jvid02/puppet_mask\.mat'):
        JHMDBSentencesDataset(data_root=str(root), pipeline=[])


def test_mevis_malformed_mask_dict(data_copy):
    root = data_copy('mevis')
    cfg = dict(
        data_root=str(root),
        ann_file='train/meta_expressions.json',
        mask_file='train/mask_dict.json',
        data_prefix=dict(img='train/JPEGImages'),
        pipeline=[])
    edit_json(root / 'train/mask_dict.json', lambda d: d['11'].pop())
    with pytest.raises(
            ValueError, match=r'malformed .*mask_dict.json entry 11 .*mvid01 expression 1.*length 5'):
        MeViSDataset(**cfg)
    edit_json(root / 'train/mask_dict.json', lambda d: d.pop('11'))
    with pytest.raises(ValueError, match='mvid01 expression 1: anno_id 11 is not in'):
        MeViSDataset(**cfg)
