# JHMDB-Sentences: evaluation only, with A2D-Sentences-trained models (sizes 320/576 as A2D).
# samples_file: MTTR's committed draw (jhmdb_sentences_samples_metadata.json); SOC evaluated on its own
# draw (jhmdb_sentences_samples_metadata_new.json). Without it, 3 frames per video are drawn with `seed`.
dataset_type = 'JHMDBSentencesDataset'
data_root = 'data/jhmdb_sentences/'
backend_args = None

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
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='jhmdb_annotation.txt',
        samples_file='jhmdb_sentences_samples_metadata.json',
        clip_length=8,
        check_counts=True,
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

# JHMDB-Sentences is evaluation only: every query scored on the annotated frame (A2D protocol).
val_cfg = dict(type='RVOSValLoop', on_broken_video='stop')  # score what finished, then stop
test_cfg = dict(type='RVOSTestLoop', on_broken_video='stop')  # score what finished, then stop
val_evaluator = dict(
    type='A2DSentencesMetric', protocol='all_queries', image_id_template='v_{video_id}_f_{frame_number}')
test_evaluator = val_evaluator
