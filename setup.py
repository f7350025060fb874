#!/usr/bin/env python
# Copyright (c) mmrvos contributors. All rights reserved.
"""Packaging for mmrvos, in the OpenMMLab style (mim-compatible ``mmrvos/.mim``)."""
import os
import os.path as osp
import platform
import shutil
import sys
import warnings

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
MIM_FILES = ['tools', 'configs', 'demo', 'model-index.yml']


def readme() -> str:
    with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
        return f.read()


def get_version() -> str:
    namespace: dict = {}
    with open(osp.join(HERE, 'mmrvos', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), namespace)
    return namespace['__version__']


def parse_requirements(fname: str) -> list:
    """Read a requirements file, following ``-r`` includes and dropping comments."""
    reqs = []
    with open(osp.join(HERE, fname)) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            if line.startswith('-r '):
                reqs += parse_requirements(osp.join(osp.dirname(fname), line[3:].strip()))
            else:
                reqs.append(line)
    return reqs


def add_mim_extension() -> None:
    """Expose tools/configs/demo under ``mmrvos/.mim`` so ``mim`` and ``mmrvos::`` configs find them.

    Editable installs (``develop`` and PEP 660 ``editable_wheel``) get symlinks; builds get copies.
    The stock OpenMMLab version returns early for ``editable_wheel``, which breaks ``mmrvos::`` configs
    with a modern pip; here it is treated like ``develop``.
    """
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv or (
            len(sys.argv) > 1 and sys.argv[1] == 'egg_info' and osp.islink(
                osp.join(HERE, 'mmrvos', '.mim', 'configs'))):
        mode = 'symlink'
    elif any(cmd in sys.argv for cmd in ('sdist', 'bdist_wheel', 'install')):
        mode = 'copy'
    else:
        return
    mim_path = osp.join(HERE, 'mmrvos', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(HERE, name)
        if not osp.exists(src):
            continue
        dst = osp.join(mim_path, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink' and platform.system() != 'Windows':
            os.symlink(osp.relpath(src, mim_path), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)
            if mode == 'symlink':
                warnings.warn(f'copied {name} instead of linking it (no symlinks here)')


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmrvos',
        version=get_version(),
        description='OpenMMLab toolbox for referring video object segmentation',
        long_description=readme(),
        long_description_content_type='text/markdown',
        keywords='computer vision, referring video object segmentation, openmmlab',
        packages=find_packages(exclude=('configs', 'tools', 'demo', 'tests', 'tests.*')),
        include_package_data=True,
        package_data={'mmrvos': ['.mim/**/*']},
        python_requires='>=3.8',
        license='Apache License 2.0',
        classifiers=[
            'License :: OSI Approved :: Apache Software License',
            'Programming Language :: Python :: 3',
            'Topic :: Scientific/Engineering :: Artificial Intelligence',
        ],
        install_requires=parse_requirements('requirements/runtime.txt'),
        extras_require={
            'tests': parse_requirements('requirements/tests.txt'),
            'optional': parse_requirements('requirements/optional.txt'),
            'mim': ['mmengine>=0.7.1,<1.0.0', 'mmcv>=2.0.0rc4,<2.2.0', 'mmdet>=3.0.0,<3.4.0',
                    'mmaction2>=1.1.0,<1.3.0'],
        },
        zip_safe=False)
