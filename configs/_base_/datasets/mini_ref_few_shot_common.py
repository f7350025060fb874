# What the few-shot RVOS episode datasets (CMA) share: the pipelines and the test dataloader (its dataset is
# set by ./mini_ref_ytvos_few_shot.py and ./mini_ref_sailvos_few_shot.py; see the former for what they do).
_base_ = ['./referformer_pipelines.py']

backend_args = None

# per clip: the episode's frames (RVOSClipSample 'given'), then ReferFormer's augmentation
fs_train_clip_pipeline = [
    dict(type='RVOSClipSample'), {{_base_.rf_flip_transforms}}, {{_base_.rf_photometric}},
    {{_base_.rf_multiscale}}
]
# scale (w, h) = (huge, 360): the short side becomes 360 whatever the long side (mmcv rounds, torchvision
# truncates the long side: they may differ by one pixel)
# torchvision Resize(360): short side 360, long side truncated (480x854 -> 360x640)
fs_test_resize = dict(type='ShortSideResize', short_side=360)
fs_test_support_pipeline = [
    dict(type='RVOSClipSample'),
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadRVOSFrame', backend_args=backend_args),
            dict(type='LoadRVOSAnnotations'), fs_test_resize
        ])
]
fs_test_query_pipeline = [
    dict(type='RVOSClipSample'),
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadRVOSFrame', backend_args=backend_args), fs_test_resize,
            dict(type='LoadRVOSAnnotations')
        ])
]
fs_train_pipeline = [
    dict(type='LoadFewShotEpisode', support_pipeline=fs_train_clip_pipeline),
    dict(type='PackFewShotInputs')
]
fs_test_pipeline = [
    dict(
        type='LoadFewShotEpisode',
        support_pipeline=fs_test_support_pipeline,
        query_pipeline=fs_test_query_pipeline),
    dict(type='PackFewShotInputs')
]

support_seed = 1
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='FewShotEpisodeDataset',
        test_mode=True,
        support_frames=5,
        support_seed=support_seed,
        pipeline=fs_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='FewShotJFMetric')
test_evaluator = val_evaluator

val_cfg = dict(type='RVOSValLoop', on_broken_video='stop')
test_cfg = dict(type='RVOSTestLoop', on_broken_video='stop')
