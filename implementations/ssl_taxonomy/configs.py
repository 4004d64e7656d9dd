"""The objectives the authors' configurations define (serre-lab/ssl_actionrec @16fc5aa,
``configs/NTU_*.yaml``): weights and temperature per model, and the 2×2 grid's cells.

The single-cell attractive-BU model (latent similarity alone) has no config of its own; it is
the grid's fourth cell, with the temperature unused.
"""

from __future__ import annotations

from dataclasses import dataclass

from implementations.ssl_taxonomy.objectives import Weights


@dataclass(frozen=True)
class Config:
    name: str
    weights: Weights
    temperature: float
    source: str


CONFIGS: dict[str, Config] = {
    "ae": Config(
        "attractive TD (auto-encoder)", Weights(td_att=1.0), 0.1, "NTU_AE.yaml (AutoEncPC)"
    ),
    "ls": Config(
        "attractive BU (latent similarity)", Weights(bu_att=1.0), 0.1, "grid cell, no config"
    ),
    "moco": Config(
        "contrastive BU (MoCo)", Weights(bu_con=1.0), 0.09, "NTU_BU_MOCO.yaml (MocoV2, T 0.09)"
    ),
    "tdcon": Config(
        "contrastive TD (reconstruction queue)",
        Weights(td_con=1.0),
        0.1,
        "NTU_TD_CON.yaml (TDCon, T 0.1)",
    ),
    "moco+ae": Config(
        "MoCo-BU + AE-TD",
        Weights(bu_con=1.0, td_att=50.0),
        0.05,
        "NTU_BUTD_MOCO.yaml (MocoPlusAE: bu 1, td 50, sim 0, T 0.05)",
    ),
    "moco+ae+ls": Config(
        "MoCo-BU + AE-TD + latent similarity",
        Weights(bu_con=1.0, td_att=50.0, bu_att=10.0),
        0.06,
        "NTU_BUTD_MOCO_LS.yaml (MocoPlusAE: bu 1, td 50, sim 10, T 0.06)",
    ),
    "butdcon": Config(
        "contrastive BU + contrastive TD + latent similarity",
        Weights(bu_con=1.0, td_con=1.0, bu_att=1.0),
        0.1,
        "NTU_BUTD_CON.yaml (MocoBUTDcon: bu 1, td 1, bu_sim 1, td_sim 0, T 0.1)",
    ),
}

#: (objective, space) -> the single-objective config of that cell
GRID: dict[tuple[str, str], str] = {
    ("attractive", "TD"): "ae",
    ("attractive", "BU"): "ls",
    ("contrastive", "BU"): "moco",
    ("contrastive", "TD"): "tdcon",
}
SINGLE: tuple[str, ...] = tuple(GRID.values())
COMBINED: tuple[str, ...] = ("moco+ae", "moco+ae+ls", "butdcon")
