"""The Planetoid citation datasets (Cora, Citeseer, Pubmed) with the standard semi-supervised split.

Files ``<root>/planetoid/ind.<name>.{x,y,tx,ty,allx,ally,graph,test.index}`` as published by
Yang et al. (ICML 2016) and used unchanged by Kipf & Welling. The pickles are Python-2 pickles of
numpy arrays, scipy CSR matrices and a ``defaultdict`` of adjacency lists; they are read through
:class:`RestrictedUnpickler`, which admits exactly those classes and refuses any other global, so a
tampered file cannot run code. Each file is read once, and its sha256 is checked (against the sums
below) on the very bytes that are then parsed.

The assembly follows the authors' ``load_data`` (tkipf/gcn): features are ``vstack(allx, tx)``
with the tx rows moved to their ``test.index`` positions; for Citeseer the 15 test ids without a
row in tx get zero features and no label (they are in no split); the graph is made undirected and
deduplicated, its few self-loops kept as 1 (so Ã = A + I has 2 there, as in the authors' code);
train = the first 20 per class (``range(len(y))``), val = the next 500, test = the sorted
``test.index`` (1000 nodes).
"""

from __future__ import annotations

import dataclasses
import io
import os
import pickle
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from repro.data import DataError, find_dataset, read_verified, verify_file

DATASETS = ("cora", "citeseer", "pubmed")
PARTS = ("x", "y", "tx", "ty", "allx", "ally", "graph", "test.index")

SHA256 = {
    "ind.citeseer.allx": "2ac30345d95c9ec933a817ee0bdd6a5f077f8c184a20e696910192d534414668",
    "ind.citeseer.ally": "f704b2d986dde6c2669934de1f3ae5696a6cf9455c0f6b2646a2d135ea0a1c95",
    "ind.citeseer.graph": "d79a4ef9d3e7169aee8946145f6b7306e35bc79bffad26346cfb94e10e9912a7",
    "ind.citeseer.test.index": "2af990671580b6b2df5d158d1038f8292e30c9cd821b5453f399659b25b723d4",
    "ind.citeseer.tx": "539a8906a2da97628d212f2fdd668c109a8b3f0d36574b59e5d3fd5b5303da21",
    "ind.citeseer.ty": "55e5bd1ba1e733a04598753ad1a8d57957f4b8f89e74519f41f4f4938767e4ce",
    "ind.citeseer.x": "d20de19150741e555de0ed037195630fc194114ebc7fd72ced62810148aa22f6",
    "ind.citeseer.y": "8ba87e515d8e3ee3cf52f6d2c5b86aa73f11ecad825a808455209ec26cd54924",
    "ind.cora.allx": "9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543",
    "ind.cora.ally": "2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71",
    "ind.cora.graph": "58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d",
    "ind.cora.test.index": "297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875",
    "ind.cora.tx": "b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a",
    "ind.cora.ty": "41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad",
    "ind.cora.x": "23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab",
    "ind.cora.y": "94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1",
    "ind.pubmed.allx": "508e538e2abdccdd54c4d3e9f49d638b4af7107d85845f66ddea5a5152658b7e",
    "ind.pubmed.ally": "0c37bbe3b5014ec365e9d393cf4791925e5ed94fb194305d74f064a8d7b50f0e",
    "ind.pubmed.graph": "5b89f0036ca22909471f1e6558eb42fa06e0c730a577bde5b058b40638f81dc9",
    "ind.pubmed.test.index": "b101d421688bbaecbd82e8a18f1e282378d6830f3a37666f28ebc47f844341b5",
    "ind.pubmed.tx": "4eb5f5d0f30f26497eb0ac6ac9719d09c67e284f1ed0385c93f3ef27a671da3d",
    "ind.pubmed.ty": "ee2e0d4819d9fbcc403689c3bf2e49face401b605932f093bc58ab6461130fdd",
    "ind.pubmed.x": "fbe9cb5c47200d1b7769a26e579be3b7130b556831f9d850e77c4c74f2599b33",
    "ind.pubmed.y": "e6c807633307a07ed659249006536a147c7999c797f11a2560752990181b41b3",
}

