# Copyright (c) mmrvos contributors. All rights reserved.
"""RVOSClipSample(sampling='reference'): LBDT's current + reference frame clips."""
import shutil

import pytest
from dataset_test_utils import DATA, fixture_value, grey_levels

from mmrvos.datasets import A2DSentencesDataset
from mmrvos.datasets.transforms import RVOSClipSample


def _info(num_frames=6, **kwargs):
    info = dict(video_id='v', exp_id='0', text='t', obj_ids=[1],
                frame_names=[f'{i:05d}' for i in range(num_frames)], img_dir='d',
                img_suffix='.jpg', clip_frame_ids=None, gt_frame_ids=None, mask_format='png')
    info.update(kwargs)
    return info


def test_key_frame_and_reference():
    sampler = RVOSClipSample(sampling='reference', ref_offset=2)
    out = sampler(_info(clip_frame_ids=[1, 2, 3, 4], key_clip_index=2))  # key frame 3, reference 1
    assert out['frame_id'] == [3, 1] and out['has_gt'] == [True, False] and out['ref_clip_index'] == [1, 1]
    assert out['key_frame_flags'] == [True, False]
    out = sampler(_info(clip_frame_ids=[0, 1, 2], key_clip_index=1))  # 1 - 2 < 0: the first frame
    assert out['frame_id'] == [1, 0] and out['ref_clip_index'] == [1, 1]
    out = RVOSClipSample(sampling='reference', ref_offset=2, ref_fallback='forward')(
        _info(clip_frame_ids=[0, 1, 2], key_clip_index=1))  # Ref-DAVIS17: frames 0/1 look 2 ahead
    assert out['frame_id'] == [1, 3]
    out = sampler(_info(anchor_frame_id=5))
    assert out['frame_id'] == [5, 3]
    out = sampler(_info(gt_frame_ids=[4]))  # a random frame with ground truth: here the only one
    assert out['frame_id'] == [4, 2] and out['has_gt'] == [True, False]
    with pytest.raises(ValueError, match='video v expression 0: no frame with ground truth'):
        sampler(_info(gt_frame_ids=[]))
    # the first frame is its own reference: still a clip of two frames, so that clips batch together
    out = sampler(_info(anchor_frame_id=0))
    assert out['frame_id'] == [0, 0] and out['ref_clip_index'] == [1, 1] and out['has_gt'] == [True, False]


def test_every_frame_with_its_reference():
    out = RVOSClipSample(sampling='reference', current_frames='all', ref_offset=1)(_info(num_frames=4))
    assert out['frame_id'] == [0, 1, 2, 3] and out['ref_clip_index'] == [0, 0, 1, 2]
    assert out['has_gt'] == [True] * 4
    # a window whose references lie outside it: they are added and refer to themselves
    out = RVOSClipSample(sampling='reference', current_frames='all', ref_offset=2)(
        _info(clip_frame_ids=[3, 4]))
    assert out['frame_id'] == [3, 4, 1, 2] and out['ref_clip_index'] == [2, 3, 2, 3]
    assert 'ref_offset=2' in repr(RVOSClipSample(sampling='reference', ref_offset=2))


def test_a2d_lbdt_pipeline():
    """The A2D-Sentences fixture through LBDT's pipeline: the annotated frame and the one 2 frames
    earlier, resized to 32x32 without keeping the aspect ratio; the reference reaches the packed frame."""
    pipeline = [
        dict(type='RVOSClipSample', sampling='reference', ref_offset=2),
        dict(type='TransformBroadcaster', share_random_params=True, transforms=[
            dict(type='LoadRVOSFrame'), dict(type='LoadRVOSAnnotations'),
            dict(type='Resize', scale=(32, 32), keep_ratio=False, backend='pillow',
                 interpolation='bilinear')]),
        dict(type='PackRVOSInputs'),
    ]
    dataset = A2DSentencesDataset(data_root=str(DATA / 'a2d_sentences'), split='train', pipeline=pipeline)
    item = dataset[1]  # annotated frame 7 (index 6)
    sample = item['data_samples']
    assert item['inputs'].shape == (2, 3, 32, 32) and sample.frame_ids == [6, 4]
    assert grey_levels(item['inputs']) == pytest.approx([fixture_value(6), fixture_value(4)], abs=3)
    assert [s.ref_clip_index for s in sample] == [1, 1] and [s.has_gt for s in sample] == [True, False]
    assert sample[0].gt_instances.masks.masks.shape == (1, 32, 32) and len(sample[1].gt_instances) == 0


