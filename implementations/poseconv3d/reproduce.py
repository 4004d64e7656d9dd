"""PoseConv3D's experiments at CPU scale.

- The comparison with ST-GCN (:func:`run_comparison`): on MSR Action3D (odd/even subjects, and
  the 10 subject splits) and UTKinect-Action3D (odd/even), PoseConv3D on joint and on limb
  volumes and ST-GCN are trained from the same seeds on the same projected 2D sequences
  (:mod:`implementations.poseconv3d.comparison`); the orderings are judged on the paired
  per-seed (per-split) differences; on the odd/even splits the same models are tested under
  dropped keypoints and coordinate noise (the robustness claims and curves).
- The ablation (:func:`run_ablation`): subject-centred cropping against whole-image volumes,
  and a σ and heatmap-resolution sweep, on the joint model (UTKinect odd/even).
- The architecture: parameters and multiply-adds of the full-width SlowOnly-R50 of the paper
  (:func:`run_architecture`), counted, not trained.
- The scalability in persons (:func:`run_scalability`): multiply-adds, time and memory of both
  models on 1 … 8 copies of a real skeleton, with fitted exponents.
- The paper's main results on NTU RGB+D, Kinetics-400 and FineGYM: "not run", their data are
  not available here (:func:`run_main_results`).

Run sizes (:func:`setting_for`; CPU time on one core, measured under load and so approximate):

- quick (CI): the comparison and the ablation on UTKinect only, 1 seed of 2 epochs at chance
  level (a smoke test: every claim "inconclusive"); about 15 s of CPU time.
- default: MSR Action3D and UTKinect odd/even, 2 seeds, 8 frames × 16² volumes, SlowOnly base
  width 4, ST-GCN widths 8-16-32, 12 (MSR) / 20 (UTK) epochs: about 120 s of CPU time (measured
  113 s user; 3.7 min of wall time with ``--jobs 1`` at load 3.5 on 2 cores, about 2 min on a
  quiet core); the networks are under-trained at this size and the
  intervals of 2 seeds are wide: it exercises the pipeline, it does not judge the claims. The
  ablation is not run at this size.
- full: 10 seeds on each odd/even split and the 10 subject splits of MSR Action3D, 12 frames ×
  24² volumes, base width 6, ST-GCN widths 16-32-64 on 48 frames, 25 (MSR) / 50 (UTK) epochs;
  the ablation's 6 variants × 10 seeds on UTKinect. One UTKinect seed took 53 s (joint), about
  as long for limb, and 42 s (ST-GCN) of CPU time: about 3 hours of CPU time in all (2 for the
  comparisons, 1 for the ablation). Measured at commit 75ad0c2 with ``--jobs 2``: 22 of its 90
  jobs in 52 min (part of it beside a CI run), the other 68 in 1 931 s after a resume (load 1.2
  at its start): about 85 min of wall time on 2 cores (the c7e1b47 run: 6 896 s in one go).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np
import torch

from implementations.poseconv3d.clips import ClipSpec, PoseClips
from implementations.poseconv3d.comparison import (
    DROPS,
    MODELS,
    NOISES,
    Outcome,
    Setting,
    build,
    train_and_test,
    train_joint,
)
from implementations.poseconv3d.heatmaps import keypoints_to_heatmaps
from implementations.poseconv3d.paper import DATASETS, MAIN_RESULTS
from implementations.poseconv3d.slowonly import SlowOnly3D
from implementations.swin import count_macs, count_params
from repro import plots, stats
from repro.claims import Measurement
from repro.data.skeleton import LOADERS, load_msr_action3d, load_utkinect
from repro.experiment import Experiment
from repro.runner import RunContext
from repro.skeleton_recipe import Recipe, floors, splits
from repro.timing import autograd_saved_bytes, best_time, clock_name, fitted_exponent

#: The paper's NTU-60 model: 17 COCO keypoints, 60 classes, a 48 × 56 × 56 training clip.
NTU_JOINTS, NTU_CLASSES, NTU_CLIP = 17, 60, (48, 56, 56)


#: the dataset (loader key) and protocol (of :func:`repro.skeleton_recipe.splits`) of each key
PROTOCOLS = {"msr": ("msr", "odd-even"), "msr10": ("msr", "ten-splits"), "utk": ("utk", "odd-even")}
#: the corruption the robustness claims are judged at: the largest of each grid
DROP_JUDGED, NOISE_JUDGED = DROPS[-1], NOISES[-1]


def setting_for(ctx: RunContext, dataset: str) -> Setting:
    """The sizes of a run: quick (seconds), default (minutes), full (hours; see the module's
    docstring)."""
    few = dataset == "utk"  # 100 training sequences instead of ~280: more epochs
    return ctx.pick(
        Setting(8, 16, gcn_frames=16, base_width=2, gcn_width=4, epochs=2),
        Setting(8, 16, gcn_frames=32, base_width=4, gcn_width=8, epochs=20 if few else 12),
        Setting(12, 24, gcn_frames=48, base_width=6, gcn_width=16, epochs=50 if few else 25),
    )


@dataclass(frozen=True)
class Job:
    key: str
    split: int
    seed: int
    setting: Setting
    data_root: str | None


def run_job(job: Job) -> tuple[Outcome, str]:
    """Train and test the three models of one seed on one split; with the split's floors."""
    dataset, protocol = PROTOCOLS[job.key]
    split = splits(LOADERS[dataset](job.data_root), protocol, job.data_root)[job.split]  # type: ignore[arg-type]
    outcome = train_and_test(split.train, split.test, job.setting, job.seed)
    fl = floors(split.train, split.test, Recipe())
    return outcome, f"1-NN {fl.nearest_neighbour:.1f}, ridge {fl.ridge:.1f}"


