"""The pytest plugin that ships with qproto (entry point ``pytest11``)."""

import pytest

pytest_plugins = ["pytester"]


def test_fixture_verifies_a_sound_spec(qproto_verify):
    verdicts = qproto_verify("superdense-coding")
    assert [v.status.value for v in verdicts] == ["proved"]


def test_fixture_fails_on_a_flawed_spec(qproto_verify):
    with pytest.raises(AssertionError, match="superdense-coding-no-hadamard/decodes-both-bits: refuted"):
        qproto_verify("superdense-coding-no-hadamard")


def test_catalogue_fixture(qproto_catalogue):
    assert "teleportation" in {s.name for s in qproto_catalogue}


def test_plugin_works_in_a_downstream_suite(pytester):
    pytester.makepyfile(
        """
        def test_mine(qproto_verify):
            qproto_verify("teleportation")
        """
    )
    result = pytester.runpytest_subprocess()  # the plugin loads from its entry point, as downstream
    result.assert_outcomes(passed=1)
