# JHMDB-Sentences for LBDT (evaluation only): each annotated frame with its reference frame.
_base_ = ['./jhmdb_sentences.py', './lbdt_pipelines.py']

val_dataloader = dict(batch_size=8, dataset=dict(pipeline={{_base_.lbdt_jhmdb_test_pipeline}}))
test_dataloader = val_dataloader
