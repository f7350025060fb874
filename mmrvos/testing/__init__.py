# Copyright (c) mmrvos contributors. All rights reserved.
from .demo_episodes import demo_episode_inputs
from .demo_inputs import demo_rvos_inputs
from .model_cfg import (
                        get_config,
                        get_config_root,
                        get_model_cfg,
                        tiny_cma_cfg,
                        tiny_lbdt_cfg,
                        tiny_referformer_cfg,
                        tiny_soc_cfg,
)
from .scripts import get_repo_root, load_script
from .tiny_glove import write_tiny_glove
from .tiny_roberta import build_tiny_roberta_tokenizer, build_tiny_text_encoder_cfg, tiny_roberta_config

__all__ = [
    'demo_episode_inputs', 'demo_rvos_inputs', 'get_config', 'get_config_root', 'get_model_cfg',
    'tiny_soc_cfg',
    'build_tiny_roberta_tokenizer', 'build_tiny_text_encoder_cfg', 'tiny_roberta_config', 'get_repo_root',
    'load_script', 'tiny_cma_cfg', 'tiny_lbdt_cfg', 'tiny_referformer_cfg', 'write_tiny_glove'
]
