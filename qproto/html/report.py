"""Writing a static site: the verification report and the catalogue reference.

``write_site(out, specs, verdicts)`` writes ``index.html``, one page per
protocol and each diagram's SVG (and DOT) file to the folder ``out``.  The
whole folder is built in a temporary folder beside ``out`` and renamed into
place at the end, so an error or a signal leaves the old folder (or none),
never a half-written one.  An existing folder is only replaced when it is
empty or was written by qproto (it holds :data:`MARKER`).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qproto.atomic import OutputError, current_umask, output_error
from qproto.proofs.verdict import Verdict
from qproto.replay import rendered_all
from qproto.spec.errors import QprotoError
from qproto.spec.protocol import Protocol

from .page import Diagram, Entry, Plot, index_page, protocol_page

#: The file that marks a folder as written by qproto (and so replaceable).
MARKER = ".qproto-site"


def slug(name: str) -> str:
    """A file-name-safe form of a protocol name.

    >>> slug("bb84")
    'bb84'
    >>> slug('<script>alert("x")</script>')
    'script-alert-x-script'
    """
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    return s or "protocol"


# ---------------------------------------------------------------------------
# the output folder


def preflight_dir(path: str | os.PathLike[str]) -> None:
    """Refuse, before any proof runs, a folder that cannot be written or
    must not be replaced (a file, no permission, a non-empty folder that is
    not a qproto site)."""
    target = Path(path)
    try:
        if target.exists():
            if not target.is_dir():
                raise OutputError(f"cannot write HTML folder {os.fspath(path)!r}: it is a file (give a folder)")
            if any(target.iterdir()) and not (target / MARKER).exists():
                raise OutputError(
                    f"cannot write HTML folder {os.fspath(path)!r}: it exists and was not written by qproto "
                    "(give a new or empty folder)"
                )
        parent = target.resolve().parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise OutputError(f"cannot write HTML folder {os.fspath(path)!r}: a parent folder is a file (choose a writable path)")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise OutputError(
                f"cannot write HTML folder {os.fspath(path)!r}: permission denied on {str(parent)!r} (choose a writable path)"
            )
    except OutputError:
        raise
    except OSError as exc:
        raise output_error(path, exc, "HTML folder") from None


def _publish(files: dict[str, str | bytes], out: Path) -> None:
    """Write ``files`` (relative name → content) as the folder ``out``, atomically."""
    preflight_dir(out)
    out = out.resolve()
    umask = current_umask()
    tmp: str | None = None
    old: str | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        for name, data in {**files, MARKER: "written by qproto; this folder is replaced as a whole\n"}.items():
            path = Path(tmp) / name
            path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
            os.chmod(path, 0o666 & ~umask)
        os.chmod(tmp, 0o777 & ~umask)
        if out.exists():
            old = tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent)
            os.rmdir(old)
            os.rename(out, old)
        os.rename(tmp, out)
        tmp = None
    except BaseException as exc:  # also a signal: put the previous site back
        if old is not None and not out.exists():
            os.rename(old, out)
            old = None
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise output_error(out, exc, "HTML folder") from None
        raise
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------
# what goes on a page


def diagram(spec: Protocol, base: str) -> tuple[Diagram | None, dict[str, str]]:
    """The spec's diagram and the files to write beside its page."""
    files: dict[str, str] = {}
    from qproto.spec.circuit import CircuitProtocol
    from qproto.spec.transition import TransitionSystem

    if spec.family == "circuit" and isinstance(spec, CircuitProtocol):
        from .circuit_svg import circuit_svg

        svg = circuit_svg(spec)
        files[f"{base}.circuit.svg"] = svg
        return Diagram(
            "circuit",
            svg=svg,
            files={"SVG": f"{base}.circuit.svg"},
            note="one column per step; wires grouped by who holds the qubit; double lines are "
            "classical bits; a diagonal is a send to another party",
        ), files
    if spec.family == "transition" and isinstance(spec, TransitionSystem):
        from .machine_svg import NotDrawable, machine, machine_dot, machine_svg

        try:
            m = machine(spec)
        except NotDrawable as exc:
            return Diagram("state machine", note=f"no diagram: {exc}"), files
        svg = machine_svg(m)
        files[f"{base}.machine.svg"] = svg
        files[f"{base}.machine.dot"] = machine_dot(m)
        hidden = f"; not shown: {', '.join(m.hidden)}" if m.hidden else ""
        partial = "" if m.complete else " (exploration stopped early: the graph is partial)"
        note = (
            f"{m.states} reachable states{partial}, drawn over {', '.join(m.variables)}{hidden}. "
            "An arrow A → t → B: some reachable state in A moves by transition t to one in B."
        )
        return Diagram(
            "state machine",
            svg=svg,
            files={"SVG": f"{base}.machine.svg", "Graphviz DOT (dot -Tsvg)": f"{base}.machine.dot"},
            note=note,
        ), files
    return None, files


