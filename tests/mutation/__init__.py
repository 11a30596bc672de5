"""The spec-mutation campaign: mutate catalogue specs, verify each mutant with
qproto, and compare every verdict with a ground truth computed by a road that
shares no code with the checkers (numeric simulation, exhaustive
enumeration, attack search).  See ``core.py`` for the interface a family
module implements and ``benchmarks/mutation_campaign.py`` for the full run.
"""
