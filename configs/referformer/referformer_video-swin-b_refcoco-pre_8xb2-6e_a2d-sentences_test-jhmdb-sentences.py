# JHMDB-Sentences evaluation of the model trained with
# referformer_video-swin-b_refcoco-pre_8xb2-6e_a2d-sentences.py (docs/JHMDB-Sentences.md: the A2D-Sentences
# model without fine-tuning): every query scored on the annotated frame of each 5-frame window. Test only:
# tools/test.py CONFIG CHECKPOINT.
_base_ = [
    '../_base_/models/referformer_video-swin-b.py',
    '../_base_/datasets/referformer_jhmdb_sentences.py',
    '../_base_/default_runtime.py',
]

model = dict(
    # the official A2D/JHMDB evaluation pads to a multiple of 32 as its training does
    data_preprocessor=dict(test_pad_size_divisor=None),
    test_cfg=dict(query_selection='all', key_frames='annotated', mask_upsample='via_input'))

# The training recipe's total batch, for `tools/train.py --auto-scale-lr`.
auto_scale_lr = dict(enable=False, base_batch_size=16)