def _plot_requests(spec: Protocol) -> list[tuple[str, str]]:
    from qproto.spec.qkd import EntanglementQKD, is_qkd

    if not is_qkd(spec):
        return []
    out = [("qber-vs-interception", "QBER under intercept-resend")]
    if isinstance(spec, EntanglementQKD) and spec.chsh:
        out.append(("chsh-vs-noise", "CHSH value against depolarizing noise"))
    return out


def plots(spec: Protocol) -> list[Plot]:
    """The ``qproto plot`` figures that take this protocol, as PNG data URIs."""
    wanted = _plot_requests(spec)
    if not wanted:
        return []
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return [Plot(title, note="matplotlib is not installed: plots skipped") for _, title in wanted]
    import argparse

    from qproto.cli.plot_cmd import render
    from qproto.plots import load

    kinds = load()
    out = []
    for kind_name, title in wanted:
        kind = kinds.get(kind_name)
        if kind is None:
            continue
        parser = argparse.ArgumentParser(add_help=False)
        kind.add_arguments(parser)
        try:
            args = parser.parse_args(["--protocol", spec.name])
            png = render(kind, args, "png")
        except QprotoError as exc:
            out.append(Plot(title, note=f"no plot: {exc}"))
            continue
        uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        out.append(Plot(title, data_uri=uri, note=f"as drawn by: qproto plot {kind_name} --protocol {spec.name}"))
    return out


def _explain(spec: Protocol) -> tuple[dict[str, Any] | None, str]:
    from qproto.explain import explain

    try:
        return explain(spec), ""
    except QprotoError as exc:
        return None, str(exc)
    except Exception as exc:  # a page must still be written; the failure is shown on it
        return None, f"{type(exc).__name__}: {exc}"


# ---------------------------------------------------------------------------
# the site


def build_files(
    specs: Iterable[Protocol],
    verdicts: list[Verdict] | None,
    *,
    title: str,
    seconds: float = 0.0,
    with_plots: bool = True,
    expected_refuted: Iterable[str] = (),
) -> dict[str, str | bytes]:
    """Every file of the site (relative name → content), without writing."""
    from qproto import report as text_report

    specs = list(specs)
    verdicts = None if verdicts is None else rendered_all(verdicts)  # replay records as the command lines a reader runs
    summary = None if verdicts is None else text_report.summary(verdicts, seconds, tuple(expected_refuted))
    files: dict[str, str | bytes] = {}
    entries: list[Entry] = []
    used: set[str] = set()
    for spec in specs:
        base = slug(spec.name)
        k = 2
        while base.lower() in used:
            base = f"{slug(spec.name)}-{k}"
            k += 1
        used.add(base.lower())
        mine = None if verdicts is None else [v for v in verdicts if v.protocol == spec.name]
        dia, extra = diagram(spec, base)
        files.update(extra)
        doc, err = _explain(spec)
        caught = summary is not None and spec.name in summary.get("refuted_as_expected", ())
        page = protocol_page(
            spec,
            doc,
            mine,
            dia,
            plots(spec) if with_plots else [],
            up="index.html",
            explain_error=err,
            refuted_as_expected=caught,
        )
        files[f"{base}.html"] = page
        entries.append(Entry(spec, f"{base}.html", mine))
    note = (
        "" if verdicts is not None else "Generated from the specs by `qproto docs`: every page is the spec as the code states it."
    )
    files["index.html"] = index_page(title, entries, summary, note=note)
    return files


def write_site(
    out: str | os.PathLike[str],
    specs: Iterable[Protocol],
    verdicts: list[Verdict] | None,
    *,
    title: str,
    seconds: float = 0.0,
    with_plots: bool = True,
    expected_refuted: Iterable[str] = (),
) -> list[str]:
    """Build the site and publish it as the folder ``out``; the file names written."""
    files = build_files(specs, verdicts, title=title, seconds=seconds, with_plots=with_plots, expected_refuted=expected_refuted)
    _publish(files, Path(out))
    return sorted(files)


def write_report(
    out: str | os.PathLike[str],
    specs: Iterable[Protocol],
    verdicts: list[Verdict],
    seconds: float,
    expected_refuted: Iterable[str] = (),
) -> list[str]:
    """The verification report (``qproto verify --html DIR``).  ``expected_refuted``
    names specs a designer file declares flawed (see :func:`qproto.report.summary`)."""
    return write_site(
        out, specs, verdicts, title="qproto verification report", seconds=seconds, expected_refuted=expected_refuted
    )


def write_reference(out: str | os.PathLike[str], specs: Iterable[Protocol], with_plots: bool = True) -> list[str]:
    """The catalogue reference (``qproto docs --out DIR``): the same pages, no verdicts."""
    return write_site(out, specs, None, title="qproto catalogue reference", with_plots=with_plots)


__all__ = ["write_report", "write_reference", "write_site", "build_files", "preflight_dir", "slug", "MARKER", "diagram", "plots"]
