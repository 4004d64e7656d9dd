"""The ``--device`` of a run reaches every model a CRRL or taxonomy job trains: the encoders'
pretraining and the supervised ST-GCN ceiling (their probes train on features moved to the CPU)."""

from __future__ import annotations

import pytest
import torch

from implementations.crrl import ProbeJob
from implementations.crrl import reproduce as crrl_run
from implementations.ssl_taxonomy import reproduce as taxonomy_run

DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(
            not torch.cuda.is_available(),
            reason="needs a CUDA GPU: the --device cuda path of the CRRL and taxonomy jobs",
        ),
    ),
]


def _tiny_job(module, root: str, device: str):
    sizes = dict(hidden=8, epochs=1, probe_epochs=2, max_frames=12, ceiling_width=4)
    emb = 4 if module is taxonomy_run else 0
    return ProbeJob("utk", 0, **sizes, ceiling_epochs=1, data_root=root, device=device, emb=emb)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("module", [crrl_run, taxonomy_run], ids=["crrl", "ssl_taxonomy"])
def test_job_trains_every_model_on_the_run_device(dataset, monkeypatch, module, device):
    import implementations.crrl.evaluation as evaluation

    seen: list[str] = []

    def spy(fit):
        def wrapped(model, *args, **kwargs):
            seen.append(next(model.parameters()).device.type)
            return fit(model, *args, **kwargs)

        return wrapped

    monkeypatch.setattr(module, "fit", spy(module.fit))
    monkeypatch.setattr(evaluation, "fit", spy(evaluation.fit))
    root = str(dataset("skeleton").parent)
    out = module.run_seed(_tiny_job(module, root, device))
    # pretraining runs (one per trained variant), then the ceiling; probes run on CPU features
    pretrained = [d for d in seen if d == device]
    assert len(pretrained) >= 2 and seen[-1] == device
    assert out.device == device and out.supervised is not None
    assert all(0.0 <= s.linear <= 100.0 for s in out.scores.values())
