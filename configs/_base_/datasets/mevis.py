# MeViS. Train: ReferFormer-style local/global frame sampling (the official baseline) of 8 frames (the SOC
# clip length), one item per expression; expressions may refer to several objects (one gt instance each).
# valid_u: offline split with masks (whole videos, masks at the original resolution); valid: server split.
dataset_type = 'MeViSDataset'
data_root = 'data/mevis/'
backend_args = None
num_frames = 8

train_pipeline = [
    dict(type='RVOSClipSample', num_frames=num_frames, sampling='local_global'),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadRVOSFrame', backend_args=backend_args),
            dict(type='LoadRVOSAnnotations'),
            dict(type='TextAwareRandomFlip', prob=0.5),
            dict(type='Resize', scale=(640, 360), keep_ratio=True),
        ]),
    dict(type='PackRVOSInputs'),
]
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
        ann_file='train/meta_expressions.json',
        mask_file='train/mask_dict.json',
        data_prefix=dict(img='train/JPEGImages'),
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
        ann_file='valid_u/meta_expressions.json',
        mask_file='valid_u/mask_dict.json',
        data_prefix=dict(img='valid_u/JPEGImages'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
