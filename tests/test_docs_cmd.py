"""``qproto docs --out DIR``: the catalogue reference generated from the specs."""

from __future__ import annotations

import base64
import re
from html import unescape
from pathlib import Path

import pytest

from qproto.spec.catalogue import find, protocols
from tests.helpers import assert_bad_input, run_cli


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_reference_pages_state_what_the_specs_state(tmp_path: Path):
    out = tmp_path / "site"
    names = ["teleportation", "quantum-three-way-handshake"]
    result = run_cli("docs", "--out", str(out), *names, "--no-plots")
    assert result.code == 0, result.err
    assert "2 protocol pages" in result.out
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="verdicts"' not in index and "NOT OK" not in index  # a reference, not a report
    for name in names:
        spec = find(name)
        page = (out / f"{name}.html").read_text(encoding="utf-8")
        text = " ".join(_text(page).split())
        assert f'href="{name}.html"' in index
        for p in spec.properties:  # every statement, word for word, and its required strength
            assert " ".join(p.statement.split()) in text, p.id
        for r in spec.references:
            assert " ".join(r.cite.split()) in text
        assert "proved:" not in text and "refuted:" not in text  # no verdicts on a reference page
    assert (out / "teleportation.circuit.svg").is_file()
    assert (out / "quantum-three-way-handshake.machine.dot").is_file()


def test_qkd_pages_embed_their_plots(tmp_path: Path):
    out = tmp_path / "site"
    assert run_cli("docs", "--out", str(out), "e91").code == 0
    page = (out / "e91.html").read_text(encoding="utf-8")
    uris = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(uris) == 2  # QBER under intercept-resend, and the CHSH value (e91 has a Bell test)
    for u in uris:
        assert base64.b64decode(u)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def catalogue_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docs") / "site"
    assert run_cli("docs", "--out", str(out), "teleportation", "--no-plots").code == 0
    assert (out / "teleportation.html").is_file()
    assert run_cli("docs", "--out", str(out), "--no-plots").code == 0
    return out


def test_default_is_the_whole_catalogue_and_rerunning_replaces_it(catalogue_site: Path):
    pages = {p.stem for p in catalogue_site.glob("*.html")} - {"index"}
    assert pages == {s.name for s in protocols()}  # the folder was replaced, nothing stale is left
    for p in catalogue_site.glob("*.html"):
        assert "explanation failed" not in p.read_text(encoding="utf-8"), p.name


@pytest.mark.parametrize("page", ["index.html", "superdense-coding.html", "qtcp-two-stage.html"])
def test_reference_opens_in_headless_chromium(catalogue_site: Path, tmp_path: Path, page: str):
    from tests.test_html_report import _assert_non_blank_png, _chromium, _console_errors

    shot = tmp_path / "shot.png"
    run = _chromium(catalogue_site / page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,900")
    assert run.returncode == 0, run.stderr[-2000:]
    assert not _console_errors(run.stderr), _console_errors(run.stderr)
    _assert_non_blank_png(shot)


def test_bad_output_folder_is_refused(tmp_path: Path):
    a_file = tmp_path / "f"
    a_file.write_text("x")
    assert_bad_input(run_cli("docs", "--out", str(a_file)), "it is a file")
    assert_bad_input(run_cli("docs", "--out", str(tmp_path / "x"), "no-such-protocol"), "no-such-protocol")
