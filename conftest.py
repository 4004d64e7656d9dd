"""Shared by tests/ and suites/: the device to run on, the size of accuracy runs, real data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from repro.data import DataError, find_dataset


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("repro")
    group.addoption(
        "--device",
        default="cpu",
        choices=("cpu", "cuda"),
        help="device for throughput suites and device-parametrised tests (default: cpu)",
    )
    group.addoption(
        "--full",
        action="store_true",
        help="run accuracy suites at the paper's protocol size instead of the quick size",
    )


@pytest.fixture(scope="session")
def device(request: pytest.FixtureRequest) -> str:
    """The device asked for with --device; skips when CUDA was asked for and is absent."""
    dev = request.config.getoption("--device")
    if dev == "cuda" and not torch.cuda.is_available():
        pytest.skip(
            f"--device cuda: torch {torch.__version__} sees no CUDA device "
            f"(CUDA build {torch.version.cuda}); run on a machine with an NVIDIA GPU"
        )
    return dev


@pytest.fixture(scope="session")
def dataset() -> Callable[[str], Path]:
    """``dataset("planetoid")``: its folder, or a skip saying what is missing and how to fix it."""

    def find(name: str) -> Path:
        try:
            return find_dataset(name)
        except DataError as e:
            pytest.skip(f"real dataset {name!r} absent: {e}")

    return find
