"""GPU power and utilisation sampling through NVML, turned into energy per sample.

:class:`PowerSampler` is a context manager that polls the board's power draw on a thread while
the block runs. Where the GPU supports it, the total-energy counter is read at both ends instead
(more exact than integrating samples). Without NVML or a GPU every method is a no-op and the
results are ``None``.
"""

from __future__ import annotations

import threading
import time
from typing import Any


class PowerSampler:
    def __init__(self, device_index: int = 0, interval_s: float = 0.01) -> None:
        self.device_index = device_index
        self.interval_s = interval_s
        self.joules: float | None = None
        self.mean_watts: float | None = None
        self.mean_utilisation: float | None = None
        self._nvml: Any = None
        self._handle: Any = None
        self._samples: list[tuple[float, float, float]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._energy0: int | None = None
        self._t0 = 0.0

    def __enter__(self) -> PowerSampler:
        try:
            import pynvml

            pynvml.nvmlInit()
            self._nvml = pynvml
            self._handle = pynvml.nvmlDeviceGetHandleByIndex(self.device_index)
        except Exception:
            self._nvml = None
            return self
        try:
            self._energy0 = self._nvml.nvmlDeviceGetTotalEnergyConsumption(self._handle)
        except Exception:
            self._energy0 = None
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                watts = self._nvml.nvmlDeviceGetPowerUsage(self._handle) / 1000.0
                util = float(self._nvml.nvmlDeviceGetUtilizationRates(self._handle).gpu)
                self._samples.append((time.perf_counter(), watts, util))
            except Exception:
                return
            self._stop.wait(self.interval_s)

    def __exit__(self, *exc: object) -> None:
        if self._nvml is None:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        elapsed = time.perf_counter() - self._t0
        if self._energy0 is not None:
            try:
                e1 = self._nvml.nvmlDeviceGetTotalEnergyConsumption(self._handle)
                self.joules = (e1 - self._energy0) / 1000.0  # mJ -> J
            except Exception:
                self.joules = None
        if self._samples:
            self.mean_watts = sum(s[1] for s in self._samples) / len(self._samples)
            self.mean_utilisation = sum(s[2] for s in self._samples) / len(self._samples)
            if self.joules is None:
                self.joules = self.mean_watts * elapsed
        try:
            self._nvml.nvmlShutdown()
        except Exception:
            pass

    def per_sample(self, n_samples: int) -> float | None:
        """Joules per processed sample, or None where energy could not be read."""
        if self.joules is None or n_samples <= 0:
            return None
        return self.joules / n_samples

    def extra_info(self, n_samples: int) -> dict[str, float | None]:
        return {
            "energy_j": self.joules,
            "energy_j_per_sample": self.per_sample(n_samples),
            "mean_power_w": self.mean_watts,
            "mean_gpu_util_pct": self.mean_utilisation,
        }
