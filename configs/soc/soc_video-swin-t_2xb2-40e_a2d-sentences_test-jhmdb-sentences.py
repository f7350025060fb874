# JHMDB-Sentences evaluation of the model trained with soc_video-swin-t_2xb2-40e_a2d-sentences.py
# (the official code evaluates its A2D-Sentences models on JHMDB-Sentences): all queries scored on the
# annotated frame of each 8-frame window. Test only: tools/test.py CONFIG CHECKPOINT.
_base_ = [
    '../_base_/models/soc_video-swin-t.py',
    '../_base_/datasets/jhmdb_sentences.py',
    '../_base_/default_runtime.py',
]

model = dict(test_cfg=dict(query_selection='all', key_frames='annotated', mask_upsample='via_input'))

# The training recipe's total batch (2 GPUs x 2), for `tools/train.py --auto-scale-lr`.
auto_scale_lr = dict(enable=False, base_batch_size=4)
