# Copyright (c) mmrvos contributors. All rights reserved.
import pytest
import torch

from mmrvos.utils import check_precision, inference_autocast


def test_inference_autocast():
    a, b = torch.randn(4, 8), torch.randn(8, 3)
    with inference_autocast('fp32', 'cpu'):
        assert (a @ b).dtype == torch.float32
    with inference_autocast('bf16', torch.device('cpu')):
        out = a @ b
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), a @ b, atol=0.1, rtol=0.02)
    assert check_precision('bf16') == 'bf16'
    with pytest.raises(ValueError, match="inference_cfg.precision must be one of .*'fp16'"):
        check_precision('fp16', 'inference_cfg.precision')


def test_benchmark_precisions_are_the_autocast_table():
    from mmrvos.testing import load_script
    from mmrvos.utils import AUTOCAST_DTYPES, INFERENCE_PRECISIONS
    assert load_script('tools/analysis_tools/benchmark.py').PRECISIONS == tuple(AUTOCAST_DTYPES)
    assert set(INFERENCE_PRECISIONS) <= set(AUTOCAST_DTYPES)