def _mean_std(values: list[float]) -> str:
    mean, std = stats.mean_std(values)
    return f"{mean:.1f} ± {std:.1f}"


def _summary(outcomes: list[Outcome], floors_seen: list[str]) -> str:
    names = (*MODELS, "joint+limb")
    test = ", ".join(f"{m} {_mean_std([o.clean[m] for o in outcomes])}" for m in names)
    train = ", ".join(f"{m} {_mean_std([o.train_acc[m] for o in outcomes])}" for m in MODELS)
    return (
        f"test top-1 % (mean ± std, n={len(outcomes)}): {test}; last-epoch train accuracy "
        f"(augmented, dropout on): {train}; floors on the recipe's 3D coordinates (test %): "
        f"{'; '.join(sorted(set(floors_seen)))}"
    )


def _drops(outcomes: list[Outcome], model: str, what: str, level: int) -> list[float]:
    """Per seed: clean accuracy minus accuracy under corruption ``level`` of grid ``what``."""
    return [getattr(o, what)[model][0] - getattr(o, what)[model][level] for o in outcomes]


def comparison_claims(key: str) -> list[str]:
    """The claims of one protocol: three orderings, and on odd/even splits the robustness."""
    claims = [
        f"poseconv3d.sec4.joint-vs-stgcn-{key}",
        f"poseconv3d.sec4.fusion-vs-joint-{key}",
        f"poseconv3d.sec4.limb-vs-joint-{key}",
    ]
    if PROTOCOLS[key][1] == "odd-even":
        claims += [f"poseconv3d.sec4.robust-drop-{key}", f"poseconv3d.sec4.robust-noise-{key}"]
    return claims


