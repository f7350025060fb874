# JHMDB-Sentences evaluation of the model trained with soc_video-swin-b_refcoco-pre_8xb1-20e_a2d-sentences.py
# (the official code evaluates its A2D-Sentences models on JHMDB-Sentences): all queries scored on the
# annotated frame of each 8-frame window. Test only: tools/test.py CONFIG CHECKPOINT.
_base_ = [
    '../_base_/models/soc_video-swin-b.py',
    '../_base_/datasets/jhmdb_sentences.py',
    '../_base_/default_runtime.py',
]

model = dict(test_cfg=dict(query_selection='all', key_frames='annotated', mask_upsample='via_input'))

# The training recipe's total batch (8 GPUs x 1), for `tools/train.py --auto-scale-lr`.
auto_scale_lr = dict(enable=False, base_batch_size=8)
