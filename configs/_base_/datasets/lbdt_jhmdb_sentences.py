# JHMDB-Sentences for LBDT (evaluation only): each annotated frame with the frame 5 before it.
_base_ = ['./jhmdb_sentences.py', './lbdt_pipelines.py']

val_dataloader = dict(
    batch_size=8,
    dataset=dict(pipeline=[
        dict(type='RVOSClipSample', sampling='reference', ref_offset=5), {{_base_.lbdt_test_transforms}},
        dict(type='PackRVOSInputs')
    ]))
test_dataloader = val_dataloader
