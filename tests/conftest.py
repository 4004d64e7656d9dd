"""Fixtures for the property tests: real datasets, skipped with a reason when absent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from repro.data import DataError, find_dataset


@pytest.fixture(scope="session")
def dataset() -> Callable[[str], Path]:
    """``dataset("planetoid")``: its folder, or a skip saying what is missing and how to fix it."""

    def find(name: str) -> Path:
        try:
            return find_dataset(name)
        except DataError as e:
            pytest.skip(f"real dataset {name!r} absent: {e}")

    return find
