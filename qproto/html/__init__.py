"""Static HTML: the verification report (``qproto verify --html DIR``) and the
catalogue reference (``qproto docs --out DIR``), with circuit and
state-machine diagrams drawn as inline SVG.  Pages open offline: CSS and
pictures are inline, and no page needs a script."""

from __future__ import annotations

from .report import preflight_dir, write_reference, write_report

__all__ = ["write_report", "write_reference", "preflight_dir"]
