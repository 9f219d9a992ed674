"""Install `plugin`: dense-detector heads for mmdetection 3.x.

Follows the OpenMMLab convention so that `mim train plugin CONFIG` works: the
folders `configs/` and `tools/` are exposed as `plugin/.mim/{configs,tools}`,
as symbolic links in an editable install (`pip install -e .`, which takes the
legacy `setup.py develop` path because there is no pyproject.toml) and as
copies when a wheel or sdist is built.
"""
import os
import os.path as osp
import platform
import shutil
import sys

from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))
MIM_FILES = ('configs', 'tools')


def get_version() -> str:
    scope: dict = {}
    with open(osp.join(ROOT, 'plugin', 'version.py'), encoding='utf-8') as f:
        exec(compile(f.read(), 'version.py', 'exec'), scope)
    return scope['__version__']


def add_mim_extension() -> None:
    """Create plugin/.mim/{configs,tools}: links for develop, copies else."""
    if 'develop' in sys.argv:
        mode = 'copy' if platform.system() == 'Windows' else 'symlink'
    elif any(cmd in sys.argv for cmd in
             ('sdist', 'bdist_wheel', 'build', 'install', 'editable_wheel')):
        mode = 'copy'
    else:
        return

    mim_path = osp.join(ROOT, 'plugin', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(ROOT, name)
        dst = osp.join(mim_path, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_path), dst)
        else:
            shutil.copytree(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='plugin',
        version=get_version(),
        description='AutoAssign, CenterNet and RPN heads for mmdetection 3.x, '
        'with batched, vectorised label assignment',
        long_description=open(osp.join(ROOT, 'README.md'),
                              encoding='utf-8').read()
        if osp.exists(osp.join(ROOT, 'README.md')) else '',
        long_description_content_type='text/markdown',
        packages=find_packages(exclude=('configs', 'tools', 'tests', 'bench')),
        include_package_data=True,
        package_data={'plugin': ['.mim/configs/**/*', '.mim/tools/**/*']},
        python_requires='>=3.8',
        install_requires=['mmdet>=3.3.0,<3.4', 'mmengine>=0.10.0',
                          'mmcv>=2.0.0,<2.2.0'],
        license='Apache License 2.0',
        zip_safe=False,
    )
