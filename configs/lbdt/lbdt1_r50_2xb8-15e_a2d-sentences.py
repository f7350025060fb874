# LBDT-1: one layer per Language-Bridged Duplex Transfer stack, otherwise as
# lbdt4_r50_2xb8-15e_a2d-sentences.py.
_base_ = './lbdt4_r50_2xb8-15e_a2d-sentences.py'

model = dict(transfer=dict(num_layers=1))
