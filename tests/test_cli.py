"""The command line: listing, verifying, exit codes, bad input.

The CLI runs in-process (:func:`tests.helpers.run_cli`); a handful of
smoke tests at the end start a real interpreter for what only a process
shows (the exit status the OS sees, signals, the installed console script).
"""

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from .helpers import assert_bad_input, cli, run_cli

ROOT = Path(__file__).resolve().parents[1]


def test_list_json_shape():
    r = run_cli("list", "--json")
    assert r.code == 0
    doc = r.json()
    names = [p["name"] for p in doc["protocols"]]
    assert "teleportation" in names and "superdense-coding" in names
    for p in doc["protocols"]:
        assert {"name", "family", "properties"} <= set(p)
        assert all({"id", "engine", "statement"} <= set(q) for q in p["properties"])


def test_list_flawed_json():
    r = run_cli("list", "--flawed", "--json")
    assert r.code == 0
    doc = r.json()
    names = {p["name"] for p in doc["protocols"]}
    assert {"teleportation-swapped-bits", "teleportation-dropped-bit", "superdense-coding-no-hadamard"} <= names
    assert all(p.get("flaw") for p in doc["protocols"])


def test_bare_verify_selects_the_catalogue_and_never_flawed_variants(tmp_path, monkeypatch):
    """The selection, the JSON and the JUnit report of a bare ``verify``,
    with each spec's proofs replaced by one real cheap verdict renamed (the
    proofs themselves: test_bare_verify_of_the_whole_catalogue, slow, and
    CI's own ``qproto verify`` step)."""
    import dataclasses

    import qproto.cli.verify_cmd as verify_cmd
    import qproto.proofs.runner as runner
    from qproto.proofs.runner import verify
    from qproto.spec.catalogue import find, flawed

    (cheap,) = verify(find("teleportation"), properties=["outcomes-uniform"])
    seen = []

    def one_verdict(spec, engines=None, properties=None, options=None):
        seen.append(spec.name)
        ids = list(properties or [p.id for p in spec.properties])
        return [dataclasses.replace(cheap, protocol=spec.name, property=pid) for pid in ids]

    monkeypatch.setattr(runner, "verify", one_verdict)
    monkeypatch.setattr(verify_cmd, "verify", one_verdict, raising=False)
    # in this process (the stub does not reach worker processes) and never
    # from or into a result cache (a stub verdict must not be stored)
    usage = run_cli("verify", "--help").out
    extra = (["--jobs", "1"] if "--jobs" in usage else []) + (["--no-cache"] if "--no-cache" in usage else [])
    r = run_cli("verify", "--json", "--junit-xml", str(tmp_path / "report.xml"), *extra)
    assert r.code == 0, r.err
    assert len(seen) == len(set(seen)) >= 20
    assert not set(seen) & {s.name for s in flawed()}
    assert {"teleportation", "superdense-coding", "bb84", "e91"} <= set(seen)
    doc = r.json()
    assert set(v["protocol"] for v in doc["verdicts"]) == set(seen)
    assert len(doc["verdicts"]) == sum(len(find(n).properties) for n in seen)
    assert doc["summary"]["exit_code"] == 0
    suite = ET.parse(tmp_path / "report.xml").getroot()
    assert int(suite.get("tests")) == len(doc["verdicts"])
    assert suite.get("failures") == "0"


@pytest.mark.slow
def test_bare_verify_of_the_whole_catalogue(tmp_path):
    """End to end: every catalogue property reaches the status its spec
    asks for (about a minute; CI also runs ``qproto verify`` after the
    suite)."""
    r = run_cli("verify", "--json", "--junit-xml", str(tmp_path / "report.xml"))
    assert r.code == 0, r.out[-2000:]
    doc = r.json()
    assert doc["summary"]["exit_code"] == 0
    assert not any(v["protocol"].endswith(("swapped-bits", "dropped-bit", "no-hadamard")) for v in doc["verdicts"])
    suite = ET.parse(tmp_path / "report.xml").getroot()
    assert int(suite.get("tests")) == len(doc["verdicts"])
    assert suite.get("failures") == "0"


def test_junit_marks_refutations_as_failures(tmp_path):
    out = tmp_path / "j.xml"
    r = run_cli("verify", "teleportation-dropped-bit", "--junit-xml", str(out))
    assert r.code == 1
    suite = ET.parse(out).getroot()
    assert int(suite.get("failures")) >= 1
    assert any(c.find("failure") is not None for c in suite.iter("testcase"))


