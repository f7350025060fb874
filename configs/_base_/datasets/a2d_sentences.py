# A2D-Sentences (MTTR/ReferFormer/SOC protocol): windows of 8 frames centred on each annotated frame
# (only the centre, `key_frames_inds`, has ground truth). Sizes as the official SOC config: 320/576.
# Frames extracted from Release/clips320H with tools/dataset_converters/a2d_extract_frames.py.
dataset_type = 'A2DSentencesDataset'
data_root = 'data/a2d_sentences/'
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
            dict(type='Resize', scale=(576, 320), keep_ratio=True),
        ]),
    dict(type='PackRVOSInputs'),
]
test_pipeline = [
    dict(type='RVOSClipSample'),
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadRVOSFrame', backend_args=backend_args),
            dict(type='Resize', scale=(576, 320), keep_ratio=True),
            dict(type='LoadRVOSAnnotations'),
        ]),
    dict(type='PackRVOSInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        clip_length=clip_length,
        check_counts=True,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        clip_length=clip_length,
        check_counts=True,
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
