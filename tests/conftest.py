import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.register_profile("heavy", deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config, items):
    """``slow`` tests (heavier campaigns) run only when asked for with
    ``-m slow`` (or ``QPROTO_SLOW=1``), so the default suite stays fast."""
    import pytest

    if "slow" in (config.getoption("-m") or "") or os.environ.get("QPROTO_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow or QPROTO_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