def test_exact_values_are_strings_sympy_parses_next_to_floats():
    doc = run_cli("verify", "--json", "teleportation", "--property", "outcomes-uniform").json()
    (v,) = doc["verdicts"]
    for o in v["evidence"]["outcomes"]:
        assert o["probability"] == {"exact": "1/4", "value": 0.25}


@pytest.mark.parametrize(
    "args, fragments",
    [
        (("verify", "no-such-protocol"), ["unknown protocol 'no-such-protocol'", "known:"]),
        (("verify", "--engine", "magic"), ["invalid choice: 'magic'"]),
        (("verify", "--bogus"), ["unrecognized arguments: --bogus"]),
        (("explain",), ["the following arguments are required"]),
        (("explain", "nope"), ["unknown protocol 'nope'"]),
        (("verify", "teleportation", "--engine", "statemachine"), ["no property matches"]),
        (("verify", "--bound", "0"), ["bound=0 must be > 0"]),
        (("verify", "--seed", "x"), ["seed='x' must be an integer"]),
        (("frobnicate",), ["invalid choice: 'frobnicate'"]),
    ],
)
def test_bad_input_exits_2_with_one_line(args, fragments):
    assert_bad_input(run_cli(*args), *fragments)


def test_designer_spec_file_runs_like_a_catalogue_entry():
    path = str(ROOT / "docs" / "examples" / "my_teleportation.py")
    r = run_cli("verify", path, "--json")
    assert r.code == 0, r.err
    assert {v["protocol"] for v in r.json()["verdicts"]} == {"my-teleportation"}
    r = run_cli("explain", path)
    assert r.code == 0 and "my-teleportation" in r.out


def test_designer_module_attribute(tmp_path):
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "specs.py").write_text(
        textwrap.dedent("""
        from qproto.spec.superdense import SUPERDENSE
        MY_VARIANT = SUPERDENSE.variant("my-superdense")
    """)
    )
    r = run_cli("verify", "mypkg.specs:MY_VARIANT", "--json", cwd=str(tmp_path))
    assert r.code == 0, r.err
    assert r.json()["verdicts"][0]["protocol"] == "my-superdense"
    assert_bad_input(run_cli("verify", "mypkg.specs:NOPE", cwd=str(tmp_path)), "has no attribute 'NOPE'")


def test_python_api_on_a_designer_spec():
    import qproto

    verdicts = qproto.verify(str(ROOT / "docs" / "examples" / "my_teleportation.py"))
    assert verdicts and all(v.status.value == "proved" for v in verdicts)


@pytest.mark.parametrize(
    "body, fragments",
    [
        ("x = 1\ny = undefined_name\n", ["bad.py:2", "NameError"]),
        ("def f(:\n", ["bad.py:1", "SyntaxError"]),
        ("x = 1\n", ["defines no Protocol"]),
        (
            "from qproto.spec.teleportation import TELEPORTATION\n"
            "from qproto.spec import ApplyGate\n"
            "BAD = TELEPORTATION.variant('bad', steps=TELEPORTATION.steps + (ApplyGate(party='Bob', gate='H', targets=('zz',)),))\n",
            ["bad.py:3", "unknown register 'zz'"],
        ),
        (
            "from qproto.spec.teleportation import TELEPORTATION\n"
            "from qproto.spec import ApplyGate\n"
            "BAD = TELEPORTATION.variant('bad', steps=TELEPORTATION.steps + (ApplyGate(party='Bob', gate='U', targets=('b',), matrix=((1, 1), (0, 1))),))\n",
            ["gate U is not unitary", "fix the matrix"],
        ),
        (
            "from qproto.spec.teleportation import TELEPORTATION\n"
            "from qproto.spec import ApplyGate\n"
            "BAD = TELEPORTATION.variant('bad', steps=TELEPORTATION.steps + (ApplyGate(party='Bob', gate='CNOT', targets=('b',)),))\n",
            ["gate CNOT acts on 2 qubit(s)"],
        ),
        (
            "from qproto.spec.teleportation import TELEPORTATION\n"
            "from qproto.spec import Controlled\n"
            "BAD = TELEPORTATION.variant('bad', steps=TELEPORTATION.steps[:7] + (Controlled(party='Bob', gate='X', targets=('b',), when='m2'),))\n",
            ["uses bit 'm2' before it is received"],
        ),
        (
            "from qproto.spec.teleportation import TELEPORTATION\n"
            "from qproto.spec import Prepare\n"
            "BAD = TELEPORTATION.variant('bad', steps=(Prepare(party='Alice', registers=('q',), state='ket:2'),) + TELEPORTATION.steps[1:])\n",
            [],
        ),
    ],
)
def test_a_bad_designer_file_is_bad_input(tmp_path, body, fragments):
    path = tmp_path / "bad.py"
    path.write_text(body)
    r = run_cli("verify", str(path))
    assert_bad_input(r, *fragments)


