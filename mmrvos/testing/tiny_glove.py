# Copyright (c) mmrvos contributors. All rights reserved.
from typing import Iterable

import numpy as np

#: Words of the test sentences (``demo_rvos_inputs`` and the LBDT tests).
TINY_GLOVE_WORDS = ('a', 'red', 'blue', 'square', 'circle', 'moving', 'down', 'up', 'left', 'right', 'the',
                    'person', 'dog', ',', '-')


def write_tiny_glove(path: str, dim: int = 16, words: Iterable[str] = TINY_GLOVE_WORDS, seed: int = 0) -> str:
    """Write a GloVe text file of random ``dim``-d vectors (``word v_1 ... v_dim`` per line) for tests.

    Args:
        path (str): Output ``.txt`` file.
        dim (int): Vector width. Defaults to 16.
        words (Iterable[str]): The vocabulary. Defaults to :data:`TINY_GLOVE_WORDS`.
        seed (int): Random seed. Defaults to 0.

    Returns:
        str: ``path``.
    """
    rng = np.random.RandomState(seed)
    with open(path, 'w', encoding='utf-8') as f:
        for word in words:
            f.write(word + ' ' + ' '.join(f'{v:.5f}' for v in rng.randn(dim)) + '\n')
    return path
