"""ST-GCN trained by the shared skeleton recipe (repro.skeleton_recipe): seeded end to end."""

from __future__ import annotations

import pytest
import torch

from implementations.stgcn.table1 import build
from repro.data.skeleton_synthetic import synthetic_actions
from repro.skeleton_recipe import AugmentedSequences, Recipe, evaluation_data, train_config
from repro.train import fit


@pytest.fixture(scope="module")
def split():
    return synthetic_actions(n_per_class=4, seed=3).cross_subject()


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
                train_config(1, len(train)),
                seed=0,
                test=evaluation_data(test, recipe),
            ).to_dict()
        )
    for h in histories:
        for e in h:
            e.pop("seconds")
    assert histories[0] == histories[1]
    assert histories[0][-1]["test_acc"] is not None
