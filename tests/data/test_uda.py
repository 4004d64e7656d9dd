"""The UDA feature sets: checksums, the published 1-NN rows, and a domain pair's input checks."""

from __future__ import annotations

import shutil

import pytest
import torch

from repro.data import DataError
from repro.data.uda import (
    OFFICE_CALTECH,
    Domain,
    DomainPair,
    load_mnist_usps_jda,
    load_office_caltech,
)
from repro.train import knn_accuracy

#: 1-NN accuracy (%) source -> target, JDA paper (Long et al., ICCV 2013) Table 2 "NN" column,
#: as verified in ../shared/data/uda/README.md
PUBLISHED_1NN_OFFICE_AVERAGE = 31.4
PUBLISHED_1NN_DIGITS = {("MNIST", "USPS"): 65.94, ("USPS", "MNIST"): 44.70}


def test_office_caltech_gfk_preprocessing_gives_the_published_1nn_average(dataset) -> None:
    """Row sums to 1, per-domain z-score: Euclidean 1-NN over the 12 tasks averages 31.4 %."""
    dataset("uda")
    domains = {d: load_office_caltech(d) for d in OFFICE_CALTECH}
    assert [len(domains[d].labels) for d in "CAWD"] == [1123, 958, 295, 157]
    for d in domains.values():
        assert d.features.shape[1] == 800 and set(d.labels.tolist()) == set(range(10))
        torch.testing.assert_close(d.features.mean(0), torch.zeros(800), atol=1e-4, rtol=0)
    accs = [
        knn_accuracy(s.features, s.labels, t.features, t.labels, metric="euclidean")
        for s in domains.values()
        for t in domains.values()
        if s is not t
    ]
    assert round(sum(accs) / len(accs), 1) == PUBLISHED_1NN_OFFICE_AVERAGE


def test_jda_digits_give_the_published_1nn_rows(dataset) -> None:
    dataset("uda")
    mnist, usps = load_mnist_usps_jda()
    assert mnist.features.shape == (2000, 256) and usps.features.shape == (1800, 256)
    assert torch.bincount(usps.labels).tolist()[:3] == [352, 241, 165]
    for (s, _), published in PUBLISHED_1NN_DIGITS.items():
        a, b = (mnist, usps) if s == "MNIST" else (usps, mnist)
        acc = knn_accuracy(a.features, a.labels, b.features, b.labels, metric="cosine")
        assert round(acc, 2) == published


def test_corrupt_or_missing_file_names_it(dataset, tmp_path) -> None:
    src = dataset("uda")
    folder = tmp_path / "uda" / "office_caltech10_surf"
    folder.mkdir(parents=True)
    shutil.copy(src / "office_caltech10_surf" / "dslr_SURF_L10.mat", folder)
    with pytest.raises(DataError, match=r"webcam_SURF_L10\.mat.*repro data fetch uda"):
        load_office_caltech("W", tmp_path)
    (folder / "dslr_SURF_L10.mat").write_bytes(b"MATLAB 5.0 truncated")
    with pytest.raises(DataError, match=r"checksum mismatch for .*dslr_SURF_L10\.mat"):
        load_office_caltech("D", tmp_path)
    with pytest.raises(ValueError, match="domain must be one of C, A, W, D"):
        load_office_caltech("X", tmp_path)


def _domain(n: int, dim: int = 3, classes: int = 2, name: str = "d") -> Domain:
    return Domain(torch.randn(n, dim), torch.arange(n) % classes, name)


def test_domain_pair_bad_input_raises_with_the_constraint() -> None:
    DomainPair(_domain(6), _domain(4), 2)  # well-formed
    with pytest.raises(ValueError, match="domain t is empty"):
        DomainPair(_domain(6), _domain(0, name="t"), 2)
    with pytest.raises(ValueError, match=r"features are \(3,\) per sample, target t \(5,\)"):
        DomainPair(_domain(6), _domain(4, dim=5, name="t"), 2)
    nan = _domain(4, name="t")
    nan.features[1, 2] = float("nan")
    with pytest.raises(ValueError, match="domain t has NaN or infinite features"):
        DomainPair(_domain(6), nan, 2)
    with pytest.raises(ValueError, match="labels outside 0 … 1: both domains must share"):
        DomainPair(_domain(6), _domain(6, classes=3, name="t"), 2)
    with pytest.raises(ValueError, match="source s has 2 classes, the task 3"):
        DomainPair(_domain(6, name="s"), _domain(6, classes=3), 3)
    with pytest.raises(ValueError, match="one label each"):
        Domain(torch.randn(3, 2), torch.zeros(4, dtype=torch.int64), "d")
