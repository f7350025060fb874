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
_base_ = ['./mini_ref_few_shot_common.py']

dataset_type = 'MiniRefYouTubeVOSDataset'
data_root = 'data/mini-ref-youtube-vos/'
fold = 1
episodes_per_class = 100

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
        pipeline={{_base_.fs_train_pipeline}}))
val_dataloader = dict(
    dataset=dict(fold=fold, dataset=dict(type=dataset_type, data_root=data_root, test_mode=True)))
test_dataloader = val_dataloader
