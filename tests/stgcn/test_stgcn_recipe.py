"""The Table 1 training recipe: batches built on demand, seeded, trained by repro.train.fit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from implementations.stgcn.recipe import AugmentedSequences, Recipe, evaluation_data, train_config
from implementations.stgcn.table1 import build
from repro.data.skeleton_layouts import get_layout
from repro.data.skeleton_synthetic import synthetic_actions
from repro.train import fit


@pytest.fixture(scope="module")
def split():
    return synthetic_actions(n_per_class=4, seed=3).cross_subject()


def test_batches_are_cropped_rotated_and_seeded(split):
    train, _ = split
    source = AugmentedSequences(train, Recipe(frames=16))
    idx = np.array([0, 3, 5])
    a = source.batch(idx, np.random.default_rng(7))
    assert a.shape == (3, 3, 16, 20, 1) and a.dtype == torch.float32
    torch.testing.assert_close(a, source.batch(idx, np.random.default_rng(7)), rtol=0, atol=0)
    assert not torch.equal(a, source.batch(idx, np.random.default_rng(8)))
    assert torch.equal(source.labels, torch.from_numpy(train.labels))


def test_evaluation_data_is_centred_and_resampled(split):
    _, test = split
    data = evaluation_data(test, Recipe(frames=16))
    assert data.inputs.shape == (len(test), 3, 16, 20, 1)
    root = get_layout(test.layout).root  # at the origin in the first frame
    assert data.inputs[:, :, 0, root].abs().max() == 0
    assert torch.equal(data.labels, torch.from_numpy(test.labels))


def test_training_is_seeded(split):
    train, test = split
    recipe = Recipe(frames=16)
    histories = []
    for _ in range(2):
        torch.manual_seed(0)
        model = build("spatial+M", len(train.classes), train.layout, base_width=8)
        histories.append(
            fit(
                model,
                AugmentedSequences(train, recipe),
                train_config(1),
                seed=0,
                test=evaluation_data(test, recipe),
            ).to_dict()
        )
    for h in histories:
        for e in h:
            e.pop("seconds")
    assert histories[0] == histories[1]
    assert histories[0][-1]["test_acc"] is not None


def test_recipe_rejects_bad_values():
    with pytest.raises(ValueError, match="frames must be positive"):
        Recipe(frames=0)
    with pytest.raises(ValueError, match=r"min_crop must be in \(0, 1\]"):
        Recipe(min_crop=1.5)
