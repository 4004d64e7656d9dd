"""A pytest plugin for the speed-gate test only: our GCN's forward does its work twenty times.

Loaded with ``-p tests.harness.slowdown_plugin`` in a subprocess; never imported otherwise.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    from implementations.gcn import GCN

    forward = GCN.forward

    def twenty_times(self, *args, **kwargs):
        for _ in range(19):
            forward(self, *args, **kwargs)
        return forward(self, *args, **kwargs)

    GCN.forward = twenty_times