def run_comparison(key: str, ctx: RunContext) -> Iterator[Measurement]:
    """PoseConv3D (joint, limb, fusion) against ST-GCN on one protocol (claim-id key ``key``).

    Odd/even splits: ``n`` seeds on the one split (quick 1, default 2, full 10). The 10 subject
    splits (full size only): seed i on split i. Robustness is measured on the odd/even splits.
    """
    dataset, protocol = PROTOCOLS[key]
    robust = protocol == "odd-even"
    claims = comparison_claims(key)
    if ctx.size == "quick" and key != "utk":
        for cid in claims:
            yield Measurement.not_run(cid, "quick runs compare on UTKinect-Action3D only")
        return
    if ctx.size != "full" and not robust:
        for cid in claims:
            yield Measurement.not_run(cid, "the 10-split protocol runs at --full size only")
        return
    setting = setting_for(ctx, dataset)
    if robust:
        jobs = [Job(key, 0, seed, setting, ctx.data_root) for seed in range(ctx.n_seeds(1, 2, 10))]
    else:
        jobs = [Job(key, i, i, setting, ctx.data_root) for i in range(10)]
    results = ctx.map(run_job, jobs, desc=f"poseconv3d {key}")
    outcomes = [o for o, _ in results]
    summary = _summary(outcomes, [f for _, f in results])
    ctx.log(f"poseconv3d {key}: {summary}")
    seconds = sum(o.seconds for o in outcomes)
    where = f"{DATASETS[key]}; 2D pinhole projection; {setting.describe()}"
    clean = {m: [o.clean[m] for o in outcomes] for m in (*MODELS, "joint+limb")}
    common = {"dataset": where, "seconds": seconds, "device": "cpu"}
    yield Measurement.paired_gap(claims[0], clean["joint"], clean["stgcn"], note=summary, **common)
    yield Measurement.paired_gap(
        claims[1], clean["joint+limb"], clean["joint"], note=summary, **common
    )
    yield Measurement.paired_gap(claims[2], clean["limb"], clean["joint"], note=summary, **common)
    if not robust:
        return
    for cid, what, grid, level in (
        (claims[3], "drop", DROPS, DROP_JUDGED),
        (claims[4], "noise", NOISES, NOISE_JUDGED),
    ):
        i = grid.index(level)
        curves = "; ".join(
            f"{m}: "
            + ", ".join(
                f"{g:g}: {_mean_std([getattr(o, what)[m][j] for o in outcomes])}"
                for j, g in enumerate(grid)
            )
            for m in ("joint", "stgcn")
        )
        yield Measurement.paired_gap(
            cid,
            _drops(outcomes, "stgcn", what, i),
            _drops(outcomes, "joint", what, i),
            note=f"accuracy (%) by {what} level, mean ± std: {curves}",
            **common,
        )
    if ctx.plots_dir is not None:
        plot_robustness(ctx.plots_dir / f"poseconv3d_robustness_{key}.png", outcomes, where)


#: The ablation's variants of the full-size joint model: name -> changes to its Setting.
ABLATIONS: dict[str, dict[str, object]] = {
    "as trained": {},
    "no subject crop": {"crop": False},
    "σ = 0.3": {"sigma": 0.3},
    "σ = 1.2": {"sigma": 1.2},
    "16² heatmaps": {"size": 16},
    "32² heatmaps": {"size": 32},
}


@dataclass(frozen=True)
class AblationJob:
    variant: str
    seed: int
    setting: Setting
    data_root: str | None


def run_ablation_job(job: AblationJob) -> float:
    train, test = load_utkinect(job.data_root).cross_subject()
    return train_joint(train, test, replace(job.setting, **ABLATIONS[job.variant]), job.seed)


