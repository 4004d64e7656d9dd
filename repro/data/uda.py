"""Small real unsupervised-domain-adaptation benchmarks: features of two domains, one label set.

Folder layout under the data root (``uda/``)::

    office_caltech10_surf/{Caltech10,amazon,webcam,dslr}_SURF_L10.mat
        MATLAB v5: ``fts`` (N, 800) uint8 SURF visual-word counts, ``labels`` (N, 1) in 1..10
    mnist_usps_jda/MNIST_vs_USPS.mat
        MATLAB v7.3 (HDF5): ``Xs`` (2000, 256) MNIST, ``Xt`` (1800, 256) USPS, pixels in [0, 1]
        of 16×16 digits; ``Ys``, ``Yt`` (1, N) labels 1..10 (label k is digit k − 1)

Office-Caltech10 gets the standard preprocessing of the GFK package (Gong et al., CVPR 2012):
each histogram divided by its sum, then every feature z-scored within its domain (population
std, MATLAB's ``zscore(fts, 1)``). With it, 1-NN from source to target reproduces the published
1-NN row (average 31.4 %, ../shared/data/uda/README.md). The JDA digits are returned as stored.

:class:`DomainPair` is what an adaptation method trains on: labelled source, unlabelled target
(its labels kept for evaluation only), checked for the mistakes that would otherwise fail deep
inside training (an empty domain, differing feature shapes, a class set that differs, NaNs).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from repro.data import DataError, find_dataset, read_verified

#: sha256 of every file under ``<data root>/uda/``, from ../shared/data/uda/README.md.
SHA256 = {
    "office_caltech10_surf/Caltech10_SURF_L10.mat": (
        "4f9334c8ced489d5054de97a5fd51a61f017f3bcd1f38c9a85c6d78cb9d7bda5"
    ),
    "office_caltech10_surf/amazon_SURF_L10.mat": (
        "df32548b994e18d364c99e1f317e1fae100597259f0423a41b90f4f68187bb1f"
    ),
    "office_caltech10_surf/webcam_SURF_L10.mat": (
        "a6a9c78b4b7181dfbb58bcfd351d4ebd737f171c31247b8884948aa156d3f700"
    ),
    "office_caltech10_surf/dslr_SURF_L10.mat": (
        "44d673c68e1d07b837893aa74dba3b986e4a6cc3fd66f0dd357683bdef059216"
    ),
    "mnist_usps_jda/MNIST_vs_USPS.mat": (
        "7fbb67f14af7236e18a38dc8a0a836142361e9e720e4b763a5e2db511d306d6c"
    ),
}

#: Office-Caltech10 domains: one-letter name -> file stem.
OFFICE_CALTECH = {"C": "Caltech10", "A": "amazon", "W": "webcam", "D": "dslr"}

HOW_TO_GET = (
    "Get them with `repro data fetch uda` (the Office-Caltech10 SURF files from "
    "github.com/jindongwang/transferlearning, MNIST_vs_USPS.mat from github.com/chamwen/JPDA, "
    "at pinned commits, sha256 verified), or put them under <data root>/uda/ "
    "(see ../shared/data/uda/README.md)."
)


@dataclass(frozen=True)
class Domain:
    """Features (N, D) float32 and labels (N,) int64 in 0 … classes − 1 of one domain."""

    features: Tensor
    labels: Tensor
    name: str

    def __post_init__(self) -> None:
        if self.features.dim() < 2 or len(self.features) != len(self.labels):
            raise ValueError(
                f"{self.name}: features must be (N, ...) with one label each, got "
                f"{tuple(self.features.shape)} and {tuple(self.labels.shape)}"
            )
        if self.labels.dtype != torch.int64 or self.labels.dim() != 1:
            raise ValueError(f"{self.name}: labels must be a 1-D int64 tensor")


@dataclass(frozen=True)
class DomainPair:
    """A labelled source domain and an unlabelled target domain over the same ``classes``.

    The target's labels are only ever used to score predictions. Raises ``ValueError`` when a
    domain is empty, the two domains' features differ in shape after the batch dimension, a
    feature is NaN or infinite, or a label lies outside 0 … classes − 1 (the source must use
    every class: a classifier cannot learn one it never sees labelled).
    """

    source: Domain
    target: Domain
    classes: int

    def __post_init__(self) -> None:
        for d in (self.source, self.target):
            if len(d.labels) == 0:
                raise ValueError(f"domain {d.name} is empty: both domains need samples")
            if not torch.isfinite(d.features).all():
                raise ValueError(f"domain {d.name} has NaN or infinite features")
            if int(d.labels.min()) < 0 or int(d.labels.max()) >= self.classes:
                raise ValueError(
                    f"domain {d.name} has labels outside 0 … {self.classes - 1}: "
                    f"both domains must share the {self.classes} classes"
                )
        s, t = tuple(self.source.features.shape[1:]), tuple(self.target.features.shape[1:])
        if s != t:
            raise ValueError(
                f"source {self.source.name} features are {s} per sample, target "
                f"{self.target.name} {t}: both domains need the same feature shape"
            )
        seen = len(torch.unique(self.source.labels))
        if seen != self.classes:
            raise ValueError(
                f"source {self.source.name} has {seen} classes, the task {self.classes}: "
                "every class needs labelled source samples"
            )

    @property
    def name(self) -> str:
        return f"{self.source.name}→{self.target.name}"


def _read(name: str, data_root: str | os.PathLike[str] | None) -> bytes:
    folder = find_dataset("uda", data_root, HOW_TO_GET)
    return read_verified(folder / name, SHA256[name], HOW_TO_GET)


def load_office_caltech(domain: str, data_root: str | os.PathLike[str] | None = None) -> Domain:
    """One Office-Caltech10 domain (``C``, ``A``, ``W`` or ``D``): 800-d SURF features with the
    GFK preprocessing (row sums to 1, then per-domain z-scores), labels 0 … 9."""
    from scipy.io import loadmat

    if domain not in OFFICE_CALTECH:
        raise ValueError(f"domain must be one of {', '.join(OFFICE_CALTECH)}, got {domain!r}")
    name = f"office_caltech10_surf/{OFFICE_CALTECH[domain]}_SURF_L10.mat"
    mat = loadmat(io.BytesIO(_read(name, data_root)))
    if "fts" not in mat or "labels" not in mat:
        raise DataError(f"{name}: expected the keys fts and labels, found {sorted(mat)}")
    fts = mat["fts"].astype(np.float64)  # (N, 800)
    fts = fts / fts.sum(1, keepdims=True)
    std = fts.std(0)
    fts = (fts - fts.mean(0)) / np.where(std > 0, std, 1.0)  # MATLAB zscore leaves σ = 0 at 0
    labels = mat["labels"].ravel().astype(np.int64) - 1
    return Domain(torch.from_numpy(fts).float(), torch.from_numpy(labels), domain)


def verify_office_caltech(data_root: str | os.PathLike[str] | None = None) -> None:
    """Check that all four Office-Caltech10 files are present and intact."""
    for domain in OFFICE_CALTECH:
        load_office_caltech(domain, data_root)


def load_mnist_usps_jda(data_root: str | os.PathLike[str] | None = None) -> tuple[Domain, Domain]:
    """The JDA protocol's MNIST (2,000) and USPS (1,800) digits: 256 pixels in [0, 1] of a 16×16
    image each, labels 0 … 9 (the digit). Returns (MNIST, USPS)."""
    try:
        import h5py
    except ImportError:
        raise DataError(
            "reading mnist_usps_jda/MNIST_vs_USPS.mat (MATLAB v7.3) needs h5py: "
            "pip install h5py (the 'data' extra)"
        ) from None
    name = "mnist_usps_jda/MNIST_vs_USPS.mat"
    with h5py.File(io.BytesIO(_read(name, data_root)), "r") as f:
        missing = {"Xs", "Xt", "Ys", "Yt"} - set(f)
        if missing:
            raise DataError(f"{name}: missing datasets {sorted(missing)}")
        arrays = {k: np.asarray(f[k]) for k in ("Xs", "Xt", "Ys", "Yt")}

    def domain(x: str, y: str, label: str) -> Domain:
        labels = arrays[y].ravel().astype(np.int64) - 1
        return Domain(torch.from_numpy(arrays[x]).float(), torch.from_numpy(labels), label)

    return domain("Xs", "Ys", "MNIST"), domain("Xt", "Yt", "USPS")
