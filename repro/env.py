"""Environment fingerprint: what a number was measured on.

The same dictionary goes into every results file, ``repro env`` and pytest-benchmark's
``machine_info``. GPUs are read through nvidia-ml-py; with no driver the list is ``None`` and no
exception escapes.
"""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import torch


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_state(cwd: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Commit and dirty flag of the checkout (None where this is not a git checkout).

    Dirty means uncommitted changes to tracked files outside ``results/``: generated tables
    and plots do not change what a run computes.
    """
    cwd = cwd or Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10
        )
        if commit.returncode != 0:
            return {"commit": None, "dirty": None}
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!results"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def gpus() -> list[dict[str, Any]] | None:
    """Name, driver, CUDA driver version and memory of each NVIDIA GPU; None without a driver."""
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
    except Exception:  # NVMLError_LibraryNotFound, DriverNotLoaded, ...: no GPU here
        return None
    try:
        driver = _str(pynvml.nvmlSystemGetDriverVersion())
        cuda = pynvml.nvmlSystemGetCudaDriverVersion_v2()
        out = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            mem = pynvml.nvmlDeviceGetMemoryInfo(h)
            out.append(
                {
                    "index": i,
                    "name": _str(pynvml.nvmlDeviceGetName(h)),
                    "driver": driver,
                    "cuda_driver": f"{cuda // 1000}.{cuda % 1000 // 10}",
                    "memory_mib": mem.total // (1 << 20),
                }
            )
        return out
    except Exception:
        return None
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:
            pass


def _str(x: bytes | str) -> str:
    return x.decode() if isinstance(x, bytes) else x


def fingerprint() -> dict[str, Any]:
    """Python, torch, CPU, threads, load average, git commit and dirty flag, GPUs.

    ``load_1min`` is the machine's 1-minute load average when the fingerprint is taken (at the
    start of a run): timings taken above a load of about 0.5 on a 2-core machine are suspect.
    """
    state = git_state()
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda_build": torch.version.cuda,
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "load_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "commit": state["commit"],
        "dirty": state["dirty"],
        "gpus": gpus(),
    }


def device_name(device: str) -> str:
    """A readable name of the device a measurement ran on."""
    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(torch.device(device))
    return f"cpu ({cpu_model()})"
