# RefCOCO + RefCOCO+ + RefCOCOg (ReferFormer's COCO-style conversion) as one-frame videos, for image
# pretraining (SOC `coco` config: 360/640, horizontal flip).
dataset_type = 'RefCOCODataset'
data_root = 'data/coco/'
backend_args = None

train_pipeline = [
    dict(type='RVOSClipSample'),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadRVOSFrame', backend_args=backend_args),
            dict(type='LoadRVOSAnnotations'),
            dict(type='TextAwareRandomFlip', prob=0.5),
            dict(type='Resize', scale=(640, 360), keep_ratio=True),
        ]),
    dict(type='PackRVOSInputs', video_meta_keys=('dataset_name', )),
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
    dict(type='PackRVOSInputs', video_meta_keys=('dataset_name', )),
]


def _refcoco(name, split, pipeline, test_mode=False):
    return dict(
        type=dataset_type,
        data_root=data_root,
        ann_file=f'{name}/instances_{name}_{split}.json',
        data_prefix=dict(img='train2014'),
        test_mode=test_mode,
        pipeline=pipeline)


train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='ConcatDataset',
        datasets=[_refcoco(name, 'train', train_pipeline) for name in ('refcoco', 'refcoco+', 'refcocog')]))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=_refcoco('refcoco', 'val', test_pipeline, test_mode=True))
test_dataloader = val_dataloader
del _refcoco