HOW_TO_GET = (
    "Get the Planetoid files with `repro data fetch planetoid` (downloads them from "
    "github.com/tkipf/gcn, gcn/data/, at a pinned commit, verifying sha256), or copy them "
    "from there into <data root>/planetoid/."
)


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the globals the Planetoid pickles need.

    Admitted: list, ``collections.defaultdict``, ``numpy.ndarray``, ``numpy.dtype``, numpy's
    array reconstructor and scipy's CSR matrix. Any other global (``os.system``,
    ``builtins.eval``, ...) raises :class:`pickle.UnpicklingError` before anything is called.
    """

    ALLOWED: ClassVar[dict[tuple[str, str], object]] = {
        ("__builtin__", "list"): list,
        ("builtins", "list"): list,
        ("collections", "defaultdict"): defaultdict,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("numpy.core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
        ("scipy.sparse.csr", "csr_matrix"): sp.csr_matrix,
        ("scipy.sparse._csr", "csr_matrix"): sp.csr_matrix,
    }

    def find_class(self, module: str, name: str) -> object:
        try:
            return self.ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to unpickle global {module}.{name}: the Planetoid files contain only "
                "numpy arrays, scipy CSR matrices and adjacency dicts"
            ) from None


def restricted_load(data: bytes, source: str = "<bytes>") -> object:
    """Unpickle Python-2 pickle bytes through :class:`RestrictedUnpickler`."""
    try:
        return RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()
    except pickle.UnpicklingError as e:
        raise DataError(f"{source}: {e}") from e
    except (EOFError, ValueError, TypeError) as e:
        raise DataError(f"{source}: malformed or truncated pickle ({e}). {HOW_TO_GET}") from e


@dataclass(frozen=True)
class Planetoid:
    """One citation graph with the standard split.

    ``features`` (N, F) CSR float32 (raw, not normalised); ``adj`` (N, N) CSR float32, symmetric,
    binary, self-loops as in the source; ``labels`` (N,) int64, -1 for the Citeseer nodes that
    have none; ``train``/``val``/``test`` int64 node indices.
    """

    name: str
    features: sp.csr_matrix
    adj: sp.csr_matrix
    labels: np.ndarray
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    @property
    def num_nodes(self) -> int:
        return self.adj.shape[0]

    @property
    def num_classes(self) -> int:
        return int(self.labels.max()) + 1


def _check_name(name: str) -> str:
    name = name.lower()
    if name not in DATASETS:
        raise ValueError(f"unknown Planetoid dataset {name!r}; choose from {', '.join(DATASETS)}")
    return name


def _files(name: str, data_root: str | os.PathLike[str] | None) -> list[Path]:
    """The eight files of dataset ``name``; :class:`DataError` naming any that are missing."""
    folder = find_dataset("planetoid", data_root, HOW_TO_GET)
    files = [folder / f"ind.{name}.{part}" for part in PARTS]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise DataError(f"{name}: missing {', '.join(missing)} in {folder}. {HOW_TO_GET}")
    return files


def verify(name: str, data_root: str | os.PathLike[str] | None = None) -> Path:
    """Check that every file of dataset ``name`` is present and intact; return the folder."""
    files = _files(_check_name(name), data_root)
    for f in files:
        verify_file(f, SHA256[f.name], HOW_TO_GET)
    return files[0].parent


def load(name: str, data_root: str | os.PathLike[str] | None = None) -> Planetoid:
    """Load Cora, Citeseer or Pubmed with the standard split.

    Each file is read once: its sha256 is checked on those bytes, and the same bytes are
    unpickled (through :class:`RestrictedUnpickler`) or parsed.
    """
    name = _check_name(name)
    raw = {
        part: read_verified(f, SHA256[f.name], HOW_TO_GET)
        for part, f in zip(PARTS, _files(name, data_root), strict=True)
    }
    obj = {
        part: restricted_load(raw[part], f"ind.{name}.{part}")
        for part in ("x", "y", "tx", "ty", "allx", "ally", "graph")
    }
    test_index = np.array(
        [int(line) for line in raw["test.index"].decode("ascii").split()], dtype=np.int64
    )
    tx, ty = sp.csr_matrix(obj["tx"]), np.asarray(obj["ty"])
    allx, ally = sp.csr_matrix(obj["allx"]), np.asarray(obj["ally"])
    test_sorted = np.sort(test_index)
    if name == "citeseer":
        # 15 ids in the test range have no row in tx/ty: pad zero rows, as tkipf/gcn does
        full = np.arange(test_index.min(), test_index.max() + 1)
        tx_ext = sp.lil_matrix((len(full), tx.shape[1]), dtype=np.float32)
        tx_ext[test_sorted - test_index.min(), :] = tx
        ty_ext = np.zeros((len(full), ty.shape[1]), dtype=ty.dtype)
        ty_ext[test_sorted - test_index.min(), :] = ty
        tx, ty = sp.csr_matrix(tx_ext), ty_ext
    features = sp.vstack([allx, tx]).tolil()
    features[test_index, :] = features[test_sorted, :]
    onehot = np.vstack([ally, ty])
    onehot[test_index, :] = onehot[test_sorted, :]
    labels = np.where(onehot.sum(1) > 0, onehot.argmax(1), -1).astype(np.int64)

    n = features.shape[0]
    graph = obj["graph"]
    if not isinstance(graph, dict):
        raise DataError(f"ind.{name}.graph: expected a dict of adjacency lists, got {type(graph)}")
    rows = np.fromiter((u for u, vs in graph.items() for _ in vs), dtype=np.int64)
    cols = np.fromiter((v for vs in graph.values() for v in vs), dtype=np.int64)
    if rows.size and (rows.max() >= n or cols.max() >= n or min(rows.min(), cols.min()) < 0):
        raise DataError(f"ind.{name}.graph: node id outside [0, {n}) (features have {n} rows)")
    adj = sp.coo_matrix((np.ones_like(rows, dtype=np.float32), (rows, cols)), shape=(n, n))
    adj = adj + adj.T  # undirected
    adj = sp.csr_matrix((adj > 0).astype(np.float32))  # deduplicated, binary

    n_train = len(obj["y"])
    return Planetoid(
        name=name,
        features=sp.csr_matrix(features, dtype=np.float32),
        adj=adj,
        labels=labels,
        train=np.arange(n_train, dtype=np.int64),
        val=np.arange(n_train, n_train + 500, dtype=np.int64),
        test=test_sorted,
    )


def random_split(data: Planetoid, seed: int) -> Planetoid:
    """``data`` with a seeded random split of the same sizes as its standard one.

    As many training nodes per class as the standard split has (20 per class in Cora, Citeseer
    and Pubmed), then as many validation and test nodes (500 and 1000), drawn without
    replacement from the other labelled nodes (Kipf & Welling's "random splits" row of Table 2).
    Nodes without a label (Citeseer's 15 featureless ones) are never drawn.
    """
    rng = np.random.default_rng(seed)
    labelled = np.flatnonzero(data.labels >= 0)
    per_class = np.bincount(data.labels[data.train], minlength=data.num_classes)
    train = []
    for c, k in enumerate(per_class):
        members = labelled[data.labels[labelled] == c]
        if k > len(members):
            raise ValueError(f"{data.name}: class {c} has {len(members)} labelled nodes, need {k}")
        train.append(rng.choice(members, size=k, replace=False))
    train_idx = np.sort(np.concatenate(train))
    rest = rng.permutation(np.setdiff1d(labelled, train_idx))
    n_val, n_test = len(data.val), len(data.test)
    if n_val + n_test > len(rest):
        raise ValueError(
            f"{data.name}: {len(rest)} labelled nodes left, need {n_val} + {n_test} for val + test"
        )
    return dataclasses.replace(
        data,
        train=train_idx,
        val=np.sort(rest[:n_val]),
        test=np.sort(rest[n_val : n_val + n_test]),
    )
