# Ref-DAVIS17 after tools/dataset_converters/ref_davis17_to_ytvos.py; evaluated on `valid` (30 videos,
# every frame annotated) with Ref-YouTube-VOS-trained models. Sizes as the official SOC config (360/640).
dataset_type = 'RefDAVIS17Dataset'
data_root = 'data/ref-davis/'
backend_args = None

test_pipeline = [
    dict(type='RVOSClipSample'),
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadRVOSFrame', backend_args=backend_args),
            dict(type='Resize', scale=(640, 360), keep_ratio=True),
            # masks (and the 255 void) at the original 480p resolution
            dict(type='LoadRVOSAnnotations'),
        ]),
    dict(type='PackRVOSInputs'),
]
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
        meta_file='valid/meta.json',
        data_prefix=dict(img='valid/JPEGImages', ann='valid/Annotations'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

# Ref-DAVIS17 is evaluation only (the official protocol: Hungarian matching, mean over annotators).
val_cfg = dict(type='RVOSValLoop', on_broken_video='stop')  # score what finished, then stop
test_cfg = dict(type='RVOSTestLoop', on_broken_video='stop')  # score what finished, then stop
val_evaluator = dict(type='RefDAVISMetric')
test_evaluator = val_evaluator
