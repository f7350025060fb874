"""Prepare an unpacked mmcv 2.1.0 source tree for a CUDA build against a current torch.

1. Port: mmcv 2.1.0's CUDA sources include ``<THC/THCAtomics.cuh>``, a header that current torch
   no longer ships (torch 2.13 has none), so every CUDA file fails to compile. Its ``atomicAdd``
   overloads live in ``<ATen/cuda/Atomic.cuh>``; the include is replaced by that one.
2. Subset (``--cuda-ops``, optional): mmcv compiles ~58 CUDA files (``filtered_lrelu.cu`` alone takes
   minutes); mmrvos's models call two CUDA ops, multi-scale deformable attention and the focal loss.
   On a GPU machine lent for a few minutes (``docs/get_started.md``, "A GPU machine without a package
   registry") the build can be kept to those kernels. Every op still compiles for the CPU and keeps its
   Python API; a CUDA call of a dropped op fails at call time with mmcv's "not implemented" error.
   The other ``mmcv/ops/csrc/pytorch/cuda/*.cu`` files are deleted (but those that op files link to
   directly, :data:`LINKED_CUDA_KERNELS`) and ``cudabind.cpp`` (one block of declarations, wrappers and
   ``REGISTER_DEVICE_IMPL`` lines per op) keeps the blocks of the kept ops.

    python tools/misc/prepare_mmcv_source.py MMCV_SRC [--cuda-ops ms_deform_attn focal_loss]
"""
import argparse
import glob
import os
import os.path as osp
import re
import sys

SOC_CUDA_OPS = ('ms_deform_attn', 'focal_loss')
# CUDA kernels that mmcv 2.1.0's op files (mmcv/ops/csrc/pytorch/*.cpp) call directly rather than through
# cudabind.cpp's registry, and what those need: without them the extension has undefined symbols and
# fails to load. Always kept by the subset.
LINKED_CUDA_KERNELS = ('nms_rotated_cuda', 'nms_quadri_cuda', 'spconv_ops_cuda', 'sparse_indice',
                       'sparse_reordering')
THC_INCLUDE = '#include <THC/THCAtomics.cuh>'
ATEN_INCLUDE = '#include <ATen/cuda/Atomic.cuh>'
CUDA_DIR = osp.join('mmcv', 'ops', 'csrc', 'pytorch', 'cuda')
# a registration statement ends a block: REGISTER_DEVICE_IMPL(<impl>, CUDA, <cuda function>);
REGISTER = re.compile(r'REGISTER_DEVICE_IMPL\(\s*(\w+)\s*,\s*CUDA\s*,\s*(\w+)\s*\);', re.S)


def split_blocks(source: str):
    """Split cudabind.cpp into (header, [block, ...]); each block ends with its run of registrations."""
    first = source.index('\n\n')
    header, body = source[:first + 2], source[first + 2:]
    blocks, start, position = [], 0, 0
    for match in REGISTER.finditer(body):
        position = match.end()
        rest = body[position:]
        # the block goes on while the next statement is another registration
        if not re.match(r'\s*REGISTER_DEVICE_IMPL', rest):
            blocks.append(body[start:position])
            start = position
    if body[start:].strip():
        raise ValueError('cudabind.cpp: text after the last REGISTER_DEVICE_IMPL block; '
                         'not an mmcv 2.1.0 layout')
    return header, blocks


def keep_block(block: str, ops) -> bool:
    names = [impl for impl, _ in REGISTER.findall(block)]
    return any(name.startswith(op) or f'_{op}_' in f'_{name}_' for name in names for op in ops)


def port_thc_includes(src: str) -> list:
    """Replace the removed THC atomics header in every C++/CUDA source; return the files changed."""
    changed = []
    for path in glob.glob(osp.join(src, 'mmcv', 'ops', 'csrc', '**', '*'), recursive=True):
        if not path.endswith(('.cu', '.cuh', '.hpp', '.h', '.cpp')):
            continue
        with open(path) as f:
            text = f.read()
        if THC_INCLUDE in text:
            with open(path, 'w') as f:
                f.write(text.replace(THC_INCLUDE, ATEN_INCLUDE))
            changed.append(osp.relpath(path, src))
    return sorted(changed)


def subset(src: str, ops) -> list:
    """Keep only the CUDA kernels (and cudabind.cpp blocks) of ``ops``; return the kept kernel files."""
    cuda_dir = osp.join(src, CUDA_DIR)
    bind = osp.join(cuda_dir, 'cudabind.cpp')
    with open(bind) as f:
        header, blocks = split_blocks(f.read())
    kept = [block for block in blocks if keep_block(block, ops)]
    found = {op for op in ops if any(keep_block(block, [op]) for block in kept)}
    if found != set(ops):
        sys.exit(f'no cudabind.cpp block registers {sorted(set(ops) - found)}')
    kernels = [path for path in glob.glob(osp.join(cuda_dir, '*.cu'))
               if any(osp.basename(path).startswith(op) for op in ops)
               or osp.basename(path)[:-3] in LINKED_CUDA_KERNELS]
    for path in glob.glob(osp.join(cuda_dir, '*.cu')):
        if path not in kernels:
            os.remove(path)
    with open(bind, 'w') as f:
        f.write(header + ''.join(kept) + '\n')
    return sorted(osp.basename(path) for path in kernels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='root of the unpacked mmcv 2.1.0 source tree (holds setup.py)')
    parser.add_argument('--cuda-ops', nargs='*', metavar='OP',
                        help='keep only these CUDA ops, by the prefix of their kernel file; with no '
                        f'name: {" ".join(SOC_CUDA_OPS)} (what the SOC models call). Default: keep all')
    args = parser.parse_args()
    if not osp.isfile(osp.join(args.src, CUDA_DIR, 'cudabind.cpp')):
        sys.exit(f'{osp.join(args.src, CUDA_DIR, "cudabind.cpp")} not found: '
                 'give the root of an unpacked mmcv 2.1.0 source tree')
    print(f'THC include ported in: {", ".join(port_thc_includes(args.src)) or "nothing (already done)"}')
    if args.cuda_ops is not None:
        kernels = subset(args.src, args.cuda_ops or SOC_CUDA_OPS)
        print(f'kept CUDA kernels: {", ".join(kernels)}')


if __name__ == '__main__':
    main()
