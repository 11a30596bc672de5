"""The result cache of ``qproto verify``: keys that tell different specs,
options and code apart; only deterministic verdicts stored; corrupt
entries recomputed; a warm run marked as such and light on imports."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qproto import cache as qcache
from qproto.cli import main
from qproto.proofs.verdict import Status, Verdict
from qproto.spec.catalogue import find
from qproto.spec.errors import ParameterError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("QPROTO_CACHE_DIR", str(d))
    return d


def _json(capsys, *args: str) -> dict:
    capsys.readouterr()
    main(["verify", *args, "--json", "-j", "1"])
    return json.loads(capsys.readouterr().out)


# -- keys ----------------------------------------------------------------------------
def test_a_changed_field_anywhere_changes_the_digest():
    bb84 = find("bb84")
    assert qcache.spec_digest(bb84) == qcache.spec_digest(find("bb84"))
    renamed = dataclasses.replace(bb84, name="bb84-copy")
    threshold = dataclasses.replace(bb84, abort_threshold="0.12")
    first = bb84.properties[0]
    reworded = dataclasses.replace(
        bb84, properties=(dataclasses.replace(first, statement=first.statement + "!"), *bb84.properties[1:])
    )
    digests = {qcache.spec_digest(s) for s in (bb84, renamed, threshold, reworded)}
    assert len(digests) == 4
    # a string and the number it spells are different content
    assert qcache.canonical(("0.5",)) != qcache.canonical((0.5,))
    assert qcache.canonical(True) != qcache.canonical(1)


def test_digest_is_the_same_in_other_processes():
    """No hash()-ordered set or address leaks into the key: the digest is
    computed again in processes with different hash seeds, and the sha256
    is recomputed here from the canonical text."""
    spec = find("teleportation")
    here = qcache.spec_digest(spec)
    assert here == hashlib.sha256(qcache.canonical(spec).encode()).hexdigest()
    code = (
        "from qproto.cache import spec_digest; from qproto.spec.catalogue import find; print(spec_digest(find('teleportation')))"
    )
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        ).stdout.strip()
        assert out == here


def test_a_value_without_stable_serialisation_is_not_cached():
    @dataclasses.dataclass(frozen=True)
    class Holder:
        fn: object

    assert qcache.spec_digest(Holder(lambda: 0)) is None


def test_key_covers_options_code_and_libraries(monkeypatch):
    spec = find("superdense-coding")
    digest = qcache.spec_digest(spec)
    k = lambda **o: qcache.property_key(digest, spec.family, spec.name, "decodes-both-bits", o)  # noqa: E731
    assert k(seed=1) == k(seed=1)
    assert (
        len(
            {
                k(seed=1),
                k(seed=2),
                k(seed=1, budget=5),
                k(seed=1, timeout=3.0),
                k(seed=1, bound=7),
                k(seed=1, sm_engine="z3"),
                k(seed=1, some_future_option=True),
            }
        )
        == 7
    )
    assert k(seed=1, progress=print) == k(seed=1)  # a callback is not part of a verdict
    assert qcache.keys_for(spec, ["decodes-both-bits"], {"odd": object()}) is None  # no stable text: not cached
    before = k(seed=1)
    monkeypatch.setattr(qcache, "_ENVIRONMENT", json.dumps({"source": "another build"}))
    assert k(seed=1) != before


def test_source_hash_follows_file_content(tmp_path, monkeypatch):
    f = tmp_path / "qproto" / "module.py"
    f.parent.mkdir()
    f.write_text("X = 1\n")
    monkeypatch.setattr(qcache, "_source_files", lambda: [f])
    first = qcache.source_hash()
    f.write_text("X = 2\n")
    assert qcache.source_hash() != first


# -- store ---------------------------------------------------------------------------
def _verdict(status: Status, **evidence) -> Verdict:
    return Verdict("p", "q", "algebra", status, {"summary": "s", **evidence}, 1.5, "stmt", "proved", False)


def test_only_deterministic_verdicts_are_stored(tmp_path):
    store = qcache.ResultCache(tmp_path)
    for i, status in enumerate(Status):
        store.put(f"{i:064x}", _verdict(status))
    stored = {s for i, s in enumerate(Status) if store.get(f"{i:064x}", "p", "q") is not None}
    assert stored == {Status.PROVED, Status.BOUNDED, Status.TESTED, Status.REFUTED, Status.LIMITATION}
    hit = store.get(f"{0:064x}", "p", "q")
    assert hit.status is Status.PROVED and hit.evidence["cached"] is True and hit.seconds == 0.0
    assert hit.evidence["computed_seconds"] == 1.5 and hit.evidence["computed_at"].endswith("+00:00")
    assert (tmp_path / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


@pytest.mark.parametrize("garbage", [b"", b"{", b"\xff\xfe", b'{"format": 1}', b'{"format": 1, "computed_at": 0, "verdict": []}'])
def test_a_corrupt_entry_is_ignored(tmp_path, garbage):
    store = qcache.ResultCache(tmp_path)
    key = "ab" * 32
    store.put(key, _verdict(Status.PROVED))
    path = next(tmp_path.rglob(f"{key}.json"))
    path.write_bytes(garbage)
    assert store.get(key, "p", "q") is None


# -- through the CLI -----------------------------------------------------------------
def test_warm_run_is_marked_cached_and_equal(capsys, cache_dir):
    cold = _json(capsys, "superdense-coding", "teleportation-causality")
    warm = _json(capsys, "superdense-coding", "teleportation-causality")
    assert all("cached" not in v["evidence"] for v in cold["verdicts"])
    assert all(v["evidence"]["cached"] is True for v in warm["verdicts"])
    strip = lambda vs: [
        {
            **v,
            "seconds": 0,
            "evidence": {
                k: x
                for k, x in v["evidence"].items()  # noqa: E731
                if k not in ("cached", "computed_at", "computed_seconds")
            },
        }
        for v in vs
    ]
    assert strip(warm["verdicts"]) == strip(cold["verdicts"])
    capsys.readouterr()
    main(["verify", "superdense-coding", "teleportation-causality", "-j", "1"])
    assert "2 of 2 protocols from cache" in capsys.readouterr().out
    # another property selection reuses the same entries
    one = _json(capsys, "teleportation-causality", "--engine", "statemachine")
    assert all(v["evidence"].get("cached") for v in one["verdicts"])


def test_no_cache_neither_reads_nor_writes(capsys, cache_dir):
    capsys.readouterr()
    main(["verify", "superdense-coding", "--no-cache", "--json"])
    assert not cache_dir.exists()
    _json(capsys, "superdense-coding")  # fills the cache
    capsys.readouterr()
    main(["verify", "superdense-coding", "--no-cache", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert "cached" not in doc["verdicts"][0]["evidence"]


def test_clear_cache_empties_it(capsys, cache_dir):
    _json(capsys, "superdense-coding")
    assert list(cache_dir.rglob("*.json"))
    doc = _json(capsys, "superdense-coding", "--clear-cache")
    assert "cached" not in doc["verdicts"][0]["evidence"]


def test_corrupt_entries_are_recomputed_without_traceback(capsys, cache_dir):
    cold = _json(capsys, "superdense-coding")
    for f in (cache_dir / "v1").rglob("*.json"):
        f.write_text("not json")
    again = _json(capsys, "superdense-coding")
    assert [v["status"] for v in again["verdicts"]] == [v["status"] for v in cold["verdicts"]]
    assert "cached" not in again["verdicts"][0]["evidence"]


def test_unwritable_cache_warns_and_still_verifies(capsys, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("QPROTO_CACHE_DIR", str(blocker / "cache"))  # a parent is a file
    capsys.readouterr()
    code = main(["verify", "superdense-coding", "-j", "1"])
    captured = capsys.readouterr()
    assert code == 0 and "proved" in captured.out
    assert "warning: result cache not written" in captured.err and "Traceback" not in captured.err


def test_cache_hit_imports_neither_sympy_nor_z3(tmp_path):
    """The warm path: keys, lookup and verdicts without the heavy engines."""
    code = f"""
