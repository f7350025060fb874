# Ref-YouTube-VOS (competition release). Train: MTTR/SOC windows of 8 consecutive annotated frames;
# val/test: the 202 offline-valid videos (valid minus test expressions), whole videos, no ground truth
# (scored by the server). Sizes as the official SOC config: short side 360, long side at most 640.
dataset_type = 'RefYouTubeVOSDataset'
data_root = 'data/ref-youtube-vos/'
backend_args = None
clip_length = 8

train_pipeline = [
    dict(type='RVOSClipSample'),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadRVOSFrame', backend_args=backend_args),
            dict(type='LoadRVOSAnnotations'),
            # The official code flips with probability P(N(0, 1) > 0.5) = 0.309; set prob=0.309 to match.
            dict(type='TextAwareRandomFlip', prob=0.5),
            dict(type='Resize', scale=(640, 360), keep_ratio=True),
        ]),
    dict(type='PackRVOSInputs'),
]
# Test: ground truth (where the split has any) is loaded after the resize, at the original resolution.
test_pipeline = [
    dict(type='RVOSClipSample'),
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadRVOSFrame', backend_args=backend_args),
            dict(type='Resize', scale=(640, 360), keep_ratio=True),
            dict(type='LoadRVOSAnnotations'),
        ]),
    dict(type='PackRVOSInputs'),
]

train_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='meta_expressions/train/meta_expressions.json',
        meta_file='train/meta.json',
        data_prefix=dict(img='train/JPEGImages', ann='train/Annotations'),
        clip_length=clip_length,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='meta_expressions/valid/meta_expressions.json',
        # The offline valid split = valid minus test videos (202), as MTTR/ReferFormer/SOC compute it.
        exclude_ann_file='meta_expressions/test/meta_expressions.json',
        expected_num_videos=202,
        data_prefix=dict(img='valid/JPEGImages'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# The full valid list (507 videos): drop exclude_ann_file and expected_num_videos.
