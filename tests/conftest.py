import os
import tempfile

import pytest
from hypothesis import HealthCheck, settings

# The suite tests the installed package (README: `python -P -m pytest`): the
# interpreters it starts (CLI smoke tests, workers) must not put the
# checkout's folder first on sys.path either, where the bare source folder
# qproto/ would shadow the install.
os.environ["PYTHONSAFEPATH"] = "1"

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=100)
settings.register_profile("heavy", deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# A verdict must come from the checkers under test, never from a result
# cache an earlier run (or an earlier test) left behind: each test (its
# in-process CLI calls and the subprocesses they start) gets its own empty
# cache folder. A test of the cache itself sets its own.
_CACHE = tempfile.TemporaryDirectory(prefix="qproto-test-cache-")
os.environ["QPROTO_CACHE_DIR"] = _CACHE.name


@pytest.fixture(autouse=True)
def _fresh_result_cache(request, monkeypatch):
    monkeypatch.setenv("QPROTO_CACHE_DIR", os.path.join(_CACHE.name, f"t{id(request.node)}"))


def pytest_report_header(config):
    import qproto

    return f"qproto {qproto.__version__} from {os.path.dirname(qproto.__file__)}"


def pytest_collection_modifyitems(config, items):
    """``slow`` tests (heavier campaigns) run only when asked for with
    ``-m slow`` (or ``QPROTO_SLOW=1``), so the default suite stays fast."""
    if "slow" in (config.getoption("-m") or "") or os.environ.get("QPROTO_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow or QPROTO_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