def run_ablation(ctx: RunContext) -> Iterator[Measurement]:
    """Subject-centred cropping, σ and heatmap resolution, one joint model per variant and seed
    on UTKinect odd/even (quick: a 1-seed smoke test; default: not run; full: 10 seeds)."""
    cid = "poseconv3d.sec3.crop-utk"
    if ctx.size == "default":
        yield Measurement.not_run(
            cid, "the ablation runs at --full size (and as a quick smoke test)"
        )
        return
    setting = setting_for(ctx, "utk")
    seeds = ctx.n_seeds(1, 2, 10)
    jobs = [AblationJob(v, s, setting, ctx.data_root) for s in range(seeds) for v in ABLATIONS]
    acc = {v: [] for v in ABLATIONS}
    for job, a in zip(
        jobs, ctx.map(run_ablation_job, jobs, desc="poseconv3d ablation"), strict=True
    ):
        acc[job.variant].append(a)
    sweep = ", ".join(f"{v}: {_mean_std(a)}" for v, a in acc.items())
    ctx.log(f"poseconv3d ablation (UTKinect, joint, test %): {sweep}")
    if ctx.plots_dir is not None:
        plot_ablation(ctx.plots_dir / "poseconv3d_ablation.png", acc, setting)
    yield Measurement.paired_gap(
        cid,
        acc["as trained"],
        acc["no subject crop"],
        dataset=f"{DATASETS['utk']}; 2D pinhole projection; {setting.describe()}",
        device="cpu",
        note=f"test top-1 % (mean ± std, n={seeds}) by variant: {sweep}",
    )


def plot_ablation(path: Path, acc: dict[str, list[float]], setting: Setting) -> Path:
    fig, axes = plots.figure(1, 1, figsize=(7.0, 3.8))
    ax = axes[0, 0]
    names = list(acc)
    means = [np.mean(acc[v]) for v in names]
    stds = [np.std(acc[v], ddof=1) if len(acc[v]) > 1 else 0.0 for v in names]
    ax.bar(range(len(names)), means, yerr=stds, capsize=3)
    ax.set_xticks(range(len(names)), names, rotation=20)
    ax.set_ylabel("test top-1 accuracy (%)")
    n = len(acc[names[0]])
    plots.title(
        ax,
        f"PoseConv3D (joint) on UTKinect odd/even, variants of: {setting.describe()}; "
        f"{plots.error_note('std', n)}",
    )
    return plots.save(fig, path)


def plot_robustness(path: Path, outcomes: list[Outcome], where: str) -> Path:
    """Accuracy against the drop probability and against the noise scale, both models."""
    fig, axes = plots.figure(1, 2, figsize=(10.0, 4.0))
    for ax, what, grid, label in (
        (axes[0, 0], "drop", DROPS, "probability of dropping each test keypoint"),
        (axes[0, 1], "noise", NOISES, "test coordinate noise (std, fraction of the subject box)"),
    ):
        for model, name in (("joint", "PoseConv3D (joint)"), ("stgcn", "ST-GCN")):
            acc = np.array([getattr(o, what)[model] for o in outcomes])  # (seeds, levels)
            std = acc.std(0, ddof=1) if len(acc) > 1 else np.zeros(len(grid))
            ax.errorbar(grid, acc.mean(0), yerr=std, marker="o", capsize=3, label=name)
        ax.set_xlabel(label)
        ax.set_ylabel("test top-1 accuracy (%)")
        ax.legend()
        plots.title(ax, f"{where}; {plots.error_note('std', len(outcomes))}")
    return plots.save(fig, path)


PERSONS: tuple[int, ...] = (1, 2, 3, 4, 6, 8)


