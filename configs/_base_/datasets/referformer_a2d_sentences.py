# A2D-Sentences for ReferFormer (datasets/a2d.py): windows of 5 frames centred on each annotated frame (only
# the centre has ground truth), 360/640 at test time. Training flips, distorts and resizes each window
# (./referformer_pipelines.py). Not reproduced: the official training clip is the annotated frame, one
# frame 1-3 before and one 1-3 after it and 2 frames drawn from the rest of the video (mmrvos's local/global
# sampler does not keep an item's annotated frame); mmrvos trains on the centred window of 5 consecutive
# frames, as MTTR/SOC.
_base_ = ['./a2d_sentences.py', './referformer_pipelines.py']

clip_length = 5
test_pipeline = _base_.test_pipeline
test_pipeline[1].transforms[1].scale = (640, 360)  # Resize, before the annotations are loaded
train_dataloader = dict(
    batch_size=2,
    dataset=dict(clip_length=clip_length, pipeline={{_base_.rf_a2d_train_pipeline}}))
val_dataloader = dict(dataset=dict(clip_length=clip_length, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='A2DSentencesMetric', protocol='all_queries')
test_evaluator = val_evaluator
