# Ref-DAVIS17 for LBDT (evaluation only): every frame with the frame 2 before it (2 after it for frames 0 and
# 1, as the official loader).
_base_ = ['./ref_davis17.py', './lbdt_pipelines.py']

val_dataloader = dict(dataset=dict(pipeline=[
    dict(type='RVOSClipSample', sampling='reference', current_frames='all', ref_offset=2,
         ref_fallback='forward'),
    {{_base_.lbdt_test_transforms}},
    dict(type='PackRVOSInputs')
]))
test_dataloader = val_dataloader
