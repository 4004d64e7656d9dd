"""``tox -e gpu``: every throughput suite with ``--device cuda`` and every paper's reproductions
on CUDA, written apart from the CPU record (``results/benchmarks/gpu/``, ``results/gpu/``), with
the card named in each file's environment; on a machine without a CUDA device, one line and
exit status 0.

Arguments after ``--`` go to pytest (e.g. ``tox -e gpu -- -k dcn``).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import torch

from repro import cli


def main(argv: Sequence[str] | None = None) -> int:
    if not torch.cuda.is_available():
        print(
            f"tox -e gpu: no CUDA device visible to torch {torch.__version__} "
            f"(CUDA build {torch.version.cuda}): nothing run; GPU columns stay 'not run: no GPU'"
        )
        return 0
    root = Path.cwd()
    print(f"tox -e gpu on {torch.cuda.get_device_name(0)}", flush=True)
    suites = subprocess.call(
        [
            sys.executable,
            "-m",
            "pytest",
            "suites/throughput",
            "--benchmark-only",
            "--device",
            "cuda",
            "--benchmark-autosave",
            f"--benchmark-storage=file://{root / 'results' / 'benchmarks' / 'gpu'}",
            *(argv if argv is not None else sys.argv[1:]),
        ]
    )
    runs = cli.main(["--results", "results/gpu", "run", "--all", "--device", "cuda"])
    table = cli.main(["--results", "results/gpu", "table", "--size", "default"])
    return suites or runs or table


if __name__ == "__main__":
    raise SystemExit(main())
