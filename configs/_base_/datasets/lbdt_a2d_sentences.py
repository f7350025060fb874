# A2D-Sentences for LBDT: each sample is an annotated frame and its reference frame (./lbdt_pipelines.py),
# 8 samples per GPU, scored by the standard A2D-Sentences protocol (one prediction per annotated frame).
_base_ = ['./a2d_sentences.py', './lbdt_pipelines.py']

train_dataloader = dict(batch_size=8, dataset=dict(pipeline={{_base_.lbdt_a2d_train_pipeline}}))
val_dataloader = dict(batch_size=8, dataset=dict(pipeline={{_base_.lbdt_a2d_test_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = dict(type='A2DSentencesMetric', protocol='all_queries')
test_evaluator = val_evaluator
