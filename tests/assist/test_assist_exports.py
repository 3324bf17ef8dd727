import subprocess
import sys

import labelwise.assist.active as active
import labelwise.assist.models as models


def test_exports_match_all():
    for module in (active, models):
        public = {name for name in vars(module) if not name.startswith("_")
                  and getattr(vars(module)[name], "__module__", module.__name__).startswith("labelwise.assist")
                  and not type(vars(module)[name]).__name__ == "module"}
        assert public - {"annotations"} <= set(module.__all__), module.__name__
        assert all(hasattr(module, name) for name in module.__all__)


def test_model_and_sampler_packages_stay_pure():
    code = ("import sys, labelwise.assist.models, labelwise.assist.active; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('fastapi', 'sqlalchemy', 'spacy') "
            "or m.startswith(('labelwise.core', 'labelwise.store', 'labelwise.api'))]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
