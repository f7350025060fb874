# JHMDB-Sentences evaluation of the model trained with lbdt1_r50_2xb8-15e_a2d-sentences.py.
_base_ = './lbdt4_r50_2xb8-15e_a2d-sentences_test-jhmdb-sentences.py'

model = dict(transfer=dict(num_layers=1))
