"""Bad input to ``qproto vectors ...``: hostile or careless vector files,
options and specs (issue 11, vectors part).

The CLI contract for each case: exit 2, one line on stderr, no traceback,
nothing written.  Most cases run the CLI in this process (``main(argv)``
with capsys); a few need a real process (signals, devices).
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import qproto
from qproto.cli import main
from qproto.vectors import dumps, generate
from qproto.vectors.format import MAX_FILE_BYTES

from .helpers import assert_bad_input, cli

REF = "qproto.vectors.reference:adapter"


@pytest.fixture(scope="module")
def sdc_doc() -> dict:
    return generate(qproto.find("superdense-coding"), seed=3, count=1)


@pytest.fixture(scope="module")
def sdc_text(sdc_doc) -> str:
    return dumps(sdc_doc)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    got = capsys.readouterr()
    return code, got.out, got.err


def assert_exit2(code: int, err: str, *fragments: str) -> str:
    """Exit 2, exactly one line on stderr, no traceback, no raw control
    character; returns the line."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, (code, err)
    assert len(lines) == 1, err
    assert "Traceback" not in err and "internal error" not in err
    assert "\x1b" not in err
    for f in fragments:
        assert f in lines[0], (f, lines[0])
    return lines[0]


def nothing_new(folder: Path, before: set[str]) -> None:
    now = {str(p.relative_to(folder)) for p in folder.rglob("*")}
    assert now == before, now - before


# -- hostile vector files: `vectors check FILE` --------------------------------------------------
def _mutate(doc: dict, how: str) -> dict:
    d = copy.deepcopy(doc)
    g, t = d["testGroups"][0], d["testGroups"][0]["tests"][0]
    if how == "tolerance-loose":
        g["tolerance"] = 1.0
    elif how == "tolerance-negative":
        g["tolerance"] = -1e-9
    elif how == "tolerance-string":
        g["tolerance"] = "1e-9"
    elif how == "tolerance-bool":
        g["tolerance"] = True
    elif how == "no-tests":
        d["testGroups"], d["numberOfTests"] = [], 0
    elif how == "empty-groups":
        for grp in d["testGroups"]:
            grp["tests"] = []
        d["numberOfTests"] = 0
    elif how == "count-mismatch":
        d["numberOfTests"] += 1
    elif how == "duplicate-tcid":
        d["testGroups"][0]["tests"][1]["tcId"] = t["tcId"]
    elif how == "flag-without-note":
        t["flags"] = ["NoSuchFlag"]
    elif how == "exact-power-tower":
        t["outputs"]["probability"]["exact"] = "9^9^9"
    elif how == "exact-python":
        t["outputs"]["probability"]["exact"] = "__import__('os').system('touch PWNED')"
    elif how == "exact-huge-literal":
        t["outputs"]["probability"]["exact"] = "1e999"
    elif how == "exact-deep":
        t["outputs"]["probability"]["exact"] = "(" * 40 + "1" + ")" * 40
    elif how == "exact-long":
        t["outputs"]["probability"]["exact"] = "1+" * 600 + "1"
    elif how == "value-string":
        t["outputs"]["probability"]["value"] = "0.25"
    elif how == "state-too-big":
        st = t["outputs"]["states"][0]
        st["dims"] = [2048] + [2] * (len(st["registers"]) - 1)
    elif how == "ket-length":
        t["outputs"]["states"][0]["ket"] = t["outputs"]["states"][0]["ket"][:-1]
    elif how == "registers-duplicate":
        st = t["outputs"]["states"][0]
        st["registers"] = [st["registers"][0]] * len(st["registers"])
    elif how == "dims-zero":
        st = t["outputs"]["states"][0]
        st["dims"] = [0] * len(st["registers"])
    elif how == "result-unknown":
        t["result"] = "acceptable"
    elif how == "schema-name":
        d["schema"] = "other.json"
    elif how == "missing-testgroups":
        del d["testGroups"]
    elif how == "extra-top-key":
        d["surprise"] = 1
    elif how == "tcid-zero":
        t["tcId"] = 0
    elif how == "comment-not-string":
        t["comment"] = ["a"]
    elif how == "outputs-empty":
        t["outputs"] = {}
    elif how == "outputs-missing-field":
        del t["outputs"]["probability"]
    else:  # pragma: no cover
        raise AssertionError(how)
    return d