def _scaled_inputs(
    setting: Setting, persons: int, data_root: str | None
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    """``persons`` copies of the first MSR Action3D test sequence (the runner checked the data):
    the ST-GCN input (1, 2, T, V, M) and the keypoints and scores (M, T, V, 2), (M, T, V) of one
    volume; copy k is shifted right by k/8 of the frame so that the copies differ."""
    _, test = load_msr_action3d(data_root).cross_subject()
    gcn = PoseClips(test.subset([0]), ClipSpec(setting.gcn_frames, setting.size), "coordinates")
    vol = PoseClips(test.subset([0]), ClipSpec(setting.volume_frames, setting.size), "volume")
    x = gcn.evaluation().repeat(1, 1, 1, 1, persons)  # (1, 2, T, V, M)
    kp, sc = vol.clip(0)
    shift = torch.arange(persons, dtype=torch.float32)[:, None, None, None] * setting.size / 8
    keypoints = torch.from_numpy(kp)[None] + shift * torch.tensor([1.0, 0.0])  # (M, T, V, 2)
    return x, (keypoints, torch.from_numpy(sc)[None].repeat(persons, 1, 1))


def run_scalability(ctx: RunContext) -> Iterator[Measurement]:
    """Cost of ST-GCN and PoseConv3D (joint) as the persons in a clip grow from 1 to 8.

    Multiply-adds of one forward pass (counted), the fastest forward time (CPU time, one
    thread), the activation memory a training step saves, and the time to draw the heatmap
    volume; exponents fitted to log cost against log persons.
    """
    setting = setting_for(ctx, "msr")
    start = time.perf_counter()
    torch.manual_seed(0)
    gcn = build("stgcn", 20, "kinect-v1", setting).eval()
    cnn = build("joint", 20, "kinect-v1", setting).eval()
    cost: dict[str, list[float]] = {
        k: [] for k in ("gcn", "cnn", "gcn_s", "cnn_s", "gcn_b", "cnn_b", "draw_s")
    }
    repeat = ctx.pick(2, 3, 5)
    for m in PERSONS:
        x, (kp, sc) = _scaled_inputs(setting, m, ctx.data_root)
        volume = keypoints_to_heatmaps(kp, sc, setting.size, setting.sigma)[None]
        with torch.no_grad():
            cost["gcn"].append(count_macs(gcn, x))
            cost["cnn"].append(count_macs(cnn, volume))
            cost["gcn_s"].append(best_time(lambda x=x: gcn(x), repeat=repeat))
            cost["cnn_s"].append(best_time(lambda v=volume: cnn(v), repeat=repeat))
        draw = partial(keypoints_to_heatmaps, kp, sc, setting.size, setting.sigma)
        cost["draw_s"].append(best_time(draw, repeat=repeat))
        cost["gcn_b"].append(autograd_saved_bytes(lambda x=x: gcn.train()(x)))
        cost["cnn_b"].append(autograd_saved_bytes(lambda v=volume: cnn.train()(v)))
    seconds = time.perf_counter() - start
    k = {name: fitted_exponent(PERSONS, values) for name, values in cost.items()}
    note = (
        f"fitted exponents over persons {PERSONS}: multiply-adds ST-GCN {k['gcn']:.2f}, "
        f"3D-CNN {k['cnn']:.2f}; forward time ({clock_name('cpu')}) ST-GCN {k['gcn_s']:.2f}, "
        f"3D-CNN {k['cnn_s']:.2f}; training activation memory ST-GCN {k['gcn_b']:.2f}, "
        f"3D-CNN {k['cnn_b']:.2f}; drawing the volume {k['draw_s']:.2f}. "
        f"At 1 / 8 persons: ST-GCN {cost['gcn'][0] / 1e6:.1f} / {cost['gcn'][-1] / 1e6:.1f} M "
        f"multiply-adds, 3D-CNN {cost['cnn'][0] / 1e6:.1f} / {cost['cnn'][-1] / 1e6:.1f} M"
    )
    ctx.log(f"poseconv3d scalability: {note}")
    if ctx.plots_dir is not None:
        plot_scalability(ctx.plots_dir / "poseconv3d_scalability.png", cost, k)
    where = f"copies of one MSR Action3D test sequence; {setting.describe()}"
    for cid, key in (
        ("poseconv3d.sec4.scale-gcn-linear", "gcn"),
        ("poseconv3d.sec4.scale-volume-constant", "cnn"),
    ):
        yield Measurement(cid, k[key], dataset=where, seconds=seconds, note=note)


def plot_scalability(path: Path, cost: dict[str, list[float]], k: dict[str, float]) -> Path:
    """Each cost relative to its value at one person, against persons (log-log)."""
    fig, axes = plots.figure(1, 3, figsize=(12.0, 3.8))
    for ax, (what, gcn, cnn) in zip(
        axes[0],
        (
            ("multiply-adds", "gcn", "cnn"),
            (f"forward time ({clock_name('cpu')})", "gcn_s", "cnn_s"),
            ("training activation memory", "gcn_b", "cnn_b"),
        ),
        strict=True,
    ):
        for key, name in ((gcn, "ST-GCN"), (cnn, "PoseConv3D 3D-CNN")):
            ax.loglog(PERSONS, np.array(cost[key]) / cost[key][0], marker="o",
                      label=f"{name} (exponent {k[key]:.2f})")  # fmt: skip
        ax.set_xticks(PERSONS, [str(p) for p in PERSONS], minor=False)
        ax.set_xticks([], minor=True)
        ax.set_xlabel("persons in the clip")
        ax.set_ylabel("relative to one person")
        ax.legend()
        plots.title(ax, f"{what}; one measurement per point, {plots.error_note('none')}")
    return plots.save(fig, path)


def run_architecture(ctx: RunContext) -> Iterator[Measurement]:
    """Parameters and multiply-adds of SlowOnly-R50 as configured in pyskl for NTU-60."""
    start = time.perf_counter()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = SlowOnly3D(NTU_CLASSES, NTU_JOINTS, base_width=32).eval()
    with torch.no_grad():
        macs = count_macs(model, torch.zeros(1, NTU_JOINTS, *NTU_CLIP))
    seconds = time.perf_counter() - start
    what = (
        f"SlowOnly3D(base 32, stages 4-6-3, {NTU_JOINTS} joint channels, {NTU_CLASSES} classes), "
        f"input {NTU_JOINTS}×{'×'.join(map(str, NTU_CLIP))}"
    )
    yield Measurement(
        "poseconv3d.sec4.params", count_params(model) / 1e6, dataset=what, seconds=seconds
    )
    yield Measurement(
        "poseconv3d.sec4.gflops",
        macs / 1e9,
        dataset=what,
        seconds=seconds,
        note="Conv3d and Linear multiply-adds (torch.utils.flop_counter, halved)",
    )


def run_main_results(ctx: RunContext) -> Iterator[Measurement]:
    """The paper's main results: not run (no NTU RGB+D, Kinetics or FineGYM poses here)."""
    for key, dataset, *_ in MAIN_RESULTS:
        yield Measurement.not_run(
            f"poseconv3d.sec4.main-{key}",
            f"{dataset} is not available in this project (the HRNet 2D pose annotations are "
            "distributed by pyskl as multi-GB pickles; not fetched): not run",
        )


def _comparison(key: str) -> Experiment:
    claims = comparison_claims(key)
    data = {"msr": "msr_action3d", "utk": "utkinect"}[PROTOCOLS[key][0]]
    return Experiment(
        f"PoseConv3D vs ST-GCN, {DATASETS[key]}",
        partial(run_comparison, key),
        tuple(claims),
        data=(data,),
    )


EXPERIMENTS = (
    Experiment(
        "scalability in persons",
        run_scalability,
        ("poseconv3d.sec4.scale-gcn-linear", "poseconv3d.sec4.scale-volume-constant"),
        data=("msr_action3d",),
        quick_bands={
            "poseconv3d.sec4.scale-gcn-linear": (0.8, 1.2),
            "poseconv3d.sec4.scale-volume-constant": (-0.2, 0.2),
        },
    ),
    _comparison("msr"),
    _comparison("msr10"),
    _comparison("utk"),
    Experiment(
        "ablation: subject crop, σ, heatmap resolution (UTKinect)",
        run_ablation,
        ("poseconv3d.sec3.crop-utk",),
        data=("utkinect",),
    ),
    Experiment(
        "architecture: parameters and multiply-adds",
        run_architecture,
        ("poseconv3d.sec4.params", "poseconv3d.sec4.gflops"),
        quick_bands={"poseconv3d.sec4.params": (1.0, 4.0)},
    ),
    Experiment(
        "main results on the paper's datasets",
        run_main_results,
        tuple(f"poseconv3d.sec4.main-{key}" for key, *_ in MAIN_RESULTS),
    ),
)
