"""Every claim of every registered paper is measured somewhere, and its test exists.

- each claim is measured by exactly one thing: an identity claim by its check function (the
  runner measures it in every run size), any other claim by exactly one declared experiment;
- each experiment declares only known claims and known dataset names, and bounds no timed
  claim (``Claim.timed``) with a quick band: the tests make no timing assertions;
- each ``Claim.test`` names a test function that exists, in the file it names, and whose name
  or docstring carries the claim id (so that grep finds claim, test and code together).

Claims whose experiments need a dataset that is absent on this machine are listed in the
warning this module emits (a full run here would mark them "not run").
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import pytest

from repro.claims import registered_papers
from repro.data import DATASETS, DataError, require

ROOT = Path(__file__).resolve().parents[2]
PAPERS = registered_papers()


def _test_functions(path: Path) -> dict[str, str]:
    """name -> docstring of every test function in a file (module level or in classes)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name: ast.get_docstring(node) or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    }


def _id_in_name(claim_id: str, name: str) -> bool:
    return claim_id.replace(".", "_").replace("-", "_") in name


@pytest.mark.parametrize("paper", PAPERS, ids=lambda p: p.id)
def test_every_claim_is_measured_exactly_once(paper):
    declared: dict[str, list[str]] = {}
    for exp in paper.experiments():
        for cid in exp.claims:
            declared.setdefault(cid, []).append(exp.name)
        unknown_data = set(exp.data) - set(DATASETS)
        assert not unknown_data, f"{paper.id}: {exp.name} declares unknown data {unknown_data}"
    ids = {c.id for c in paper.claims}
    assert not set(declared) - ids, f"{paper.id}: experiments declare unknown claims"
    for claim in paper.claims:
        owners = declared.get(claim.id, [])
        if claim.kind == "identity":
            assert claim.check is not None, f"{claim.id}: identity claim without a check"
            assert not owners, f"{claim.id}: measured by its check and by {owners}"
        else:
            assert len(owners) == 1, f"{claim.id}: measured by {owners or 'no experiment'}"


@pytest.mark.parametrize("paper", PAPERS, ids=lambda p: p.id)
def test_no_quick_band_bounds_a_timed_value(paper):
    timed = {c.id for c in paper.claims if c.timed}
    for exp in paper.experiments():
        banded = timed & set(exp.quick_bands)
        assert not banded, f"{paper.id}: {exp.name} bands timed values {sorted(banded)}"


@pytest.mark.parametrize("paper", PAPERS, ids=lambda p: p.id)
def test_every_named_test_exists_and_carries_its_claim_id(paper):
    for claim in paper.claims:
        if claim.kind == "identity":
            assert claim.test, f"{claim.id}: identity claim names no property test"
        if not claim.test:
            continue
        path, _, name = claim.test.partition("::")
        assert name, f"{claim.id}: test {claim.test!r} is not 'path::function'"
        file = ROOT / path
        assert file.is_file(), f"{claim.id}: {path} does not exist"
        functions = _test_functions(file)
        assert name in functions, f"{claim.id}: no test {name} in {path}"
        assert _id_in_name(claim.id, name) or claim.id in functions[name], (
            f"{claim.id}: neither the name nor the docstring of {claim.test} carries the id"
        )


def test_every_declared_dataset_loads_or_says_what_is_missing():
    """Each dataset an experiment declares either verifies or raises DataError with a message
    (never another exception); the claims a full run here would leave "not run" are listed in a
    warning."""
    absent = []
    for paper in PAPERS:
        for exp in paper.experiments():
            for name in exp.data:
                try:
                    require(name)
                except DataError as e:
                    assert str(e), f"{name}: DataError without a message"
                    absent.append(f"{', '.join(exp.claims)} (dataset {name}: {e})")
    if absent:
        warnings.warn("claims not runnable here: " + "; ".join(absent), stacklevel=1)
