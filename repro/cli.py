"""The ``repro`` command: ``list | run | check | table | env | data``."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

import torch

from repro import baselines, executors, resume, speed, tables
from repro.atomic import write_atomic
from repro.claims import Paper, load_paper, paper_ids, registered_papers
from repro.data import DataError, require
from repro.results import ResultsError, dump, load, run_to_dict
from repro.resume import JobStore
from repro.runner import (
    EXECUTORS,
    SIZES,
    RunContext,
    default_jobs,
    results_dir,
    run_paper,
    size_dir,
)


class UsageError(RuntimeError):
    """A bad argument found before any work: one line, exit 2."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _device(text: str) -> str:
    if not re.fullmatch(r"cpu|cuda(:\d+)?", text):
        raise argparse.ArgumentTypeError(f"{text!r}: use cpu, cuda or cuda:N")
    return text


def _papers(names: Sequence[str], all_: bool) -> list[Paper]:
    if all_ and names:
        raise SystemExit("repro: give paper ids or --all, not both")
    if all_:
        return registered_papers()
    if not names:
        raise SystemExit("repro: name at least one paper (or --all); see `repro list`")
    papers = []
    for name in names:
        if name not in paper_ids():
            raise SystemExit(f"repro: unknown paper {name!r}; known: {', '.join(paper_ids())}")
        paper = load_paper(name)
        if paper is None:
            raise SystemExit(
                f"repro: paper {name!r} has no implementation yet (implementations/{name}/paper.py)"
            )
        papers.append(paper)
    return papers


def cmd_list(args: argparse.Namespace) -> int:
    res = results_dir(args.results)
    registered = {p.id: p for p in registered_papers()}
    for pid in paper_ids():
        paper = registered.get(pid)
        if paper is None:
            print(f"{pid:13s} (not implemented yet)")
            continue
        verdicts = {}
        path = res / f"{pid}.json"
        if path.is_file():
            verdicts = {c["id"]: c["verdict"] for c in load(path)["claims"]}
        print(f"{pid:13s} {paper.title} ({paper.venue}) — {len(paper.claims)} claims")
        for c in paper.claims:
            print(f"    {c.id:45s} {c.kind:9s} {verdicts.get(c.id, 'not run yet')}")
    return 0


def _canonical_command(args: argparse.Namespace, size: str) -> str:
    """The run as a user would retype it: what decides the numbers, not where files go."""
    words = ["repro", "run", *(["--all"] if args.all else args.papers)]
    if size != "default":
        words.append(f"--{size}")
    if args.seeds is not None:
        words += ["--seeds", str(args.seeds)]
    if args.device != "cpu":
        words += ["--device", args.device]
    if args.save_baseline:
        words.append("--save-baseline")
    return " ".join(shlex.quote(w) for w in words)


def _check_data_root(data_root: str | None, papers: Sequence[Paper]) -> None:
    """An explicit ``--data-root`` must hold every dataset the papers read: exit 2 before any
    work otherwise (a typo must not turn into a run of "not run" rows)."""
    if data_root is None:
        return
    if not Path(data_root).is_dir():
        kind = "a file" if Path(data_root).exists() else "missing"
        raise UsageError(f"--data-root {data_root} is {kind}, not a folder of datasets")
    for paper in papers:
        for exp in paper.experiments():
            for name in exp.data:
                try:
                    require(name, data_root)
                except DataError as e:
                    raise UsageError(
                        f"--data-root {data_root}: {paper.id} needs {name}: {e}"
                    ) from e


def cmd_run(args: argparse.Namespace) -> int:
    size = "quick" if args.quick else "full" if args.full else "default"
    if args.save_baseline and size != "full":
        raise SystemExit("repro: --save-baseline needs --full (baselines come from full runs only)")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError(
            f"--device {args.device}: torch {torch.__version__} sees no CUDA device "
            f"(CUDA build {torch.version.cuda}); run on a machine with an NVIDIA GPU"
        )
    papers = _papers(args.papers, args.all)
    _check_data_root(args.data_root, papers)
    if args.address and args.executor != "ray":
        raise UsageError("--address names a Ray cluster: use it with --executor ray")
    base = results_dir(args.results)
    res = size_dir(base, size)
    command = _canonical_command(args, size)
    store = JobStore(res / resume.FOLDER, run_key=f"{size} {args.seeds} {args.device}")
    if args.fresh:
        store.clear()
    started_ray = args.executor == "ray" and executors.connect(
        args.address, args.jobs or default_jobs()
    )
    try:
        docs = _run_papers(args, papers, size, base, res, command, store)
    finally:
        if started_ray:
            executors.shutdown()
    print(_run_summary(docs, base, res))
    return 0


