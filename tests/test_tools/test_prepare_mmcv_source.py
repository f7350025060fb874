# Copyright (c) mmrvos contributors. All rights reserved.
"""tools/misc/prepare_mmcv_source.py on a small source tree laid out as mmcv 2.1.0's."""
import os
import os.path as osp

import pytest

from mmrvos.testing import load_script

tool = load_script('tools/misc/prepare_mmcv_source.py')

CUDABIND = '''#include "pytorch_cpp_helper.hpp"
#include "pytorch_device_registry.hpp"

void NMSLauncher(Tensor boxes);

void nms_cuda(Tensor boxes) { NMSLauncher(boxes); }

void nms_impl(Tensor boxes);
REGISTER_DEVICE_IMPL(nms_impl, CUDA, nms_cuda);

void SigmoidFocalLossLauncher(Tensor input);

void sigmoid_focal_loss_forward_cuda(Tensor input) { SigmoidFocalLossLauncher(input); }

void sigmoid_focal_loss_forward_impl(Tensor input);
void softmax_focal_loss_forward_impl(Tensor input);

REGISTER_DEVICE_IMPL(sigmoid_focal_loss_forward_impl, CUDA,
                     sigmoid_focal_loss_forward_cuda);
REGISTER_DEVICE_IMPL(softmax_focal_loss_forward_impl, CUDA, softmax_focal_loss_forward_cuda);

Tensor ms_deform_attn_cuda_forward(const Tensor &value);

REGISTER_DEVICE_IMPL(ms_deform_attn_impl_forward, CUDA,
                     ms_deform_attn_cuda_forward);
'''
KERNELS = ('nms_cuda.cu', 'focal_loss_cuda.cu', 'ms_deform_attn_cuda.cu', 'nms_rotated_cuda.cu',
           'sparse_indice.cu', 'roi_align_cuda.cu')


def _tree(root):
    cuda = osp.join(root, tool.CUDA_DIR)
    os.makedirs(cuda)
    os.makedirs(osp.join(root, 'mmcv', 'ops', 'csrc', 'common'))
    with open(osp.join(cuda, 'cudabind.cpp'), 'w') as f:
        f.write(CUDABIND)
    for name in KERNELS:
        with open(osp.join(cuda, name), 'w') as f:
            f.write(f'#include <THC/THCAtomics.cuh>\n// {name}\n')
    with open(osp.join(root, 'mmcv', 'ops', 'csrc', 'common', 'pytorch_cuda_helper.hpp'), 'w') as f:
        f.write('#include <ATen/ATen.h>\n#include <THC/THCAtomics.cuh>\n')
    return cuda


def test_port_replaces_the_removed_thc_header(tmp_path):
    _tree(str(tmp_path))
    changed = tool.port_thc_includes(str(tmp_path))
    assert len(changed) == len(KERNELS) + 1
    helper = (tmp_path / 'mmcv/ops/csrc/common/pytorch_cuda_helper.hpp').read_text()
    assert helper == '#include <ATen/ATen.h>\n#include <ATen/cuda/Atomic.cuh>\n'
    assert tool.port_thc_includes(str(tmp_path)) == []  # idempotent


def test_subset_keeps_the_requested_ops_and_the_directly_linked_kernels(tmp_path):
    cuda = _tree(str(tmp_path))
    kept = tool.subset(str(tmp_path), tool.SOC_CUDA_OPS)
    assert kept == ['focal_loss_cuda.cu', 'ms_deform_attn_cuda.cu', 'nms_rotated_cuda.cu',
                    'sparse_indice.cu']
    assert sorted(f for f in os.listdir(cuda) if f.endswith('.cu')) == kept
    bind = open(osp.join(cuda, 'cudabind.cpp')).read()
    assert bind.startswith('#include "pytorch_cpp_helper.hpp"')
    assert 'nms_impl' not in bind and 'NMSLauncher' not in bind
    # a block keeps all its lines, the multi-line registrations included
    for name in ('SigmoidFocalLossLauncher', 'softmax_focal_loss_forward_impl',
                 'ms_deform_attn_cuda_forward'):
        assert name in bind
    assert bind.count('REGISTER_DEVICE_IMPL') == 3


def test_subset_of_an_op_without_a_block_stops(tmp_path):
    _tree(str(tmp_path))
    with pytest.raises(SystemExit, match='roi_align'):
        tool.subset(str(tmp_path), ['roi_align'])


def test_text_after_the_last_block_is_refused():
    with pytest.raises(ValueError, match='not an mmcv 2.1.0 layout'):
        tool.split_blocks(CUDABIND + '\nvoid dangling();\n')