DOC_CASES = [
    ("tolerance-loose", "tolerance=1 must lie in [0, 1e-09]"),
    ("tolerance-negative", "tolerance"),
    ("tolerance-string", "tolerance"),
    ("tolerance-bool", "tolerance"),
    ("no-tests", "holds no tests"),
    ("empty-groups", "holds no tests"),
    ("count-mismatch", "numberOfTests="),
    ("duplicate-tcid", "appears twice"),
    ("flag-without-note", "without an entry in notes"),
    ("exact-power-tower", "exponent 387420489 is beyond the limit"),
    ("exact-python", "unexpected character"),
    ("exact-huge-literal", "decimal exponent 999"),
    ("exact-deep", "nested deeper than"),
    ("exact-long", "characters; the limit is"),
    ("value-string", "/value must be a number"),
    ("state-too-big", "dimension over 1024"),
    ("ket-length", "/ket must list"),
    ("registers-duplicate", "distinct names"),
    ("dims-zero", "dims must be one positive integer"),
    ("result-unknown", "result"),
    ("schema-name", "schema"),
    ("missing-testgroups", "testGroups"),
    ("extra-top-key", "surprise"),
    ("tcid-zero", "tcId"),
    ("comment-not-string", "comment"),
    ("outputs-empty", "would pass any answer"),
    ("outputs-missing-field", "lacks expected output(s) ['probability']"),
]


@pytest.mark.parametrize("how, fragment", DOC_CASES, ids=[c[0] for c in DOC_CASES])
def test_hostile_document_is_refused_before_any_test_runs(capsys, tmp_path, monkeypatch, sdc_doc, how, fragment):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "v.json"
    path.write_text(json.dumps(_mutate(sdc_doc, how)), encoding="utf-8")
    report = tmp_path / "report.json"
    code, out, err = run(capsys, "vectors", "check", str(path), "--impl", REF, "--report", str(report))
    assert_exit2(code, err, fragment)
    assert not report.exists() and not (tmp_path / "PWNED").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.json"]


