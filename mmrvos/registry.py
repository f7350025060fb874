# Copyright (c) mmrvos contributors. All rights reserved.
"""mmrvos provides 20 registry nodes to support using modules across projects.

Each node is a child of the matching mmdet node (itself a child of mmengine's root node), so under the
default scope ``mmrvos`` every mmdet module is usable unprefixed in a config, mmaction's modules as
``mmaction.X`` and mmrvos's own as plain names.

More details can be found at
https://mmengine.readthedocs.io/en/latest/advanced_tutorials/registry.html.
"""
from mmdet.registry import DATA_SAMPLERS as MMDET_DATA_SAMPLERS
from mmdet.registry import DATASETS as MMDET_DATASETS
from mmdet.registry import EVALUATOR as MMDET_EVALUATOR
from mmdet.registry import HOOKS as MMDET_HOOKS
from mmdet.registry import LOG_PROCESSORS as MMDET_LOG_PROCESSORS
from mmdet.registry import LOOPS as MMDET_LOOPS
from mmdet.registry import METRICS as MMDET_METRICS
from mmdet.registry import MODEL_WRAPPERS as MMDET_MODEL_WRAPPERS
from mmdet.registry import MODELS as MMDET_MODELS
from mmdet.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMDET_OPTIM_WRAPPER_CONSTRUCTORS
from mmdet.registry import OPTIM_WRAPPERS as MMDET_OPTIM_WRAPPERS
from mmdet.registry import OPTIMIZERS as MMDET_OPTIMIZERS
from mmdet.registry import PARAM_SCHEDULERS as MMDET_PARAM_SCHEDULERS
from mmdet.registry import RUNNER_CONSTRUCTORS as MMDET_RUNNER_CONSTRUCTORS
from mmdet.registry import RUNNERS as MMDET_RUNNERS
from mmdet.registry import TASK_UTILS as MMDET_TASK_UTILS
from mmdet.registry import TRANSFORMS as MMDET_TRANSFORMS
from mmdet.registry import VISBACKENDS as MMDET_VISBACKENDS
from mmdet.registry import VISUALIZERS as MMDET_VISUALIZERS
from mmdet.registry import WEIGHT_INITIALIZERS as MMDET_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

# manage all kinds of runners like `EpochBasedRunner` and `IterBasedRunner`
RUNNERS = Registry('runner', parent=MMDET_RUNNERS, locations=['mmdet.engine'])
# manage runner constructors that define how to initialize runners
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor', parent=MMDET_RUNNER_CONSTRUCTORS, locations=['mmdet.engine'])
# manage all kinds of loops like `EpochBasedTrainLoop`
LOOPS = Registry('loop', parent=MMDET_LOOPS, locations=['mmrvos.evaluation', 'mmdet.engine'])
# manage all kinds of hooks like `CheckpointHook`
HOOKS = Registry('hook', parent=MMDET_HOOKS, locations=['mmrvos.visualization', 'mmdet.engine'])

# manage data-related modules
DATASETS = Registry('dataset', parent=MMDET_DATASETS, locations=['mmrvos.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMDET_DATA_SAMPLERS, locations=['mmrvos.datasets'])
TRANSFORMS = Registry('transform', parent=MMDET_TRANSFORMS, locations=['mmrvos.datasets'])

# manage all kinds of modules inheriting `nn.Module`
MODELS = Registry('model', parent=MMDET_MODELS, locations=['mmrvos.models'])
# manage all kinds of model wrappers like 'MMDistributedDataParallel'
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMDET_MODEL_WRAPPERS, locations=['mmrvos.models'])
# manage all kinds of weight initialization modules like `Uniform`
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMDET_WEIGHT_INITIALIZERS, locations=['mmrvos.models'])

# manage all kinds of optimizers like `SGD` and `Adam`
OPTIMIZERS = Registry('optimizer', parent=MMDET_OPTIMIZERS, locations=['mmdet.engine'])
# manage optimizer wrappers like `OptimWrapper` and `AmpOptimWrapper`
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMDET_OPTIM_WRAPPERS, locations=['mmdet.engine'])
# manage constructors that customize the optimization hyperparameters
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer constructor',
    parent=MMDET_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=['mmdet.engine'])
# manage all kinds of parameter schedulers like `MultiStepLR`
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMDET_PARAM_SCHEDULERS, locations=['mmdet.engine'])

# manage all kinds of metrics
METRICS = Registry('metric', parent=MMDET_METRICS, locations=['mmrvos.evaluation'])
# manage evaluator
EVALUATOR = Registry('evaluator', parent=MMDET_EVALUATOR, locations=['mmrvos.evaluation'])

# manage task-specific modules like anchor generators and box coders
TASK_UTILS = Registry('task util', parent=MMDET_TASK_UTILS, locations=['mmrvos.models'])

# manage visualizer
VISUALIZERS = Registry(
    'visualizer', parent=MMDET_VISUALIZERS, locations=['mmrvos.visualization'])
# manage visualizer backend
VISBACKENDS = Registry(
    'vis_backend', parent=MMDET_VISBACKENDS, locations=['mmrvos.visualization'])

# manage logprocessor
LOG_PROCESSORS = Registry(
    'log_processor', parent=MMDET_LOG_PROCESSORS, locations=['mmdet.engine'])
