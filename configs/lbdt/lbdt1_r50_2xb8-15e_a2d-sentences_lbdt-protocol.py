# lbdt1_r50_2xb8-15e_a2d-sentences.py scored with LBDT's own evaluation,
# the protocol of the paper's numbers: A2DSentencesMetric(protocol='lbdt'), gt through 320x320, P@K with >=,
# "mAP" = mean of P@0.50:0.95, pixel F1 (docs/evaluation.md).
_base_ = './lbdt1_r50_2xb8-15e_a2d-sentences.py'

val_evaluator = dict(protocol='lbdt')
test_evaluator = dict(protocol='lbdt')