TEXT_CASES = [
    ("tolerance-1e400", lambda t: t.replace('"tolerance": 1e-09', '"tolerance": 1e400', 1), "beyond double precision"),
    (
        "tolerance-Infinity",
        lambda t: t.replace('"tolerance": 1e-09', '"tolerance": Infinity', 1),
        "Infinity is not a JSON number",
    ),
    ("tolerance-NaN", lambda t: t.replace('"tolerance": 1e-09', '"tolerance": NaN', 1), "NaN is not a JSON number"),
    ("value-minus-Infinity", lambda t: t.replace('"value": 0.0', '"value": -Infinity', 1), "-Infinity is not a JSON number"),
    ("int-5000-digits", lambda t: t.replace('"seed": 3', '"seed": ' + "9" * 5000, 1), "integer of 5000 digits"),
    ("int-41-digits", lambda t: t.replace('"seed": 3', '"seed": ' + "1" * 41, 1), "integer of 41 digits"),
    ("float-literal-long", lambda t: t.replace('"seed": 3', '"seed": 0.' + "1" * 100, 1), "number literal of"),
    ("nested-5000", lambda t: t.replace('"header": [', '"header": [' + "[" * 5000 + "]" * 5000 + ",", 1), "nested deeper than"),
    ("nested-100", lambda t: t.replace('"header": [', '"header": [' + "[" * 100 + "]" * 100 + ",", 1), "nested deeper than 64"),
    ("truncated", lambda t: t[: len(t) // 2], "malformed JSON at line"),
    ("empty", lambda t: "", "malformed JSON"),
    ("top-level-list", lambda t: "[" + t + "]", "does not match the vector schema"),
    ("trailing-garbage", lambda t: t + "}", "malformed JSON"),
]


@pytest.mark.parametrize("how, mutate, fragment", TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
def test_hostile_json_text_is_a_clear_error(capsys, tmp_path, sdc_text, how, mutate, fragment):
    path = tmp_path / "v.json"
    text = mutate(sdc_text)
    assert how in ("empty",) or text != sdc_text
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "vectors", "check", str(path), "--impl", REF)
    assert_exit2(code, err, fragment)


def test_not_utf8_is_named(capsys, tmp_path):
    path = tmp_path / "v.json"
    path.write_bytes(b'{"algorithm": "\xff\xfe"}')
    assert_exit2(*run(capsys, "vectors", "check", str(path), "--impl", REF)[::2], "not UTF-8")


def test_a_file_over_the_size_limit_is_refused_unread(capsys, tmp_path):
    path = tmp_path / "big.json"
    with open(path, "wb") as fh:  # sparse: no disk used
        fh.truncate(MAX_FILE_BYTES + 1)
    code, _, err = run(capsys, "vectors", "check", str(path), "--impl", REF)
    assert_exit2(code, err, "limited to")


def test_a_directory_and_a_missing_file(capsys, tmp_path):
    assert_exit2(*run(capsys, "vectors", "check", str(tmp_path), "--impl", REF)[::2], "is a directory")
    assert_exit2(*run(capsys, "vectors", "check", str(tmp_path / "no.json"), "--impl", REF)[::2], "no such vector file")


def test_schema_error_quotes_little_and_names_the_path(capsys, tmp_path, sdc_doc):
    doc = copy.deepcopy(sdc_doc)
    doc["header"] = ["x" * 200_000]
    doc["schema"] = "qproto_vectors_v2.json"
    path = tmp_path / "v.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = run(capsys, "vectors", "check", str(path), "--impl", REF)
    line = assert_exit2(code, err, "at schema")
    assert len(line) < 600


def test_control_characters_in_a_schema_error_are_escaped(capsys, tmp_path, sdc_doc):
    doc = copy.deepcopy(sdc_doc)
    doc["\x1b[2J\x1b]0;owned\x07"] = 1
    path = tmp_path / "v.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = run(capsys, "vectors", "check", str(path), "--impl", REF)
    line = assert_exit2(code, err, "\\x1b")
    assert "\x07" not in line


def test_dev_zero_is_refused_without_reading(capsys):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    assert_exit2(*run(capsys, "vectors", "check", "/dev/zero", "--impl", REF)[::2], "not a regular file")


# -- hostile options ---------------------------------------------------------------------------
@pytest.fixture()
def sdc_file(tmp_path, sdc_text) -> Path:
    path = tmp_path / "superdense-coding.json"
    path.write_text(sdc_text, encoding="utf-8")
    return path


OPTION_CASES = [
    (("--impl", "justamodule"), "must be MODULE:FUNCTION"),
    (("--impl", "no_such_module_xyz:fn"), "no module named"),
    (("--impl", "qproto.vectors.reference:nope"), "has no attribute"),
    (("--impl", "qproto.vectors.reference:__doc__"), "not a callable"),
    (("--cmd", ""), "needs a program"),
    (("--cmd", "'unbalanced"), "cannot parse the command line"),
    (("--cmd", "/no/such/program-xyz"), "no program"),
    (("--impl", REF, "--timeout", "0"), "timeout=0 must be > 0"),
    (("--impl", REF, "--timeout", "nan"), "must be > 0"),
    (("--impl", REF, "--timeout", "inf"), "must be > 0"),
    (("--impl", REF, "--timeout", "1e9"), "at most 86400"),
    (("--impl", REF, "--cmd", "cat"), "not allowed with"),
]


@pytest.mark.parametrize("opts, fragment", OPTION_CASES, ids=[" ".join(o) for o, _ in OPTION_CASES])
def test_bad_check_options(capsys, tmp_path, sdc_file, opts, fragment):
    before = {p.name for p in tmp_path.iterdir()}
    code, _, err = run(capsys, "vectors", "check", str(sdc_file), *opts)
    assert_exit2(code, err, fragment)
    assert {p.name for p in tmp_path.iterdir()} == before


def test_impl_whose_import_fails_or_exits_is_unusable(capsys, tmp_path, sdc_file, monkeypatch):
    (tmp_path / "raises_on_import.py").write_text("raise RuntimeError('broken \\x1b[31m module')\n", encoding="utf-8")
    (tmp_path / "exits_on_import.py").write_text("import os\nos._exit(0)\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert_exit2(
        *run(capsys, "vectors", "check", str(sdc_file), "--impl", "raises_on_import:f")[::2], "importing raises_on_import failed"
    )
    assert_exit2(*run(capsys, "vectors", "check", str(sdc_file), "--impl", "exits_on_import:f")[::2], "did not start")


def test_report_that_cannot_be_written(capsys, tmp_path, sdc_file):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = run(capsys, "vectors", "check", str(sdc_file), "--impl", REF, "--json", "--report", str(blocker / "r.json"))
    assert_exit2(code, err, "--report")
    code, _, err = run(capsys, "vectors", "check", str(sdc_file), "--impl", REF, "--json", "--report", str(tmp_path))
    assert_exit2(code, err, "--report")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "superdense-coding.json"]


GENERATE_CASES = [
    (("--seed", "-1"), "seed="),
    (("--seed", str(2**64)), "seed="),
    (("--seed", "abc"), "seed="),
    (("--seed", "9" * 5000), "seed="),
    (("--count", "0"), "count=0"),
    (("--count", "100000"), "count=100000"),
    (("no-such-protocol-xyz",), "no-such-protocol-xyz"),
]


@pytest.mark.parametrize("opts, fragment", GENERATE_CASES, ids=[" ".join(o)[:30] for o, _ in GENERATE_CASES])
def test_bad_generate_options(capsys, tmp_path, opts, fragment):
    out = tmp_path / "out"
    args = list(opts) if opts[0].startswith("--") else list(opts)
    targets = [] if opts[0].startswith("--") else []
    code, _, err = run(
        capsys, "vectors", "generate", *(["superdense-coding"] if opts[0].startswith("--") else []), *args, "--out", str(out)
    )
    assert_exit2(code, err, fragment)
    assert not out.exists() and not targets
    assert list(tmp_path.iterdir()) == []


def _spec_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "specs" / "my_spec.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["../../escaped", "/abs/path", "a/b", "..", ".hidden", "x\x1b[2Jy", "", "a" * 101, "sp ace"])
def test_unsafe_spec_names_never_become_paths(capsys, tmp_path, name):
    spec = _spec_file(
        tmp_path,
        f"""
        import qproto
        EVIL = qproto.find("superdense-coding").variant(name={name!r})
    """,
    )
    out = tmp_path / "work" / "out"
    code, _, err = run(capsys, "vectors", "generate", str(spec), "--out", str(out))
    assert_exit2(code, err)
    assert not (tmp_path / "work").exists()
    assert {p.name for p in tmp_path.rglob("*")} <= {"specs", "my_spec.py", "__pycache__"} | {
        p.name for p in tmp_path.rglob("*.pyc")
    }


def test_two_different_specs_with_one_name(capsys, tmp_path):
    spec = _spec_file(
        tmp_path,
        """
        import qproto
        A = qproto.find("superdense-coding").variant(name="same")
        B = qproto.find("teleportation").variant(name="same")
    """,
    )
    out = tmp_path / "out"
    assert_exit2(*run(capsys, "vectors", "generate", str(spec), "--out", str(out))[::2], "same")
    assert not out.exists()


def test_out_that_is_a_file_or_under_a_file(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    for out in (blocker, blocker / "sub"):
        code, _, err = run(capsys, "vectors", "generate", "superdense-coding", "--count", "1", "--out", str(out))
        assert_exit2(code, err, "--out")
    assert [p.name for p in tmp_path.iterdir()] == ["file"] and blocker.read_text() == "x"


def test_out_that_cannot_be_written(capsys, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        code, _, err = run(capsys, "vectors", "generate", "superdense-coding", "--count", "1", "--out", str(ro / "out"))
        assert_exit2(code, err, "--out")
    finally:
        ro.chmod(0o700)


# -- in a real process ---------------------------------------------------------------------------
def test_subprocess_hostile_file_and_dev_zero(tmp_path, sdc_text):
    path = tmp_path / "v.json"
    path.write_text(sdc_text.replace('"tolerance": 1e-09', '"tolerance": 1e400', 1), encoding="utf-8")
    assert_bad_input(cli("vectors", "check", str(path), "--impl", REF), "not finite")
    if Path("/dev/zero").exists():
        assert_bad_input(cli("vectors", "check", "/dev/zero", "--cmd", "cat"), "not a regular file")


def test_subprocess_deep_json_is_exit_2(tmp_path, sdc_text):
    path = tmp_path / "v.json"
    path.write_text(sdc_text.replace('"header": [', '"header": [' + "[" * 100_000 + "]" * 100_000 + ",", 1), encoding="utf-8")
    assert_bad_input(cli("vectors", "check", str(path), "--impl", REF), "nested deeper")


def _pids_running(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        stat = Path(f"/proc/{pid}/stat")
        if stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"):
            continue  # a zombie waiting for its (dead) parent's reaper
        alive.append(pid)
    return alive


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_sigterm_during_check_stops_the_implementation_and_leaves_no_tmp(tmp_path, sdc_file):
    impl = tmp_path / "slow_impl.py"
    pidfile = tmp_path / "impl.pid"
    impl.write_text(
        textwrap.dedent(f"""
        import os, sys, time
        open({str(pidfile)!r}, "w").write(str(os.getpid()))
        for line in sys.stdin:
            time.sleep(600)
    """),
        encoding="utf-8",
    )
    report = tmp_path / "report.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from qproto.cli import main; sys.exit(main())",
            "vectors",
            "check",
            str(sdc_file),
            "--cmd",
            f"{sys.executable} {impl}",
            "--timeout",
            "600",
            "--report",
            str(report),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(600):  # wait (without a timed assertion) for the implementation to start
            if pidfile.exists() and pidfile.read_text():
                break
            time.sleep(0.1)
        child = int(pidfile.read_text())
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, err
    assert "terminated" in err and "Traceback" not in err
    for _ in range(100):
        if not _pids_running([child]):
            break
        time.sleep(0.1)
    assert _pids_running([child]) == []
    assert not report.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["superdense-coding.json", "slow_impl.py", "impl.pid"])


# -- implementations that misbehave: one failed test each, never a silent pass ----------------------
IMPL_PROGRAM = """
import json, os, sys
sys.path.insert(0, {root!r})
from qproto.vectors.reference import adapter
mode = sys.argv[1]
for line in sys.stdin:
    case = json.loads(line)
    ans = adapter(case)
    ans["tcId"] = case["tcId"]
    if case["tcId"] == 1:
        if mode == "bigint":
            text = json.dumps(ans).replace('"result"', '"junk": ' + "7" * 5000 + ', "result"', 1)
        elif mode == "deep":
            text = json.dumps(ans).replace('"result"', '"junk": ' + "[" * 3000 + "]" * 3000 + ', "result"', 1)
        elif mode == "tower":
            ans["outputs"]["probability"] = "9^9^9"
            text = json.dumps(ans)
        elif mode == "longline":
            text = "[" + "0," * 600_000 + "0]"
        elif mode == "stderr-flood":
            chunk = "e" * 65536
            for _ in range(300):  # about 20 MB
                sys.stderr.write(chunk)
            sys.stderr.write("\\nlast words\\n")
            sys.stderr.flush()
            os._exit(3)
        print(text, flush=True)
        continue
    print(json.dumps(ans), flush=True)
"""


@pytest.fixture()
def impl_program(tmp_path) -> Path:
    path = tmp_path / "impl.py"
    path.write_text(IMPL_PROGRAM.format(root=os.path.dirname(os.path.dirname(qproto.__file__))), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "mode, fragment",
    [
        ("bigint", "integer of 5000 digits"),
        ("deep", "nested deeper"),
        ("tower", "exponent 387420489 is beyond the limit"),
        ("longline", "longer than"),
        ("stderr-flood", "last words"),
    ],
)
def test_a_hostile_answer_fails_its_test_and_the_check_goes_on(sdc_doc, impl_program, monkeypatch, mode, fragment):
    from qproto.vectors import adapters, check

    monkeypatch.setattr(adapters, "MAX_ANSWER_BYTES", 1_000_000)  # the long line is 1.2 MB
    adapter = adapters.CommandAdapter(f"{sys.executable} {impl_program} {mode}", timeout=60)
    try:
        report = check(sdc_doc, adapter)
        assert adapter.tail is not None and len(adapter.tail.data) <= adapters.STDERR_TAIL_BYTES
    finally:
        adapter.close()
    first, rest = report.outcomes[0], report.outcomes[1:]
    assert first.status in ("fail", "error") and fragment in (first.message or ""), first
    assert rest and all(o.status == "pass" for o in rest)


def test_an_impl_that_calls_os_exit_fails_instead_of_passing(tmp_path, sdc_doc, monkeypatch, capsys):
    # Three cases are enough to see each crash become one failed test and the
    # child restarted; every restart re-imports qproto (about a second).
    doc = copy.deepcopy(sdc_doc)
    doc["testGroups"] = doc["testGroups"][:1]
    doc["testGroups"][0]["tests"] = doc["testGroups"][0]["tests"][:3]
    doc["numberOfTests"] = 3
    small = tmp_path / "superdense-coding.json"
    small.write_text(dumps(doc), encoding="utf-8")
    (tmp_path / "quitter.py").write_text("import os\ndef run(case):\n    os._exit(0)\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "vectors", "check", str(small), "--impl", "quitter:run", "--json")
    assert code == 1, err
    report = json.loads(out)
    assert report["summary"]["error"] == report["summary"]["tests"] > 0
    assert "exited without answering" in report["tests"][0]["message"]


def test_an_impl_that_prints_to_stdout_does_not_corrupt_the_protocol(tmp_path, sdc_file, monkeypatch, capsys):
    (tmp_path / "chatty.py").write_text(
        textwrap.dedent("""
        import os
        from qproto.vectors.reference import adapter
        def run(case):
            print("debugging", case["tcId"])
            os.write(1, b"raw fd write\\n")
            return adapter(case)
    """),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "vectors", "check", str(sdc_file), "--impl", "chatty:run", "--json")
    assert code == 0, out
    assert json.loads(out)["summary"]["pass"] > 0


def test_model_strings_never_reach_sympify(tmp_path, monkeypatch, capsys):
    """A crafted amplitude once ran os.system through the reference adapter."""
    doc = generate(qproto.find("bb84"), seed=1, count=1)
    marker = tmp_path / "PWNED"
    payload = f"__import__('os').system('touch {marker}')"
    for group in doc["testGroups"]:
        group["model"]["signals"][0]["amplitudes"][0] = payload
        group["model"]["eveBases"]["Z"][0][0] = payload
    path = tmp_path / "bb84.json"
    path.write_text(dumps(doc), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "vectors", "check", str(path), "--impl", REF, "--json")
    assert not marker.exists()
    assert code == 1
    report = json.loads(out)
    assert report["summary"]["pass"] == 0
    assert "unexpected character" in report["tests"][0]["message"]


def test_generate_that_fails_midway_leaves_no_partial_set(tmp_path, monkeypatch, capsys):
    import importlib

    gen_module = importlib.import_module("qproto.vectors.generate")  # the module, not the function of that name

    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    (out / "superdense-coding.json").write_text("old", encoding="utf-8")
    real_replace, calls = os.replace, {"n": 0}

    def failing_replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 1:  # the disk fills before the first file moves into place
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(gen_module.os, "replace", failing_replace)
    code, _, err = run(capsys, "vectors", "generate", "superdense-coding", "teleportation", "--count", "1", "--out", str(out))
    assert_exit2(code, err, "No space left on device")
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt", "superdense-coding.json"]
    assert (out / "superdense-coding.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left


def test_generate_into_an_existing_folder_keeps_other_files_and_respects_the_umask(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    old = os.umask(0o022)
    try:
        code, _, err = run(capsys, "vectors", "generate", "superdense-coding", "--count", "1", "--out", str(out))
        fresh = tmp_path / "fresh"
        code2, _, err2 = run(capsys, "vectors", "generate", "superdense-coding", "--count", "1", "--out", str(fresh))
    finally:
        os.umask(old)
    assert code == 0 and code2 == 0, (err, err2)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt", "superdense-coding.json"]
    assert (out / "superdense-coding.json").stat().st_mode & 0o777 == 0o644
    assert fresh.stat().st_mode & 0o777 == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh", "out"]


def test_every_generator_writes_the_tolerance_it_enforces():
    from qproto.vectors.registry import families, lookup

    for name in ("superdense-coding", "trusted-relay-qkd", "quantum-memory-dephasing"):
        doc = generate(qproto.find(name), seed=0, count=1)
        for group in doc["testGroups"]:
            assert group["tolerance"] == lookup(group["family"]).tolerance
    assert {lookup(f).tolerance for f in families()} <= {0.0, 1e-9}


def test_a_huge_answered_state_is_refused_before_conversion(sdc_doc):
    from qproto.vectors.compare import first_difference

    test = sdc_doc["testGroups"][0]["tests"][0]
    expected = test["outputs"]["states"][0]
    miss = first_difference(expected, {"ket": ["9^9^9"] * 100_000}, 1e-9)
    assert miss is not None and "100000 entries" in miss.reason


def test_an_answered_power_tower_is_a_mismatch_not_a_hang(sdc_doc):
    from qproto.vectors.check import check_answer

    test = sdc_doc["testGroups"][0]["tests"][0]
    answer = {"result": test["result"], "outputs": {**test["outputs"], "probability": "9^9^9"}}
    field, reason = check_answer(test, 1e-9, answer)
    assert field == "outputs.probability" and "beyond the limit" in reason


def test_sigterm_during_generate_leaves_the_whole_set_or_nothing(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from qproto.cli import main; sys.exit(main())",
            "vectors",
            "generate",
            "superdense-coding",
            "teleportation",
            "bb84",
            "e91",
            "--count",
            "1",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Signal only once the generator has made its temporary folder beside
    # --out (so the CLI's handler is installed: a fixed sleep raced with a
    # slow import on a loaded machine); if the set is already in place, let
    # the run finish.
    deadline = time.monotonic() + 240
    while proc.poll() is None and not any(tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.01)
    if proc.poll() is None and not out.exists():
        proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=300)
    assert "Traceback" not in err
    names = sorted(p.name for p in tmp_path.iterdir())
    if proc.returncode == 0:
        assert names == ["out"] and len(list(out.iterdir())) == 4
    else:
        assert proc.returncode == 143 and names == [], (proc.returncode, err, names)