def _run_papers(
    args: argparse.Namespace,
    papers: Sequence[Paper],
    size: str,
    base: Path,
    res: Path,
    command: str,
    store: JobStore,
) -> list[dict]:
    docs = []
    for paper in papers:
        ctx = RunContext(
            size=size,
            seeds=args.seeds,
            device=args.device,
            data_root=args.data_root,
            jobs=args.jobs or default_jobs(),
            progress=not args.no_progress,
            command=command,
            plots_dir=res / "plots",
            store=store,
            executor=args.executor,
            ray_address=args.address,
        )
        store.begin()
        print(f"== {paper.id}: {paper.title} ({size} run, {ctx.jobs} jobs)", flush=True)
        run = run_paper(paper, ctx)
        doc = run_to_dict(
            run, command, store.reused, store.computed, store.earlier_seconds(paper.id)
        )
        if args.save_baseline:  # refused before anything is written
            baselines.check_baseline(doc, args.allow_missing)
        write_atomic(res / f"{paper.id}.json", dump(doc))
        plot = tables.plot_paper(doc, res / "plots" / f"{paper.id}.png")
        md = tables.paper_markdown(
            doc, plot=f"plots/{paper.id}.png" if plot else None, plots_dir=res / "plots"
        )
        write_atomic(res / f"{paper.id}.md", md)
        print(
            tables.claims_frame(doc)[["claim", "paper", "ours", "verdict"]].to_markdown(index=False)
        )
        print(f"wrote {res / paper.id}.json, {res / paper.id}.md ({run.seconds:.0f} s)")
        if args.save_baseline:
            print(f"baseline: {baselines.save_baseline(base, doc, args.allow_missing)}")
        if store.reused:
            print(
                f"resumed: {store.reused} jobs reused from an interrupted run of this command, "
                f"{store.computed} computed"
            )
        store.clear(paper.id)
        docs.append(doc)
    return docs


def _run_summary(docs: Sequence[dict], base: Path, res: Path) -> str:
    """Per paper: this run beside the committed full run, and the claims left not run."""
    lines = ["", f"== summary: {len(docs)} paper(s), tables in {res}"]
    missing: dict[str, str] = {}
    for doc in docs:
        line = f"{doc['paper']:13s} {tables.verdict_counts(doc['claims'])}"
        committed = base / f"{doc['paper']}.json"
        if doc["run"]["size"] != "full" and committed.is_file():
            diffs = baselines.compare(load(committed), doc)
            measured = sum(c["value"] is not None for c in doc["claims"])
            apart = [d for d in diffs if d.kind not in ("not compared", "verdict flip", "lost")]
            skipped = sum(d.kind == "not compared" for d in diffs)
            lost = sum(d.kind == "lost" for d in diffs)
            line += (
                f" | vs the committed full run ({committed}): {measured - len(apart) - skipped} "
                f"agree within their statistics, {len(apart)} differ, {skipped} not compared "
                f"(smaller protocol), {lost} not measured in this run"
            )
        lines.append(line)
        for c in doc["claims"]:
            reason = c.get("reason") or ""
            if reason.startswith("data missing"):
                missing.setdefault(reason.split(": ", 1)[1].split(";")[0][:160], c["id"])
    if missing:
        lines.append("data missing here (those claims are 'not run'):")
        lines += [f"  - {why}" for why in missing]
        lines.append(
            "get the data with `repro data fetch NAME`, or point --data-root/$REPRO_DATA at it"
        )
    return "\n".join(lines)


def _latest(base: Path, paper_id: str, size: str | None) -> Path:
    """The results file of ``size``, or the most recently written of any size."""
    if size is not None:
        return size_dir(base, size) / f"{paper_id}.json"
    files = [size_dir(base, s) / f"{paper_id}.json" for s in SIZES]
    files = [f for f in files if f.is_file()]
    return max(files, key=lambda f: f.stat().st_mtime) if files else base / f"{paper_id}.json"


