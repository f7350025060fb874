# Copyright (c) mmrvos contributors. All rights reserved.
"""mmrvos: the OpenMMLab toolbox for referring video object segmentation."""
import mmengine
from mmengine.utils import digit_version

from .version import __version__, version_info

mmcv_minimum_version = '2.1.0'
mmcv_maximum_version = '2.2.0'
mmengine_minimum_version = '0.10.0'
mmengine_maximum_version = '1.0.0'
mmdet_minimum_version = '3.3.0'
mmdet_maximum_version = '3.4.0'

INSTALL_HINT = ('Run `bash tools/setup_env.sh` (see README.md): mmrvos needs mmcv 2.1.0 compiled with '
                'its ops, mmengine 0.10.x and mmdet 3.3.x.')


def _check_version(name: str, version: str, minimum: str, maximum: str) -> None:
    assert digit_version(minimum) <= digit_version(version) < digit_version(maximum), \
        f'{name}=={version} is used but incompatible. Please install ' \
        f'{name}>={minimum}, <{maximum}. {INSTALL_HINT}'


try:
    import mmcv
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(f'mmcv is not installed. {INSTALL_HINT}') from e
_check_version('mmcv', mmcv.__version__, mmcv_minimum_version, mmcv_maximum_version)
_check_version('mmengine', mmengine.__version__, mmengine_minimum_version, mmengine_maximum_version)
try:
    import mmcv._ext  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(f'mmcv is installed without its compiled ops (mmcv._ext: {e}); mmcv-lite is not '
                      f'enough for mmdet. {INSTALL_HINT}') from e

import mmdet  # noqa: E402

_check_version('mmdet', mmdet.__version__, mmdet_minimum_version, mmdet_maximum_version)

# Must run before anything imports mmaction.models (see mmrvos/utils/compat.py).
from .utils.compat import apply_mmaction_compat  # noqa: E402

apply_mmaction_compat()

# `_base_ = ['mmrvos::soc/...']` in configs (see mmrvos/utils/config_package.py)
from .utils.config_package import register_config_package  # noqa: E402

register_config_package()

__all__ = ['__version__', 'version_info', 'digit_version']
