# Mini-Ref-SAIL-VOS few-shot test episodes (CMA, hengliusky/Few_shot_RVOS): the cross-domain test of a
# Mini-Ref-YouTube-VOS checkpoint (the official test runs the checkpoint of a fold on all 3 classes dog, car,
# person; SAIL-VOS has no folds). data_root is the official code's <data_path>/data/mini-SAIL-VOS/
# (meta.json, meta_expressions.json, Images/<video>/<frame>.bmp, Annotations/<video>/<frame>.png; masks
# clipped to {0, 1}). Episodes and frame processing as in ./mini_ref_ytvos_few_shot.py (test part).
# Test only: no training dataloader (SAIL-VOS has no training episodes here).
_base_ = ['./mini_ref_few_shot_common.py']

dataset_type = 'MiniRefSAILVOSDataset'
data_root = 'data/mini-SAIL-VOS/'

val_dataloader = dict(
    dataset=dict(fold=None, dataset=dict(type=dataset_type, data_root=data_root, test_mode=True)))
test_dataloader = val_dataloader
# The official SAILVOS_train (a fine-tuning set of a few support videos per class) is used by no script.