def cmd_speed(args: argparse.Namespace) -> int:
    """``repro check --speed [--save]``: the throughput regression gate (repro/speed.py)."""
    res = results_dir(args.results)
    folder = Path(args.benchmarks) if args.benchmarks else res / "benchmarks"
    path = res / "baselines" / "speed.json"
    runs = speed.read_runs(folder)
    if not runs:
        raise UsageError(
            f"no pytest-benchmark JSON under {folder}: run `tox -e bench` (it autosaves there)"
        )
    if args.save:
        base = speed.make_baseline(runs)
        write_atomic(path, json.dumps(base, indent=1, sort_keys=True) + "\n")
        for machine, entries in base.items():
            n = sum(len(k) for k in entries.values())
            print(f"speed baseline for {machine}: {n} ratios of {len(entries)} benchmarks")
        print(f"wrote {path}")
        return 0
    if not path.is_file():
        raise UsageError(f"no speed baseline at {path}: make one with `repro check --speed --save`")
    latest = runs[-1]
    rows = speed.gate(json.loads(path.read_text()), latest)
    print(f"speed: {latest['_path']} ({speed.machine_key(latest)}) against {path}")
    print(speed.markdown(rows))
    bad = [r for r in rows if r.failed]
    if bad:
        print(f"\nrepro check --speed failed: {len(bad)} ratio(s) worse than their tolerance")
        return 1
    print(f"repro check --speed: {len(rows)} ratio(s) checked, no regression")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    if args.speed:
        if args.papers or args.size or args.strict:
            raise UsageError(
                "--speed gates benchmark ratios: it takes no papers, --size or --strict"
            )
        return cmd_speed(args)
    if args.save or args.benchmarks:
        raise UsageError("--save and --benchmarks go with --speed")
    res = results_dir(args.results)
    ids = args.papers or [p.id for p in registered_papers()]
    failed, checked = [], 0
    for pid in ids:
        if pid not in paper_ids():
            raise SystemExit(f"repro: unknown paper {pid!r}")
        latest = _latest(res, pid, args.size)
        diffs, missing = baselines.check_paper(res, pid, latest, args.strict)
        if missing:
            print(missing)
            failed.append(pid)
            continue
        checked += 1
        print(f"\n{pid}: baseline {baselines.describe(load(baselines.baseline_path(res, pid)))}")
        print(f"{' ' * len(pid)}  latest   {baselines.describe(load(latest))}")
        shown = [d for d in diffs if d.kind != "improvement"]
        improvements = [d for d in diffs if d.kind == "improvement"]
        if shown:
            print(baselines.diff_table(shown))
        if improvements:
            print("improvements (towards the paper; fail only with --strict):")
            print(baselines.diff_table(improvements))
        if any(d.fails for d in diffs):
            failed.append(pid)
        elif not any(d.kind in ("regression", "lost", "invalid") for d in diffs):
            print(f"{pid}: every compared number within its tolerance of the baseline")
    if failed:
        print(
            f"\nrepro check failed for: {', '.join(failed)}\n"
            "rule: |new − old| > max(abs tol, 3·sqrt(se_old² + se_new²)) flags a number"
        )
        return 1
    print(f"repro check: {checked} paper(s) checked, no regression")
    return 0


def cmd_table(args: argparse.Namespace) -> int:
    res = size_dir(results_dir(args.results), args.size)
    docs = []
    for pid in paper_ids():
        path = res / f"{pid}.json"
        if path.is_file():
            doc = load(path)
            docs.append(doc)
            plot = tables.plot_paper(doc, res / "plots" / f"{pid}.png")
            write_atomic(
                res / f"{pid}.md",
                tables.paper_markdown(
                    doc, plot=f"plots/{pid}.png" if plot else None, plots_dir=res / "plots"
                ),
            )
    write_atomic(res / "README.md", tables.summary_markdown(docs, registered_papers()))
    write_atomic(res / "claims.csv", tables.claims_csv(docs))
    print(f"wrote {res / 'README.md'} and {res / 'claims.csv'} ({len(docs)} papers with results)")
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    from repro.env import fingerprint

    print(json.dumps(fingerprint(), indent=2))
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    from repro.data import fetch

    if args.all == (args.name is not None):
        problem = (
            "give a dataset name or --all, not both" if args.all else "name a dataset or --all"
        )
        raise SystemExit(
            f"repro: {problem}; datasets: {', '.join(fetch.FILES)}; "
            f"folders: {', '.join(fetch.GROUPS)}"
        )
    try:
        names = fetch.resolve(list(fetch.FILES) if args.all else [args.name])
    except ValueError as e:
        raise SystemExit(f"repro: {e}") from None
    if args.action == "fetch":
        done = fetch.fetch(names, args.data_root, args.mirror, report=print)
        got = sum(v != "present" for v in done.values())
        print(f"{len(done)} files verified ({got} written) for {', '.join(names)}")
        return 0
    results = fetch.verify(names, args.data_root)
    for path, problem in results:
        print(f"ok      {path}" if problem is None else f"FAILED  {path}: {problem}")
    failed = sum(problem is not None for _, problem in results)
    if failed:
        what = "--all" if args.all else args.name
        print(
            f"repro: {failed} of {len(results)} checks failed; `repro data fetch {what}` "
            "replaces missing and corrupt files",
            file=sys.stderr,
        )
        return 2
    print(f"{len(results)} files verified")
    return 0


