"""The taxonomy's objectives (claims ssl_taxonomy.sec3.*), its model and its bad input."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from implementations.crrl import latent_similarity, masked_mse, pack_batch
from implementations.ssl_taxonomy import CONFIGS, GRID, TaxonomyModel, Weights, td_contrast
from implementations.ssl_taxonomy.paper import PAPER
from repro.experiment import deviation

SEEDS = st.integers(0, 2**32 - 1)


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_ssl_taxonomy_sec3_td_contrast_is_info_nce(seed):
    """ssl_taxonomy.sec3.td-contrast: on unit-norm reconstructions, contrastive TD equals
    InfoNCE at temperature τ·T·D/2."""
    claim = PAPER.claim("ssl_taxonomy.sec3.td-contrast")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_ssl_taxonomy_sec3_latent_similarity(seed):
    """ssl_taxonomy.sec3.latent-similarity: 2 − 2 cos = ||q̂ − ẑ||², scale invariant."""
    claim = PAPER.claim("ssl_taxonomy.sec3.latent-similarity")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_ssl_taxonomy_sec3_masked_reconstruction(seed):
    """ssl_taxonomy.sec3.masked-reconstruction: valid frames only, padding ignored."""
    claim = PAPER.claim("ssl_taxonomy.sec3.masked-reconstruction")
    assert deviation(claim, seed) <= claim.tolerance


@settings(max_examples=15, deadline=None)
@given(seed=SEEDS)
def test_ssl_taxonomy_sec3_grid_weighted_sum(seed):
    """ssl_taxonomy.sec3.grid: the combined loss is the weighted sum of the cells' losses."""
    claim = PAPER.claim("ssl_taxonomy.sec3.grid")
    assert deviation(claim, seed) <= claim.tolerance


def test_grid_has_four_single_cells_and_the_configs_weights():
    assert sorted(GRID) == [
        ("attractive", "BU"),
        ("attractive", "TD"),
        ("contrastive", "BU"),
        ("contrastive", "TD"),
    ]
    for cell in GRID.values():
        assert sum(w > 0 for _, w in CONFIGS[cell].weights.items()) == 1
    assert CONFIGS["moco+ae+ls"].weights == Weights(bu_con=1.0, td_att=50.0, bu_att=10.0)
    assert CONFIGS["butdcon"].temperature == 0.1


def test_latent_similarity_and_masked_mse_by_hand():
    q = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    z = torch.tensor([[0.0, 3.0], [0.0, 1.0]])  # cos 0 and cos 1: (2 + 0) / 2
    assert float(latent_similarity(q, z)) == pytest.approx(1.0)
    pred = torch.tensor([[[1.0, 1.0], [5.0, 5.0]], [[2.0, 0.0], [0.0, 0.0]]])
    # sequence 0: one valid frame, error mean(1, 1) = 1; sequence 1: two frames (4/2 + 0) / 2 = 1
    assert float(masked_mse(pred, torch.zeros_like(pred), torch.tensor([1, 2]))) == pytest.approx(
        1.0
    )


def _batch(n: int = 3, d: int = 6) -> torch.Tensor:
    clean = pack_batch([torch.randn(t, d) for t in range(2, 2 + n)])
    return torch.stack([clean, clean.clone(), clean.clone()])


def test_training_step_updates_queues_and_momentum_copies_only_by_momentum():
    torch.manual_seed(0)
    model = TaxonomyModel(6, 8, 4, CONFIGS["butdcon"].weights, 0.1, 5, 4, max_frames=8)
    key_before = [p.clone() for p in model.key_encoder.parameters()]
    model.train()
    loss = model(_batch())
    loss.backward()
    assert all(p.grad is None for p in model.key_encoder.parameters())
    assert all(p.grad is None for p in model.key_decoder.parameters())
    assert model.encoder.gru.weight_ih_l0.grad is not None
    assert int(model.bu_queue.ptr) == 3 and int(model.td_queue.ptr) == 3
    # after an optimiser step the next pass moves θ_k to m·θ_k + (1 − m)·θ_q
    torch.optim.SGD(model.parameters(), lr=0.5).step()
    query = [p.detach().clone() for p in model.encoder.parameters()]
    model(_batch())
    for k, k0, q in zip(model.key_encoder.parameters(), key_before, query, strict=True):
        torch.testing.assert_close(k, 0.999 * (0.999 * k0 + 0.001 * k0) + 0.001 * q)


def test_bad_input_raises_with_the_constraint():
    with pytest.raises(ValueError, match="at least one positive"):
        Weights()
    with pytest.raises(ValueError, match="non-negative"):
        Weights(bu_con=-1.0, td_att=1.0)
    with pytest.raises(ValueError, match="temperature must be positive"):
        TaxonomyModel(6, 8, 4, Weights(td_att=1.0), 0.0, 4, 4, 8)
    model = TaxonomyModel(6, 8, 4, Weights(td_att=1.0), 0.1, 4, 4, 8)
    with pytest.raises(ValueError, match=r"\(3, N, T, D \+ 1\)"):
        model(_batch()[0])
    with pytest.raises(ValueError, match="longer than max_frames"):
        model(torch.stack([pack_batch([torch.randn(9, 6)])] * 3))
    with pytest.raises(ValueError, match=r"frames must be \(N, T, 6\)"):
        model(_batch(d=9))
    rec = torch.zeros(2, 3, 4)
    with pytest.raises(ValueError, match=r"queue must be \(K, 3, 4\)"):
        td_contrast(rec, rec, torch.zeros(5, 3, 5), torch.tensor([3, 2]), 0.1)
    with pytest.raises(ValueError, match="temperature must be positive"):
        td_contrast(rec, rec, torch.zeros(5, 3, 4), torch.tensor([3, 2]), -1.0)
    with pytest.raises(ValueError, match=r"lengths must be \(N,\)"):
        masked_mse(rec, rec, torch.tensor([3]))


def test_all_zero_sequences_give_finite_losses():
    """Documented behaviour: all-zero coordinates are valid data; every objective stays finite."""
    torch.manual_seed(0)
    model = TaxonomyModel(6, 8, 4, CONFIGS["butdcon"].weights, 0.1, 4, 4, 8).eval()
    x = torch.stack([pack_batch([torch.zeros(3, 6), torch.zeros(5, 6)])] * 3)
    assert all(torch.isfinite(v) for v in model.losses(x).values())
