# Copyright (c) mmrvos contributors. All rights reserved.
"""The colour map of DAVIS / YouTube-VOS annotation PNGs, used for every mask mmrvos writes or draws."""
import numpy as np


def davis_palette(num_colors: int = 256) -> np.ndarray:
    """The PASCAL VOC / DAVIS colour map: id 0 black, 1 (128, 0, 0), 2 (0, 128, 0), 3 (128, 128, 0)...

    The bits of an id are dealt out to R, G, B in turn (bit 0 to R, bit 1 to G, bit 2 to B, bit 3 to R...),
    from the highest bit of each channel down: bit ``3 * b + c`` of the id sets bit ``7 - b`` of channel
    ``c``. ``davis_palette().reshape(-1).tolist()`` is the 768-entry list that ``PIL.Image.putpalette`` takes.

    Args:
        num_colors (int): number of ids to colour, 1 to 256. Defaults to 256.

    Returns:
        np.ndarray: ``(num_colors, 3)`` uint8 RGB colours, row ``i`` the colour of id ``i``.
    """
    if not 1 <= num_colors <= 256:
        raise ValueError(f'davis_palette colours the ids 0..255: num_colors must be in [1, 256], '
                         f'got {num_colors}')
    ids = np.arange(num_colors)
    palette = np.zeros((num_colors, 3), dtype=np.uint8)
    for bit in range(8):
        for channel in range(3):
            palette[:, channel] |= (((ids >> (3 * bit + channel)) & 1) << (7 - bit)).astype(np.uint8)
    return palette
