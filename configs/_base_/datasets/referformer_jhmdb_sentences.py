# JHMDB-Sentences for ReferFormer (datasets/jhmdb.py): evaluation only, windows of 5 frames centred on the
# sampled frame of MTTR's committed draw, 360/640.
_base_ = ['./jhmdb_sentences.py']

test_pipeline = _base_.test_pipeline
test_pipeline[1].transforms[1].scale = (640, 360)  # Resize, before the annotations are loaded
val_dataloader = dict(dataset=dict(clip_length=5, pipeline=test_pipeline))
test_dataloader = val_dataloader
