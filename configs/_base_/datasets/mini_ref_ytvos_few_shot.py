# Mini-Ref-YouTube-VOS few-shot episodes (CMA, hengliusky/Few_shot_RVOS, ICCV 2023). data_root is the
# official code's <data_path>/data/mini-ref-youtube-vos/ (train/JPEGImages, train/Annotations,
# train/meta.json, meta_expressions/train/meta_expressions.json; the README's train.json is never read).
# One item = one episode = one TrackDataSample: 5 support frames (with the support object's masks) followed by
# the query frames (FewShotEpisodeDataset, LoadFewShotEpisode, PackFewShotInputs).
# Fold g (1-4) tests the 12 classes c with (c - 1) % 4 == g - 1 and trains on the 36 others.
# Training: 36 classes x 100 episodes per epoch, class by class (the official DataLoader does not shuffle);
# query and support are 5 consecutive frames each, augmented independently with ReferFormer's pipeline
# (flip with the left/right swap, photometric distortion per frame, short side 288-512 / long side <= 640;
# not reproduced: the official crop branch, see ./referformer_pipelines.py).
# Test: one support video per held-out class (seeded by support_seed, recorded in every episode; the official
# seed is drawn unseeded), every expression of every other video of the class is a query with all its frames;
# frames resized to short side 360 (torchvision Resize(360) in the official code: no long-side limit). The
# support masks are resized with the frames, the query masks stay at the original size (the metric resizes
# them to the frame size, as the official).
_base_ = ['./referformer_pipelines.py']

dataset_type = 'MiniRefYouTubeVOSDataset'
data_root = 'data/mini-ref-youtube-vos/'
backend_args = None
fold = 1
support_seed = 1
episodes_per_class = 100

# per clip: the episode's frames (RVOSClipSample 'given'), then ReferFormer's augmentation
fs_train_clip_pipeline = [
    dict(type='RVOSClipSample'), {{_base_.rf_flip_transforms}}, {{_base_.rf_photometric}},
    {{_base_.rf_multiscale}}
]
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

train_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='FewShotEpisodeDataset',
        fold=fold,
        episodes_per_class=episodes_per_class,
        support_frames=5,
        query_frames=5,
        dataset=dict(type=dataset_type, data_root=data_root),
        pipeline=fs_train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='FewShotEpisodeDataset',
        fold=fold,
        test_mode=True,
        support_frames=5,
        support_seed=support_seed,
        dataset=dict(type=dataset_type, data_root=data_root, test_mode=True),
        pipeline=fs_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='FewShotJFMetric')
test_evaluator = val_evaluator
# mmrvos's loops fill '{work_dir}' in FewShotJFMetric's outfile_prefix (episodes.jsonl follows --work-dir)
val_cfg = dict(type='RVOSValLoop', on_broken_video='stop')
test_cfg = dict(type='RVOSTestLoop', on_broken_video='stop')