def test_unnormalised_state_in_a_designer_gate_matrix_named(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(
        "from qproto.spec.teleportation import TELEPORTATION\n"
        "from qproto.spec import ApplyGate\n"
        "BAD = TELEPORTATION.variant('bad', steps=TELEPORTATION.steps[:3] + (ApplyGate(party='Alice', gate='Q', targets=('q',), matrix=(('1/2', 0), (0, 1))),) + TELEPORTATION.steps[3:])\n"
    )
    assert_bad_input(run_cli("verify", str(path)), "gate Q is not unitary")


@pytest.mark.parametrize(
    "extra, fragments",
    [
        (
            "ApplyChannel(party='Bob', channel='leaky', targets=('b',), kraus=(((1, 0), (0, '1/2')),))",
            ["channel leaky is not trace preserving", "fix the Kraus operators"],
        ),
        ("ApplyChannel(party='Bob', channel='depolarizing', targets=('b',), params=(1.5,))", ["p=1.5 must lie in [0, 1]"]),
        ("ApplyChannel(party='Bob', channel='nope', targets=('b',), params=(0.1,))", ["unknown channel 'nope'"]),
    ],
)
def test_bad_channels_in_a_designer_file(tmp_path, extra, fragments):
    path = tmp_path / "bad.py"
    path.write_text(
        "from qproto.spec.teleportation import TELEPORTATION\n"
        "from qproto.spec import ApplyChannel\n"
        f"BAD = TELEPORTATION.variant('bad', steps=TELEPORTATION.steps + ({extra},))\n"
    )
    assert_bad_input(run_cli("verify", str(path)), *fragments)


def test_unnormalised_prepared_state_is_bad_input(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(
        "from qproto.spec.teleportation import TELEPORTATION\n"
        "from qproto.spec import Prepare\n"
        "BAD = TELEPORTATION.variant('bad', steps=(Prepare(party='Alice', registers=('q',), state='amplitudes', amplitudes=(1, 1)),) + TELEPORTATION.steps[1:])\n"
    )
    assert_bad_input(run_cli("verify", str(path)), "norm", "expected 1", "normalise")


# -- issue 11: output files, signals, determinism ----------------------------


def _no_temp_files(folder):
    return not [p for p in os.listdir(folder) if p.endswith(".tmp")]


def test_write_atomic_new_file_respects_the_umask(tmp_path):
    from qproto.atomic import write_atomic

    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "a.txt", "x")
        os.umask(0o077)
        write_atomic(tmp_path / "b.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.txt").stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o644, 0o755, 0o600, 0o640])
def test_write_atomic_keeps_the_mode_of_a_replaced_file(tmp_path, mode):
    from qproto.atomic import write_atomic

    target = tmp_path / "r.xml"
    target.write_text("old")
    target.chmod(mode)
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == mode


@pytest.mark.parametrize(
    "where, err",
    [
        ("fsync", errno.ENOSPC),
        ("fsync", errno.EIO),
        ("mkstemp", errno.EROFS),
        ("mkstemp", errno.EACCES),
        ("replace", errno.EXDEV),
    ],
)
def test_write_atomic_maps_os_errors_and_leaves_the_old_file(tmp_path, monkeypatch, where, err):
    import tempfile

    from qproto.atomic import OutputError, write_atomic

    target = tmp_path / "out.json"
    target.write_text("old")

    def fail(*a, **kw):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr({"fsync": os, "mkstemp": tempfile, "replace": os}[where], where, fail)
    with pytest.raises(OutputError) as info:
        write_atomic(target, "new")
    msg = str(info.value)
    assert str(target) in msg and "\n" not in msg
    assert target.read_text() == "old"
    assert _no_temp_files(tmp_path)


