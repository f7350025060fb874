# Copyright (c) mmrvos contributors. All rights reserved.
"""A toy model, dataset and metric for tests that drive mmengine's Runner through mmrvos's tools: a line
y = 2x + 1 fitted by one Linear layer with MSE. Importing this module registers them."""
import torch
from mmengine.dataset import BaseDataset
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel

from mmrvos.registry import DATASETS, METRICS, MODELS


@MODELS.register_module(force=True)
class _ToyRegressor(BaseModel):
    """y = w x + b fitted by MSE: enough to check that the Runner really trains and saves."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        x = torch.stack(inputs)[:, None]
        pred = self.linear(x)[:, 0]
        if mode == 'loss':
            return dict(loss=((pred - torch.stack(data_samples)) ** 2).mean())
        if mode == 'predict':
            return [dict(pred=p, gt=g) for p, g in zip(pred, data_samples)]
        return pred


@DATASETS.register_module(force=True)
class _ToyLineDataset(BaseDataset):

    def __init__(self, **kwargs):
        super().__init__(serialize_data=False, **kwargs)

    def load_data_list(self):
        xs = [i / 50 for i in range(50)]
        return [dict(inputs=torch.tensor(x), data_samples=torch.tensor(2 * x + 1)) for x in xs]

    def prepare_data(self, idx):
        info = self.get_data_info(idx)
        return dict(inputs=info['inputs'], data_samples=info['data_samples'])


@METRICS.register_module(force=True)
class _ToyMSEMetric(BaseMetric):

    def process(self, data_batch, data_samples):
        self.results += [float((s['pred'] - s['gt']) ** 2) for s in data_samples]

    def compute_metrics(self, results):
        return dict(mse=sum(results) / len(results))
