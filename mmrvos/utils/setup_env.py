# Copyright (c) mmrvos contributors. All rights reserved.
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register all modules of mmrvos (and the mmdet modules it builds on) into the registries.

    Child registries do not trigger their parents' lazy imports, so the mmdet subpackages are imported
    here explicitly.

    Args:
        init_default_scope (bool): Whether to set the default scope to ``mmrvos``, so that every
            registry build goes through mmrvos's registries first. Defaults to True.
    """
    import mmdet.datasets  # noqa: F401,F811
    import mmdet.engine  # noqa: F401,F811
    import mmdet.evaluation  # noqa: F401,F811
    import mmdet.models  # noqa: F401,F811
    import mmdet.visualization  # noqa: F401,F811

    import mmrvos.datasets  # noqa: F401,F811
    import mmrvos.evaluation  # noqa: F401,F811
    import mmrvos.models  # noqa: F401,F811
    import mmrvos.visualization  # noqa: F401,F811

    if init_default_scope:
        never_created = DefaultScope.get_current_instance() is None \
            or not DefaultScope.check_instance_created('mmrvos')
        if never_created:
            DefaultScope.get_instance('mmrvos', scope_name='mmrvos')
            return
        current_scope = DefaultScope.get_current_instance()
        if current_scope.scope_name != 'mmrvos':
            warnings.warn('The current default scope '
                          f'"{current_scope.scope_name}" is not "mmrvos", '
                          '`register_all_modules` will force the current '
                          'default scope to be "mmrvos". If this is not '
                          'expected, please set `init_default_scope=False`.')
            # avoid name conflict
            new_instance_name = f'mmrvos-{datetime.datetime.now()}'
            DefaultScope.get_instance(new_instance_name, scope_name='mmrvos')
