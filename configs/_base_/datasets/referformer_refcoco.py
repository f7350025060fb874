# RefCOCO + RefCOCO+ + RefCOCOg image pre-training of ReferFormer (main_pretrain.py --num_frames 1,
# datasets/refexp.py): each image a one-frame clip, a text-aware horizontal flip, then a resize of the short
# side to one of 480-768 with the long side at most 800 (no photometric distortion). Not reproduced: the
# official RandomSelect's other half (resize to 400/500/600, random crop of 384-600 pixels, resize to
# 296-512 with the long side at most 640; see ./referformer_pipelines.py). Test: RefCOCO val at 360/640.
_base_ = ['./refcoco.py']

pretrain_scales = [(800, s) for s in (480, 512, 544, 576, 608, 640, 672, 704, 736, 768)]
train_pipeline = [
    dict(type='RVOSClipSample'),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadRVOSFrame', backend_args={{_base_.backend_args}}),
            dict(type='LoadRVOSAnnotations'),
            dict(type='TextAwareRandomFlip', prob=0.5),
            dict(type='RandomChoiceResize', scales=pretrain_scales, keep_ratio=True),
        ]),
    dict(type='PackRVOSInputs', video_meta_keys=('dataset_name', )),
]
train_dataloader = dict(
    batch_size=2,
    dataset=dict(
        datasets=[dict(ds, pipeline=train_pipeline) for ds in _base_.train_dataloader.dataset.datasets]))