def build_parser() -> argparse.ArgumentParser:
    results_help = "results folder (default: $REPRO_RESULTS or ./results)"
    p = argparse.ArgumentParser(prog="repro", description=__doc__)
    p.add_argument("--results", help=results_help)
    # accepted after the command too (`repro run gcn --results r`); SUPPRESS keeps a value given
    # before it when it is absent after
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument("--results", default=argparse.SUPPRESS, help=results_help)
    sub = p.add_subparsers(dest="cmd", required=True)

    sub.add_parser("list", parents=[after], help="papers and claims with their current verdicts")

    r = sub.add_parser("run", parents=[after], help="run papers' experiments and write results/")
    r.add_argument("papers", nargs="*", help="paper ids (see `repro list`)")
    r.add_argument("--all", action="store_true", help="every implemented paper")
    size = r.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smoke run (seconds per paper; CI)")
    size.add_argument("--full", action="store_true", help="the paper's protocol (e.g. 100 seeds)")
    r.add_argument("--seeds", type=_positive_int, help="override the number of seeds")
    r.add_argument(
        "--device", type=_device, default="cpu", help="cpu, cuda or cuda:N (default cpu)"
    )
    r.add_argument("--data-root", help="folder holding the datasets (default: $REPRO_DATA)")
    r.add_argument(
        "--jobs",
        type=_positive_int,
        help="worker processes, one torch thread each (default: one per core; 1: this process)",
    )
    r.add_argument(
        "--save-baseline",
        action="store_true",
        help="with --full: store results/baselines/<paper>.json",
    )
    r.add_argument(
        "--allow-missing",
        action="store_true",
        help="with --save-baseline: store it even where claims lack their data",
    )
    r.add_argument("--no-progress", action="store_true", help="no progress bars")
    r.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help="local worker processes (default) or Ray tasks (pip install 'repro[ray]')",
    )
    r.add_argument(
        "--address",
        help="with --executor ray: the cluster to join (default: start a local one)",
    )
    r.add_argument(
        "--fresh",
        action="store_true",
        help="discard the jobs an interrupted run of the same command left (default: reuse them)",
    )

    c = sub.add_parser(
        "check", parents=[after], help="compare the latest results with the stored baselines"
    )
    c.add_argument("papers", nargs="*")
    c.add_argument(
        "--size", choices=SIZES, help="which run to check (default: the latest of any size)"
    )
    c.add_argument("--strict", action="store_true", help="improvements fail too")
    c.add_argument(
        "--speed",
        action="store_true",
        help="gate the latest benchmark run's same-run ratios against results/baselines/speed.json",
    )
    c.add_argument(
        "--save",
        action="store_true",
        help=f"with --speed: make that baseline from the runs found (>= {speed.MIN_RUNS} each)",
    )
    c.add_argument(
        "--benchmarks", help="with --speed: benchmark JSON folder (default: results/benchmarks)"
    )

    t = sub.add_parser(
        "table", parents=[after], help="write README.md, claims.csv and the plots of one run size"
    )
    t.add_argument("--size", choices=SIZES, default="full", help="default: full (results/)")
    sub.add_parser("env", help="print the environment fingerprint as JSON")

    d = sub.add_parser("data", help="fetch or verify datasets")
    d.add_argument("action", choices=("fetch", "verify"))
    d.add_argument(
        "name",
        nargs="?",
        help="a dataset (e.g. cora, usps, msr_action3d) or a folder of datasets (e.g. "
        "planetoid); an unknown name lists them all",
    )
    d.add_argument("--all", action="store_true", help="every dataset")
    d.add_argument(
        "--data-root",
        help="where the datasets live or go (default: $REPRO_DATA, else ~/.cache/repro)",
    )
    d.add_argument(
        "--mirror",
        help="fetch from this base URL, laid out like a data root "
        "(default: $REPRO_DATA_MIRROR, else each dataset's pinned public source)",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    handler = {
        "list": cmd_list,
        "run": cmd_run,
        "check": cmd_check,
        "table": cmd_table,
        "env": cmd_env,
        "data": cmd_data,
    }[args.cmd]
    try:
        return handler(args)
    except (
        DataError,
        UsageError,
        ResultsError,
        baselines.BaselineRefused,
        speed.SpeedError,
    ) as e:
        # a user's problem: the message says what and how to fix it
        print(f"repro: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