def test_reference_by_frame_number():
    """ref_by='name': the offset counts in frame numbers; before the first frame, the fallbacks."""
    names = ['00001', '00002', '00004', '00005', '00006']  # frame 3 missing
    sampler = RVOSClipSample(sampling='reference', ref_offset=2, ref_by='name')
    out = sampler(_info(frame_names=names, anchor_frame_id=4))  # frame 6 -> frame 4, at index 2
    assert out['frame_id'] == [4, 2] and out['frame_name'] == ['00006', '00004']
    out = sampler(_info(frame_names=names, anchor_frame_id=1))  # frame 2 -> 0 < 1: the first frame
    assert out['frame_name'] == ['00002', '00001']
    forward = RVOSClipSample(sampling='reference', ref_offset=2, ref_by='name', ref_fallback='forward')
    assert forward(_info(frame_names=names, anchor_frame_id=2))['frame_name'] == ['00004', '00002']
    with pytest.raises(FileNotFoundError, match=r"video v: the reference frame of frame 00005 \(2 frames "
                                                r"away\) does not exist: d/00003\.jpg"):
        sampler(_info(frame_names=names, anchor_frame_id=3))
    with pytest.raises(FileNotFoundError, match='d/00003.jpg'):  # 'forward': frame 1 looks 2 ahead
        forward(_info(frame_names=names, anchor_frame_id=0))
    with pytest.raises(ValueError, match="numbered frames, got 'a'"):
        sampler(_info(frame_names=['a', 'b', 'c'], anchor_frame_id=2))
    # ref_by='index' counts in list positions: frame 5 (index 3) silently gets index 1, frame 2
    assert RVOSClipSample(sampling='reference', ref_offset=2)(
        _info(frame_names=names, anchor_frame_id=3))['frame_name'] == ['00005', '00002']


def test_a2d_missing_reference_frame_names_the_file(tmp_path):
    """A2D-Sentences fixture with the reference of annotated frame 7 (frame 5) deleted: an error naming the
    video and the file, not the next frame on disk."""
    shutil.copytree(DATA / 'a2d_sentences', tmp_path / 'a2d')
    missing = tmp_path / 'a2d' / 'Release' / 'frames' / 'a2dvid01' / '00005.jpg'
    missing.unlink()
    pipeline = [dict(type='RVOSClipSample', sampling='reference', ref_offset=2, ref_by='name')]
    dataset = A2DSentencesDataset(data_root=str(tmp_path / 'a2d'), split='train', pipeline=pipeline)
    info = dataset.get_data_info(1)
    assert info['video_id'] == 'a2dvid01' and info['frame_names'][info['gt_frame_ids'][0]] == '00007'
    with pytest.raises(FileNotFoundError, match=f'video a2dvid01: the reference frame of frame 00007 .* '
                                                f'does not exist: {missing}'):
        dataset[1]
    # an annotated frame that is missing is an error of its own, at the dataset's build
    (tmp_path / 'a2d' / 'Release' / 'frames' / 'a2dvid01' / '00007.jpg').unlink()
    with pytest.raises(FileNotFoundError, match=r'annotated frame 7 was not extracted: .*/00007\.jpg'):
        A2DSentencesDataset(data_root=str(tmp_path / 'a2d'), split='train', pipeline=pipeline)
