"""``qproto verify --html DIR``: the static report.

Plain checks (no browser): the HTML parses with balanced tags, every page
the index links exists, every SVG is well-formed XML, text is escaped (a
spec named ``<script>…`` is shown, not run), the verdict table has one row
per property of the specs given, a counterexample's changed cells are the
ones that differ from the row above, the folder is written atomically.

Browser checks: the pages open in headless Chromium (skipped, with the
reason, where no Chromium is installed; on Debian ``apt-get install
chromium``), render the verdict table, log no console error, and give a
non-blank screenshot.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qproto.spec.catalogue import find
from tests.helpers import assert_bad_input, run_cli

TARGETS = ("teleportation", "quantum-three-way-handshake", "quantum-handshake-leaks-pairs")
EVIL = '<script>alert("pwned")</script>'

EVIL_FILE = f"""
from qproto.spec.teleportation import TELEPORTATION

EVIL = TELEPORTATION.variant({EVIL!r}, summary="<b>not bold</b> & <i>not italic</i>")
"""

VOID = {"meta", "br", "img", "hr", "input", "link", "col", "area", "base", "source", "wbr"}
SVG_LEAF = {"line", "circle", "rect", "path", "stop", "ellipse", "polygon", "polyline", "use"}


class _Page(HTMLParser):
    """Collects links, ids, inline SVG, and checks that tags nest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    assert not page.errors, (path.name, page.errors[:5])
    assert not page.stack, (path.name, page.stack)
    return page


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("html")
    (root / "evil.py").write_text(EVIL_FILE, encoding="utf-8")
    out = root / "report"
    result = run_cli("verify", *TARGETS, str(root / "evil.py"), "--html", str(out), "--json", "-j", "1", "--no-cache")
    # the flawed variant is refuted, so the run is NOT OK: exit 1, report written all the same
    assert result.code == 1, result.err
    return out


