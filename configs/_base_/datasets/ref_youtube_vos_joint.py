# Joint training (SOC `joint` config): Ref-YouTube-VOS windows + RefCOCO/+/g images as 8-frame pseudo
# videos (the image repeated; the official code warps each copy with ImageToSeqAugmenter, not reproduced).
_base_ = ['./ref_youtube_vos.py']

coco_root = 'data/coco/'
coco_pipeline = [
    dict(type='RVOSClipSample', num_frames={{_base_.clip_length}}),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadRVOSFrame', backend_args={{_base_.backend_args}}),
            dict(type='LoadRVOSAnnotations'),
            dict(type='TextAwareRandomFlip', prob=0.5),
            dict(type='Resize', scale=(640, 360), keep_ratio=True),
        ]),
    dict(type='PackRVOSInputs'),
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            {{_base_.train_dataloader.dataset}},
        ] + [
            dict(
                type='RefCOCODataset',
                data_root=coco_root,
                ann_file=f'{name}/instances_{name}_train.json',
                data_prefix=dict(img='train2014'),
                pipeline=coco_pipeline) for name in ('refcoco', 'refcoco+', 'refcocog')
        ]))
