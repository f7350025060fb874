# Ref-DAVIS17 evaluation of the model trained with lbdt4_r50_2xb8-15e_ref-ytvos.py (the official Ref-DAVIS
# path is unfinished and its converted annotations are lost, issue #7: this is mmrvos's protocol, every frame
# with its reference frame). Test only: tools/test.py CONFIG CHECKPOINT.
_base_ = [
    '../_base_/models/lbdt_r50.py',
    '../_base_/datasets/lbdt_ref_davis17.py',
    '../_base_/default_runtime.py',
]

# The training recipe's total batch (2 GPUs x 8), for `tools/train.py --auto-scale-lr`.
auto_scale_lr = dict(enable=False, base_batch_size=16)