def _verdict_rows(index_html: str) -> list[list[str]]:
    table = re.search(r'<table id="verdicts".*?<tbody>(.*?)</tbody>', index_html, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", r, re.S)] for r in rows]


# ---------------------------------------------------------------------------
# without a browser


def test_every_page_parses_and_every_link_resolves(site: Path):
    index = parse(site / "index.html")
    local = [h for h in index.links if not h.startswith(("http:", "https:"))]
    pages = {h.split("#")[0] for h in local}
    assert len(pages) == len(TARGETS) + 1  # one page per protocol, the evil one included
    for href in local:
        name, _, anchor = href.partition("#")
        target = site / name
        assert target.is_file(), href
        page = parse(target)
        if anchor:
            assert anchor in page.ids, href
        for link in page.links:
            if not link.startswith(("http:", "https:")):
                assert (site / link.split("#")[0]).is_file(), (name, link)


def test_the_verdict_table_lists_every_property_and_the_refutation(site: Path):
    html = (site / "index.html").read_text(encoding="utf-8")
    rows = _verdict_rows(html)
    expected = sum(len(find(t).properties) for t in TARGETS) + len(find("teleportation").properties)
    assert len(rows) == expected
    refuted = [r for r in rows if r[3].startswith("refuted")]
    # the leak is in the server's FIN handling: the release-on-termination invariant must fail, and only it
    assert [(r[0], r[1]) for r in refuted] == [("quantum-handshake-leaks-pairs", "termination-releases-pairs")]
    assert "NOT OK" in html and "termination-releases-pairs" in re.search(r'id="overall".*?</p>', html, re.S).group(0)


def test_counterexample_cells_are_highlighted_exactly_where_they_change(site: Path):
    html = (site / "quantum-handshake-leaks-pairs.html").read_text(encoding="utf-8")
    table = re.search(r'<table class="trace">.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    cells = [re.findall(r'<td( class="chg")?>(.*?)</td>', r, re.S) for r in rows]
    assert len(rows) >= 2
    changed_somewhere = 0
    for prev, row in zip(cells, cells[1:]):
        for (_, before), (mark, after) in zip(prev[2:], row[2:]):  # skip step and transition
            assert bool(mark) == (before != after), (before, after, mark)
            changed_somewhere += bool(mark)
    assert changed_somewhere > 0
    # the last state breaks the invariant: the server is back in LISTEN and still holds its halves
    last = [c for _, c in cells[-1]]
    head = re.findall(r"<th>(.*?)</th>", table.split("<tbody>")[0])
    state = dict(zip(head, last))
    assert state["s_state"] == "LISTEN"
    assert "true" in (state.get("s_fwd"), state.get("s_bwd"))


def test_svg_files_and_inline_svg_are_well_formed(site: Path):
    svgs = sorted(site.glob("*.svg"))
    assert {p.name for p in svgs} >= {"teleportation.circuit.svg", "quantum-three-way-handshake.machine.svg"}
    for p in svgs:
        ET.parse(p)
    for page in site.glob("*.html"):
        for inline in re.findall(r"<svg .*?</svg>", page.read_text(encoding="utf-8"), re.S):
            ET.fromstring(inline)


def test_circuit_diagram_shows_teleportation(site: Path):
    svg = ET.parse(site / "teleportation.circuit.svg").getroot()
    ns = "{http://www.w3.org/2000/svg}"
    texts = ["".join(t.itertext()) for t in svg.iter(f"{ns}text")]
    spec = find("teleportation")
    # one numbered column per step, a band per party, two meters, the two corrections as G^bit
    assert [str(i) for i in range(1, len(spec.steps) + 1)] == [t for t in texts if t.isdigit()]
    assert {"Alice", "Bob"} <= set(texts)
    assert {"Xm2", "Zm1"} <= set(texts)
    assert len([p for p in svg.iter(f"{ns}path") if " A " in p.get("d", "")]) == 2  # meter arcs
    assert sum(t.startswith("send → Bob") for t in texts) == 2


def test_state_machine_diagram_and_dot(site: Path):
    dot = (site / "quantum-three-way-handshake.machine.dot").read_text(encoding="utf-8")
    assert dot.startswith("// state machine") and "digraph" in dot
    svg_text = (site / "quantum-three-way-handshake.machine.svg").read_text(encoding="utf-8")
    spec = find("quantum-three-way-handshake")
    # every transition of the sound handshake can fire on some run, so each labels an arrow
    for t in spec.transitions:
        assert re.search(rf"[>, ]{t.name}[<,]", svg_text), t.name
        assert re.search(rf'label="[^"]*\b{t.name}\b', dot), t.name
    # the client's states as TCP names them, all reachable
    for state in ("CLOSED", "SYN_SENT", "ESTABLISHED", "FIN_WAIT"):
        assert f"c_state = {state}" in svg_text
    edges = re.findall(r"^\s*(s\d+) -> (s\d+)", dot, re.M)
    nodes = set(re.findall(r"^\s*(s\d+) \[", dot, re.M))
    assert edges and {a for e in edges for a in e} <= nodes


def test_text_is_escaped_not_executed(site: Path):
    pages = list(site.glob("*.html"))
    for p in pages:
        assert "<script" not in p.read_text(encoding="utf-8").lower(), p.name
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html
    evil_page = next(p for p in pages if p.name.startswith("script-alert"))
    text = "".join(parse(evil_page).text)
    assert EVIL in text and "<b>not bold</b> & <i>not italic</i>" in text
    assert "<b>not bold</b>" not in evil_page.read_text(encoding="utf-8")


def test_files_follow_the_umask_and_nothing_temporary_is_left(site: Path):
    names = {p.name for p in site.parent.iterdir()}
    assert not [n for n in names if n.endswith((".tmp", ".old"))], names
    for p in site.iterdir():
        assert p.stat().st_mode & 0o777 == 0o666 & ~_umask(), p.name


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_bad_folders_are_refused_before_any_proof(tmp_path: Path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert_bad_input(run_cli("verify", "teleportation", "--html", str(a_file)), "it is a file")
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    assert_bad_input(run_cli("verify", "teleportation", "--html", str(foreign)), "not written by qproto")
    assert (foreign / "notes.txt").read_text() == "keep me"


def test_a_failed_build_leaves_the_previous_report(tmp_path: Path, monkeypatch):
    from qproto.html import report as site_report

    out = tmp_path / "r"
    assert (
        run_cli("verify", "teleportation", "--property", "outcomes-uniform", "--html", str(out), "-j", "1", "--no-cache").code
        == 0
    )
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(site_report.Path, "write_bytes", broken)
    result = run_cli("verify", "teleportation", "--property", "no-signalling", "--html", str(out), "-j", "1", "--no-cache")
    assert_bad_input(result, "no space left on device")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


# ---------------------------------------------------------------------------
# in a real browser

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no headless Chromium found (tried " + ", ".join(BROWSERS) + "); on Debian: apt-get install chromium")


def _chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [_browser(), *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *extra, page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _console_errors(log: str) -> list[str]:
    return [
        line
        for line in log.splitlines()
        if "CONSOLE" in line or "Uncaught" in line or "net::ERR" in line or "Not allowed to load" in line
    ]


def _assert_non_blank_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    PIL = pytest.importorskip("PIL.Image")
    with PIL.open(path) as im:
        assert im.size == (1200, 900)
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, "the screenshot is (nearly) blank"


@pytest.mark.parametrize("page", ["index.html", "teleportation.html", "quantum-handshake-leaks-pairs.html"])
def test_page_renders_in_headless_chromium(site: Path, tmp_path: Path, page: str):
    shot = tmp_path / "shot.png"
    run = _chromium(site / page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,900")
    assert run.returncode == 0, run.stderr[-2000:]
    assert not _console_errors(run.stderr), _console_errors(run.stderr)
    _assert_non_blank_png(shot)


def test_chromium_dom_holds_the_verdict_table(site: Path, tmp_path: Path):
    run = _chromium(site / "index.html", tmp_path / "profile", "--dump-dom")
    assert run.returncode == 0, run.stderr[-2000:]
    assert not _console_errors(run.stderr), _console_errors(run.stderr)
    dom = run.stdout
    assert '<table id="verdicts"' in dom
    assert len(_verdict_rows(dom)) == len(_verdict_rows((site / "index.html").read_text(encoding="utf-8")))
    # the browser saw the evil name as text: no script element in the live DOM
    assert "<script" not in dom.lower() and "&lt;script&gt;" in dom


def test_the_console_check_catches_a_script_error(tmp_path: Path):
    """The browser checks above can fail: a page with a broken script is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><p>x</p><script>notDefined()</script></body></html>")
    run = _chromium(bad, tmp_path / "profile", "--dump-dom")
    assert any("notDefined" in line for line in _console_errors(run.stderr)), run.stderr[-2000:]


EXPECTED_FILE = """
from qproto.spec.circuit import Controlled
from qproto.spec.teleportation import TELEPORTATION

WRONG_BITS = TELEPORTATION.variant("my-wrong-bits", steps=TELEPORTATION.steps[:8] + (
    Controlled(party="Bob", gate="X", targets=("b",), when="m1", text="X^m1 (wrong bit)"),
    Controlled(party="Bob", gate="Z", targets=("b",), when="m2", text="Z^m2 (wrong bit)")))
EXPECTED_REFUTED = {"my-wrong-bits"}
"""


def test_a_declared_flawed_spec_is_reported_refuted_as_expected(tmp_path: Path):
    (tmp_path / "mine.py").write_text(EXPECTED_FILE, encoding="utf-8")
    out = tmp_path / "r"
    result = run_cli("verify", str(tmp_path / "mine.py"), "--html", str(out), "--json", "-j", "1", "--no-cache")
    assert result.code == 0, result.err  # caught as the file says: the run is OK
    index = (out / "index.html").read_text(encoding="utf-8")
    overall = re.search(r'id="overall".*?</p>', index, re.S).group(0)
    assert ">OK<" in overall and "NOT OK" not in index
    assert "refuted as expected" in index
    page = (out / "my-wrong-bits.html").read_text(encoding="utf-8")
    assert "refuted as expected" in re.search(r'class="verdict".*?</p>', page, re.S).group(0)
    rows = _verdict_rows(index)
    # X and Z controlled by the swapped bits leave Bob's qubit wrong for outcomes (0,1), (1,0)
    assert ("correction-restores-input", "refuted") in {(r[1], r[3].split()[0]) for r in rows}
