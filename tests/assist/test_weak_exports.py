"""`labelwise.assist.weak` exports exactly its `__all__` and imports no platform layer."""

import subprocess
import sys
import types

import labelwise.assist.weak as weak


def test_all_lists_exactly_the_public_names():
    public = {name for name, value in vars(weak).items()
              if not name.startswith("_") and not isinstance(value, types.ModuleType)}
    assert public == set(weak.__all__)
    assert all(getattr(weak, name) is not None for name in weak.__all__)


def test_weak_supervision_stays_pure():
    code = ("import sys, labelwise.assist.weak, labelwise.assist.weak.simulate; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('fastapi', 'sqlalchemy', 'pandas') "
            "or m.startswith(('labelwise.core', 'labelwise.store', 'labelwise.api'))]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
