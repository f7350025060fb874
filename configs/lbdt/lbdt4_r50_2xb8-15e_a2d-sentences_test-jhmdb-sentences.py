# JHMDB-Sentences evaluation of the model trained with lbdt4_r50_2xb8-15e_a2d-sentences.py (the official code
# never trains on JHMDB-Sentences). Test only: tools/test.py CONFIG CHECKPOINT.
_base_ = [
    '../_base_/models/lbdt_r50.py',
    '../_base_/datasets/lbdt_jhmdb_sentences.py',
    '../_base_/default_runtime.py',
]

model = dict(test_cfg=dict(key_frames='annotated'))

# The training recipe's total batch (2 GPUs x 8), for `tools/train.py --auto-scale-lr`.
auto_scale_lr = dict(enable=False, base_batch_size=16)
