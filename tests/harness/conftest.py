"""The toy paper, registered for the harness tests only."""

from __future__ import annotations

import pytest

from repro import claims, data


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch):
    """Register ``toy`` (tests/harness/toy_paper.py) and its dataset ``toy_data`` (absent unless
    ``$TOY_DATA`` names a file); yields the paper."""
    monkeypatch.setitem(claims.REGISTRY, "toy", "tests.harness.toy_paper")
    monkeypatch.setitem(data.DATASETS, "toy_data", ("tests.harness.toy_paper:require_toy_data", ()))
    monkeypatch.delenv("TOY_DATA", raising=False)
    from tests.harness.toy_paper import PAPER

    return PAPER
