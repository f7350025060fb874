# Copyright (c) mmrvos contributors. All rights reserved.
import re

from mmdet.datasets.transforms import RandomFlip

from mmrvos.registry import TRANSFORMS

_LEFT_RIGHT = re.compile('left|right')


def swap_left_right(text: str) -> str:
    """Swap every ``left`` and ``right`` in ``text``, as the official RVOS code does on a flip.

    Like MTTR/ReferFormer/SOC (``replace('left', '@').replace('right', 'left').replace('@', 'right')``)
    this swaps substrings, so ``leftmost`` becomes ``rightmost``; both words may occur in one sentence.
    """
    return _LEFT_RIGHT.sub(lambda m: 'right' if m.group() == 'left' else 'left', text)


@TRANSFORMS.register_module()
class TextAwareRandomFlip(RandomFlip):
    """mmdet's ``RandomFlip`` that also swaps ``left``/``right`` in ``results['text']`` on horizontal flips.

    Wrap it in ``TransformBroadcaster(share_random_params=True)`` so that every frame of a clip (and
    its copy of the sentence) gets the same decision. Vertical and diagonal flips leave the text as is.
    See :class:`mmdet.datasets.transforms.RandomFlip` for the arguments.
    """

    def _flip(self, results: dict) -> None:
        super()._flip(results)
        if results['flip_direction'] == 'horizontal' and 'text' in results:
            results['text'] = swap_left_right(results['text'])
