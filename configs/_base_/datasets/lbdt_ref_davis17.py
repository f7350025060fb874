# Ref-DAVIS17 for LBDT (evaluation only): every frame with its reference frame.
_base_ = ['./ref_davis17.py', './lbdt_pipelines.py']

val_dataloader = dict(dataset=dict(pipeline={{_base_.lbdt_davis_test_pipeline}}))
test_dataloader = val_dataloader
