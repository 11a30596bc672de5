"""Reference test vectors: Wycheproof-style files generated from any spec,
and a checker that runs other implementations against them.

Generic over the catalogue: one generator per protocol *family*
(:mod:`qproto.vectors.registry`), so a designer's variant gets vectors
without new code.  The format is described by the JSON Schema shipped
here (``schema.json``) and in ``docs/vectors.md``.

>>> import qproto
>>> from qproto.vectors import generate, dumps
>>> doc = generate(qproto.find("superdense-coding"), seed=0)
>>> doc["numberOfTests"], doc["testGroups"][0]["tests"][0]["result"]
(16, 'valid')
>>> dumps(doc) == dumps(generate(qproto.find("superdense-coding"), seed=0))
True
"""

from __future__ import annotations

from .check import CheckReport, TestOutcome, check
from .format import SCHEMA_NAME, cases, dumps, load, schema, validate
from .generate import DEFAULT_COUNT, generate, generate_files
from .reference import adapter as reference_adapter
from .registry import FamilyGenerator, NoGeneratorError, families, family_generator, generator_for

__all__ = [
    "SCHEMA_NAME",
    "DEFAULT_COUNT",
    "generate",
    "generate_files",
    "dumps",
    "load",
    "validate",
    "schema",
    "cases",
    "check",
    "CheckReport",
    "TestOutcome",
    "reference_adapter",
    "FamilyGenerator",
    "NoGeneratorError",
    "families",
    "family_generator",
    "generator_for",
]
