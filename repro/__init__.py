"""repro: the harness that runs ten papers' claims. It knows nothing about any single paper.

What every paper takes from here (a paper never writes its own):

- ``claims``: Paper, Claim, Measurement, the verdict rules, the registry of papers;
- ``experiment``: Experiment (claims + datasets an experiment declares), identity checks;
- ``runner``: run sizes, seeds over worker processes, missing data, judging;
- ``train``: the seeded minibatch loop, evaluation, linear probe, kNN;
- ``data``: dataset loaders with checksums and clear errors, digits and skeleton pipelines;
- ``timing``: the one timing policy; ``plots``: figure style and saving;
- ``results``, ``tables``, ``baselines``, ``stats``, ``env``, ``telemetry``: what a run writes.
"""
