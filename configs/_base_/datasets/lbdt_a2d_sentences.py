# A2D-Sentences for LBDT: each sample is an annotated frame and the frame 6 before it (`--interval 6` of the
# official scripts; the first frame where that is before the video's start), 8 samples per GPU.
_base_ = ['./a2d_sentences.py', './lbdt_pipelines.py']

train_dataloader = dict(
    batch_size=8,
    dataset=dict(pipeline=[
        dict(type='RVOSClipSample', sampling='reference', ref_offset=6), {{_base_.lbdt_train_transforms}},
        dict(type='PackRVOSInputs')
    ]))
val_dataloader = dict(
    batch_size=8,
    dataset=dict(pipeline=[
        dict(type='RVOSClipSample', sampling='reference', ref_offset=6), {{_base_.lbdt_test_transforms}},
        dict(type='PackRVOSInputs')
    ]))
test_dataloader = val_dataloader

# the standard A2D-Sentences protocol (one prediction per annotated frame)
val_evaluator = dict(type='A2DSentencesMetric', protocol='all_queries')
test_evaluator = val_evaluator
