# Copyright (c) mmrvos contributors. All rights reserved.
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# a fresh interpreter: the session's conftest has already imported everything
SCRIPT = '''
import sys
from mmengine.registry import DefaultScope
from mmrvos.registry import HOOKS, LOOPS, OPTIM_WRAPPER_CONSTRUCTORS

DefaultScope.get_instance('fresh', scope_name='mmrvos')
# the engine registries import mmdet.engine themselves (mmrvos has no engine package)
assert HOOKS.get('TrackVisualizationHook').__module__.startswith('mmdet.engine')
assert LOOPS.get('EpochBasedTrainLoop') is not None
assert OPTIM_WRAPPER_CONSTRUCTORS.get('LearningRateDecayOptimizerConstructor') is not None

from mmrvos.utils import register_all_modules
register_all_modules(init_default_scope=False)
loaded = {name for name in sys.modules if name.startswith('mmrvos.')}
assert {'mmrvos.datasets', 'mmrvos.models', 'mmrvos.evaluation', 'mmrvos.visualization'} <= loaded, loaded
assert not any(name.startswith('mmrvos.apis') for name in loaded), sorted(loaded)
print('ok')
'''


def test_registries_and_register_all_modules_in_a_fresh_process():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get('PYTHONPATH', '')]))
    proc = subprocess.run([sys.executable, '-c', SCRIPT], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip().endswith('ok'), proc.stdout + proc.stderr
