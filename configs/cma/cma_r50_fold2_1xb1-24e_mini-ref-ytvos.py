# CMA, ResNet-50, Mini-Ref-YouTube-VOS fold 2 (--group 2): as ./cma_r50_fold1_1xb1-24e_mini-ref-ytvos.py.
_base_ = './cma_r50_fold1_1xb1-24e_mini-ref-ytvos.py'

fold = 2
train_dataloader = dict(dataset=dict(fold=fold))
val_dataloader = dict(dataset=dict(fold=fold))
test_dataloader = val_dataloader
