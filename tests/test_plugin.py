"""The pytest plugin that ships with qproto (entry point ``pytest11``)."""

import pytest

pytest_plugins = ["pytester"]


def test_fixture_verifies_a_sound_spec(qproto_verify):
    verdicts = qproto_verify("superdense-coding")
    assert [v.status.value for v in verdicts] == ["proved"]


def test_fixture_fails_on_a_flawed_spec_with_the_counterexample_and_command(qproto_verify):
    with pytest.raises(pytest.fail.Exception) as info:
        qproto_verify("superdense-coding-no-hadamard")
    text = str(info.value)
    assert "superdense-coding-no-hadamard / decodes-both-bits: refuted" in text
    assert "counterexample:" in text
    assert "reproduce: qproto verify superdense-coding-no-hadamard --property decodes-both-bits" in text


def test_expect_refuted_passes_on_a_flawed_spec_and_fails_on_a_sound_one(qproto_verify):
    verdicts = qproto_verify("superdense-coding-no-hadamard", expect="refuted")
    assert any(v.status.value == "refuted" for v in verdicts)
    with pytest.raises(pytest.fail.Exception, match="expected a refutation"):
        qproto_verify("superdense-coding", expect="refuted")


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"properties": "decodes-both-bits"}, "must be a list of names, not a string"),
        ({"properties": ["decodes-both-bit"]}, "did you mean 'decodes-both-bits'"),
        ({"engines": ["algebr"]}, "did you mean 'algebra'"),
        ({"engines": "algebra"}, "not a string"),
        ({"budjet": 3}, "did you mean 'budget'"),
        ({"maxk": 3}, "did you mean 'max_k'"),
        ({"engines": ["statemachine"]}, "matches no property"),
        ({"expect": "fine"}, "expect='fine' must be one of"),
    ],
)
def test_the_api_refuses_a_selection_that_would_check_nothing(qproto_verify, kwargs, fragment):
    import qproto

    with pytest.raises(qproto.QprotoError, match=fragment.replace("(", r"\(")):
        qproto_verify("superdense-coding", **kwargs)


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


def test_qproto_option_makes_one_item_per_property_and_expects_declared_flaws(pytester):
    specs = pytester.makepyfile(
        specs="""
        from qproto.spec.superdense import SUPERDENSE, SUPERDENSE_NO_HADAMARD

        MINE = SUPERDENSE.variant("my-superdense")
        KNOWN_BAD = SUPERDENSE_NO_HADAMARD.variant("my-broken-superdense")
        PROTOCOLS = (MINE, KNOWN_BAD)
        """
    )
    result = pytester.runpytest("--qproto", str(specs), "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*my-superdense::decodes-both-bits PASSED*", "*my-broken-superdense?expect-refuted? PASSED*"])


def test_qproto_option_honours_the_files_expected_refuted(pytester):
    """A designer file's EXPECTED_REFUTED (the rule of ``qproto verify file.py``):
    the broken variant's property item passes because it is refuted, its
    spec item passes because something was; a sound spec wrongly listed
    there fails its spec item, naming it."""
    specs = pytester.makepyfile(
        specs="""
        import dataclasses
        from qproto.spec.superdense import SUPERDENSE, SUPERDENSE_NO_HADAMARD

        MINE = SUPERDENSE.variant("my-superdense")
        BROKEN = dataclasses.replace(SUPERDENSE_NO_HADAMARD, name="my-broken", flawed=None)
        NOT_BROKEN = SUPERDENSE.variant("my-not-broken")
        EXPECTED_REFUTED = {"my-broken", "my-not-broken"}
        """
    )
    result = pytester.runpytest("--qproto", str(specs), "-v")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*my-superdense::decodes-both-bits PASSED*",
            "*my-broken::decodes-both-bits PASSED*",
            "*my-broken?expect-refuted? PASSED*",
            "*my-not-broken::decodes-both-bits PASSED*",
            "*my-not-broken?expect-refuted? FAILED*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*my-not-broken is listed in EXPECTED_REFUTED but no property was refuted*",
            "*my-not-broken / decodes-both-bits: proved*",
        ]
    )
    # the spec item alone (its property deselected) verifies what it needs itself
    alone = pytester.runpytest("--qproto", str(specs), "-v", "-k", "expect-refuted")
    alone.assert_outcomes(passed=1, failed=1, deselected=3)


def test_qproto_item_failure_shows_counterexample_and_command(pytester):
    specs = pytester.makepyfile(
        specs="""
        import dataclasses
        from qproto.spec.superdense import SUPERDENSE_NO_HADAMARD

        # the flaw is not declared: the property item must fail and say why
        SILENT = dataclasses.replace(SUPERDENSE_NO_HADAMARD, name="silently-broken", flawed=None)
        PROTOCOLS = (SILENT,)
        """
    )
    result = pytester.runpytest("--qproto", str(specs))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*silently-broken / decodes-both-bits: refuted*",
            "*counterexample:*",
            "*reproduce: qproto verify silently-broken --property decodes-both-bits*",
        ]
    )


def test_qproto_option_with_a_bad_file_is_a_usage_error(pytester):
    result = pytester.runpytest("--qproto", "no/such/file.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--qproto no/such/file.py:*"])
