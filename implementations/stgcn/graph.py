"""The skeleton graph of ST-GCN and its partition strategies (Yan et al. 2018, Sec. 3.4-3.6).

The neighbourhood of a joint is every joint within ``max_hop`` bones (every ``dilation``-th hop
distance). A partition strategy splits that neighbourhood into K subsets, one weight matrix each:

* ``uniform`` (uni-labelling, K=1): the whole neighbourhood is one subset.
* ``distance`` (distance partitioning, K=max_hop+1 for dilation 1): subset d holds the joints
  at hop distance d (d=0: the root joint itself).
* ``spatial`` (spatial configuration, K=3 for max_hop=1): the root joint; the *centripetal*
  neighbours, closer to the centre joint than the root; the *centrifugal* neighbours, the rest.
  Distances to the centre are true hop distances on the whole skeleton.
* ``spatial_reference``: what the official code (``net/utils/graph.py``) computes. It measures
  distances to the centre only up to ``max_hop`` and calls everything farther ∞; since
  ∞ == ∞, a neighbour pair that lies wholly beyond ``max_hop`` from the centre counts as
  "same distance" and joins the farther-or-equal subset in *both* directions. Its subsets are
  [root, farther-or-equal, closer] (the code's ``a_root + a_close`` holds the farther joints).
  For ``openpose`` this gives non-zeros [18, 25, 9] instead of the intended [18, 17, 17].

``A[k, v, w]`` is the weight with which joint ``v`` contributes to joint ``w`` in subset ``k``
(sources along rows, aggregation down the columns, as ``einsum('nkctv,kvw->nctw')`` uses it).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch

from implementations.gcn import normalized_adjacency
from repro.data.skeleton_layouts import Layout, get_layout

Strategy = Literal["uniform", "distance", "spatial", "spatial_reference"]
Normalization = Literal["column", "symmetric"]
STRATEGIES: tuple[str, ...] = ("uniform", "distance", "spatial", "spatial_reference")
NORMALIZATIONS: tuple[str, ...] = ("column", "symmetric")


def hop_distance(num_nodes: int, edges: tuple[tuple[int, int], ...], max_hop: int) -> np.ndarray:
    """(V, V) shortest-path lengths in bones, ∞ where longer than ``max_hop`` or unreachable."""
    adj = np.eye(num_nodes, dtype=bool)
    for i, j in edges:
        adj[i, j] = adj[j, i] = True
    dist = np.full((num_nodes, num_nodes), np.inf)
    reach = np.eye(num_nodes, dtype=bool)
    dist[reach] = 0
    for d in range(1, max_hop + 1):
        reach = (reach.astype(np.int64) @ adj.astype(np.int64)) > 0
        dist[reach & np.isinf(dist)] = d
    return dist


def normalize_column(a: np.ndarray) -> np.ndarray:
    """The reference code's normalisation A·Λ^-1, Λ_ii = Σ_j A_ji (column sums, so every
    joint's incoming weights sum to 1); all-zero columns stay zero."""
    deg = a.sum(axis=0)
    inv = np.where(deg > 0, 1.0 / np.where(deg > 0, deg, 1.0), 0.0)
    return a * inv[None, :]


class Graph:
    """The partitioned, normalised adjacency ``A`` (K, V, V) of a skeleton layout.

    Eq. (10) of the paper, f_out = Σ_k Λ_k^-1/2 A_k Λ_k^-1/2 f_in W_k, normalises each subset
    by its own degrees. Here, as in the official code, the *whole* neighbourhood is normalised
    once and then split, so the subsets always sum to the normalised neighbourhood;
    ``normalization`` picks how: ``column`` (the code's A·Λ^-1, the default) or ``symmetric``
    (the paper's Λ^-1/2 A Λ^-1/2 form, applied to the whole neighbourhood).

    Args:
        layout: a layout name from :mod:`repro.data.skeleton_layouts` or a ``Layout``.
        strategy: ``uniform``, ``distance``, ``spatial`` or ``spatial_reference`` (see the
            module docstring).
        max_hop: the neighbourhood radius D in bones (default 1, as in the paper).
        dilation: keep every ``dilation``-th hop distance.
        normalization: ``column`` or ``symmetric``.

    Example:
        >>> Graph("openpose", "spatial").A.shape
        (3, 18, 18)
    """

    def __init__(
        self,
        layout: str | Layout,
        strategy: Strategy = "spatial",
        max_hop: int = 1,
        dilation: int = 1,
        normalization: Normalization = "column",
    ) -> None:
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
        if normalization not in NORMALIZATIONS:
            raise ValueError(
                f"normalization must be one of {', '.join(NORMALIZATIONS)}, got {normalization!r}"
            )
        if max_hop < 1 or dilation < 1:
            raise ValueError(f"max_hop and dilation must be >= 1, got {max_hop} and {dilation}")
        self.layout = get_layout(layout)
        self.strategy = strategy
        self.max_hop = max_hop
        self.dilation = dilation
        self.normalization = normalization
        v = self.layout.num_joints
        self.hop = hop_distance(v, self.layout.edges, max_hop)
        hops = range(0, max_hop + 1, dilation)
        neighbourhood = np.isin(self.hop, list(hops)).astype(np.float64)
        if normalization == "column":
            self.full = normalize_column(neighbourhood)
        else:  # the paper's Λ^-1/2 A Λ^-1/2, GCN's symmetric normalisation
            self.full = normalized_adjacency(neighbourhood, dtype=np.float64)
        self.A = self._partition(hops)

    @property
    def num_subsets(self) -> int:
        return self.A.shape[0]

    @property
    def num_nodes(self) -> int:
        return self.layout.num_joints

    def tensor(self, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """``A`` as a tensor (K, V, V)."""
        return torch.as_tensor(self.A, dtype=dtype)

    def _partition(self, hops: range) -> np.ndarray:
        if self.strategy == "uniform":
            return self.full[None]
        if self.strategy == "distance":
            return np.stack([np.where(self.hop == h, self.full, 0.0) for h in hops])
        c = self.layout.center
        if self.strategy == "spatial":
            to_centre = hop_distance(self.num_nodes, self.layout.edges, self.num_nodes)[:, c]
        else:
            to_centre = self.hop[:, c]  # the official code: ∞ beyond max_hop
        # src_d[v, w]: distance of source v, dst_d[v, w]: distance of the root joint w
        src_d, dst_d = to_centre[:, None], to_centre[None, :]
        subsets = []
        for h in hops:
            in_hop = self.hop == h
            if h == 0:
                subsets.append(np.where(in_hop, self.full, 0.0))
                continue
            closer = in_hop & (src_d < dst_d)
            if self.strategy == "spatial":
                subsets += [
                    np.where(closer, self.full, 0.0),
                    np.where(in_hop & ~closer, self.full, 0.0),
                ]
            else:
                # inf == inf counts as "same distance" and falls in the first of the two
                subsets += [
                    np.where(in_hop & ~closer, self.full, 0.0),
                    np.where(closer, self.full, 0.0),
                ]
        return np.stack(subsets)

    def __repr__(self) -> str:
        extra = "".join(
            f", {k}={v!r}"
            for k, v, d in (
                ("max_hop", self.max_hop, 1),
                ("dilation", self.dilation, 1),
                ("normalization", self.normalization, "column"),
            )
            if v != d
        )
        return f"Graph({self.layout.name!r}, {self.strategy!r}{extra})"