def test_write_atomic_on_a_full_disk_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    from qproto.cli import main

    def full(*a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    out = tmp_path / "m.png"
    assert main(["plot", "memory-wait", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no space left on device" in err and str(out) in err
    assert not out.exists() and _no_temp_files(tmp_path)


def test_read_only_folder_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    """As root chmod does not stop a write, so the OS refusal is simulated."""
    import tempfile

    from qproto.cli import main

    real_mkstemp = tempfile.mkstemp

    def read_only(*a, **kw):  # only the report's folder is read-only (not the result cache's)
        if os.path.samefile(kw.get("dir") or tempfile.gettempdir(), tmp_path):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_mkstemp(*a, **kw)

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    out = tmp_path / "r.xml"
    assert main(["verify", "teleportation", "--property", "outcomes-uniform", "--junit-xml", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "read-only file system" in err
    assert not out.exists()


def test_an_interrupt_during_a_write_removes_the_temporary_file(tmp_path, monkeypatch):
    from qproto.atomic import write_atomic
    from qproto.cli import Interrupted

    target = tmp_path / "t.npz"
    target.write_text("old")

    def interrupted(*a, **kw):
        raise Interrupted(signal.SIGTERM)

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(Interrupted):
        write_atomic(target, b"new")
    assert target.read_text() == "old" and _no_temp_files(tmp_path)


def test_sigterm_in_process_takes_the_interrupt_path(monkeypatch, capsys):
    """The handler main() installs turns SIGTERM into exit 143 (and puts the
    previous handler back afterwards)."""
    import qproto.cli.list_cmd as list_cmd
    from qproto.cli import main

    def send_sigterm(args):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises before this returns
        return 0

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(list_cmd, "run", send_sigterm)
    assert main(["list"]) == 143
    assert capsys.readouterr().err.strip() == "qproto: terminated"
    assert signal.getsignal(signal.SIGTERM) is before


def _handles_sigterm(pid: int) -> bool:
    """True once the process has a SIGTERM handler (/proc/PID/status SigCgt)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    except FileNotFoundError:
        return False
    return False


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc to see when the handler is installed")
def test_sigterm_on_a_real_run_exits_143_and_leaves_no_temporary_file(tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from qproto.cli import main; sys.exit(main())",
            "simulate",
            "bb84",
            "--rounds",
            str(10**11),
            "--seed",
            "1",
            "--no-progress",
        ],
        cwd=tmp_path,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(600):  # wait (up to a minute) until main() has installed its handler
            if _handles_sigterm(proc.pid) or proc.poll() is not None:
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, err
    assert err.strip().splitlines() == ["qproto: terminated"]
    assert _no_temp_files(tmp_path)


@pytest.mark.parametrize("kind", ["memory-wait", "repeater-hops"])
def test_svg_plots_are_byte_identical_from_run_to_run(tmp_path, kind):
    r1 = run_cli("plot", kind, "--out", str(tmp_path / "a.svg"))
    r2 = run_cli("plot", kind, "--out", str(tmp_path / "b.svg"))
    assert r1.code == 0 and r2.code == 0, (r1.err, r2.err)
    a, b = (tmp_path / "a.svg").read_bytes(), (tmp_path / "b.svg").read_bytes()
    assert a == b
    assert stat.S_IMODE((tmp_path / "a.svg").stat().st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_writing_to_a_device_never_replaces_it(tmp_path, capsys):
    """/dev/null is written to, not renamed over (the CLI may run as root)."""
    from qproto.cli import main

    assert main(["verify", "teleportation", "--property", "outcomes-uniform", "--junit-xml", "/dev/null"]) == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


# -- smoke tests in a real interpreter -----------------------------------------
# Everything above runs in-process; these few check what only a process
# shows. (The SIGTERM run above is one too.)


def test_smoke_exit_statuses_in_a_real_process():
    bad = cli("verify", "no-such-protocol")
    assert_bad_input(bad, "unknown protocol 'no-such-protocol'")
    refuted = cli("verify", "teleportation-dropped-bit")
    assert refuted.code == 1 and "Traceback" not in refuted.err, refuted.err
    assert "refuted" in refuted.out


def test_smoke_installed_console_script_and_python_dash_m():
    """The ``qproto`` script pyproject.toml installs, and ``python -m qproto``."""
    import shutil

    from qproto import __version__

    script = Path(sys.executable).with_name("qproto")
    if not script.exists():
        script = Path(shutil.which("qproto") or "")
    if script.name == "qproto" and script.exists():
        r = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0 and r.stdout.strip().startswith("qproto "), (r.stdout, r.stderr)
    r = subprocess.run([sys.executable, "-m", "qproto", "--version"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0 and r.stdout.strip() == f"qproto {__version__}", (r.stdout, r.stderr)