import sys
from qproto.cache import ResultCache
from qproto.parallel import verify_specs
from qproto.spec.catalogue import find
specs = [find('superdense-coding'), find('teleportation-causality')]
if sys.argv[1] == 'cold':
    verify_specs(specs, cache=ResultCache({str(tmp_path)!r}))
else:
    out = verify_specs(specs, cache=ResultCache({str(tmp_path)!r}))
    assert out.protocols_from_cache == 2, out
    print(sorted(m for m in ('sympy', 'z3', 'scipy', 'hypothesis', 'numpy') if m in sys.modules))
"""
    subprocess.run([sys.executable, "-c", code, "cold"], cwd=ROOT, check=True, capture_output=True)
    warm = subprocess.run([sys.executable, "-c", code, "warm"], cwd=ROOT, check=True, capture_output=True, text=True)
    assert warm.stdout.strip() == "[]"


def test_library_versions_match_importlib_metadata():
    from importlib import metadata

    def installed(dist):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    assert qcache._library_versions() == {d: installed(d) for d in qcache.LIBRARIES}


def test_a_designer_file_is_cached_by_content(capsys, cache_dir, tmp_path):
    path = tmp_path / "my_specs.py"
    path.write_text('from qproto.spec.superdense import SUPERDENSE\nMINE = SUPERDENSE.variant("my-superdense")\n')
    first = _json(capsys, str(path))
    again = _json(capsys, str(path))
    assert all(v["evidence"].get("cached") for v in again["verdicts"])
    assert [v["status"] for v in again["verdicts"]] == [v["status"] for v in first["verdicts"]]
    # same name, other content: a different key, checked afresh
    path.write_text(
        'from qproto.spec.superdense import SUPERDENSE\nMINE = SUPERDENSE.variant("my-superdense", summary="edited")\n'
    )
    edited = _json(capsys, str(path))
    assert not any(v["evidence"].get("cached") for v in edited["verdicts"])


def test_sympy_values_keep_their_assumptions():
    import sympy as sp

    plain, positive = sp.Symbol("x"), sp.Symbol("x", positive=True)
    assert str(plain) == str(positive)
    assert qcache.canonical((plain,)) != qcache.canonical((positive,))
    assert qcache.canonical(sp.Rational(1, 2)) == qcache.canonical(sp.Rational(2, 4))


def test_a_folder_in_use_gets_no_gitignore(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    store = qcache.ResultCache(tmp_path)
    store.put("cd" * 32, _verdict(Status.PROVED))
    assert store.get("cd" * 32, "p", "q") is not None
    assert not (tmp_path / ".gitignore").exists() and not (tmp_path / "CACHEDIR.TAG").exists()
    with pytest.raises(ParameterError, match="not a qproto cache folder"):
        store.clear()
    assert (tmp_path / "notes.txt").read_text() == "mine"
