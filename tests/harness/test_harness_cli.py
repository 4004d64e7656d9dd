"""The repro command end to end on the toy paper: run, results files, tables, baselines, check."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from repro.claims import load_paper, paper_ids
from repro.cli import main
from repro.results import dump


@pytest.fixture
def quick_toy(toy, tmp_path):
    """One quick run of the toy paper into a scratch results folder."""
    assert main(["--results", str(tmp_path), "run", "toy", "--quick", "--no-progress"]) == 0
    assert not (tmp_path / "toy.json").exists()  # quick runs go to <results>/quick/
    return tmp_path / "quick"


def test_run_writes_results_in_the_documented_shape(quick_toy):
    doc = json.loads((quick_toy / "toy.json").read_text())
    for key in ("paper", "command", "commit", "date", "env", "claims"):
        assert key in doc
    assert doc["command"] == "repro run toy --quick"
    assert {"python", "torch", "cpu", "threads", "gpus"} <= set(doc["env"])
    mean = next(c for c in doc["claims"] if c["id"] == "toy.table1.mean")
    assert mean["n"] == 3 and mean["verdict"] == "reproduced"
    assert {"paper_value", "source", "confidence", "value", "std", "dataset"} <= set(mean)
    md = (quick_toy / "toy.md").read_text()
    assert "repro run toy --quick" in md and "`toy.table1.mean`" in md
    assert (quick_toy / "plots" / "toy.png").stat().st_size > 0


def test_missing_data_marks_exactly_its_claims_not_run(quick_toy, capsys):
    doc = json.loads((quick_toy / "toy.json").read_text())
    verdicts = {c["id"]: c for c in doc["claims"]}
    absent = verdicts["toy.table2.needs-data"]
    assert absent["verdict"] == "not run"
    assert "data missing" in absent["reason"] and "TOY_DATA" in absent["reason"]
    for cid in ("toy.eq1.round-trip", "toy.table1.mean", "toy.table1.gap"):
        assert verdicts[cid]["verdict"] == "reproduced", cid


def test_missing_data_reason_is_printed(toy, tmp_path, capsys):
    main(["--results", str(tmp_path), "run", "toy", "--quick", "--no-progress"])
    assert "with-data: not run, data missing" in capsys.readouterr().out


def test_present_data_is_used(toy, tmp_path, monkeypatch):
    (tmp_path / "toy.bin").write_bytes(b"1")
    monkeypatch.setenv("TOY_DATA", str(tmp_path / "toy.bin"))
    assert main(["--results", str(tmp_path), "run", "toy", "--quick", "--no-progress"]) == 0
    doc = json.loads((tmp_path / "quick" / "toy.json").read_text())
    needs = next(c for c in doc["claims"] if c["id"] == "toy.table2.needs-data")
    assert needs["verdict"] == "reproduced" and needs["value"] == 1.0


def test_identity_measured_in_every_size(toy, tmp_path):
    for size in ("--quick", "--full"):
        main(["--results", str(tmp_path), "run", "toy", size, "--no-progress", "--jobs", "1"])
    for folder, n in ((tmp_path / "quick", 3), (tmp_path, 20)):
        doc = json.loads((folder / "toy.json").read_text())
        ident = next(c for c in doc["claims"] if c["id"] == "toy.eq1.round-trip")
        assert ident["verdict"] == "reproduced" and ident["n"] == n
        assert "seeded instances: A random float64 vector" in ident["dataset"]


def test_table_writes_summary(quick_toy, monkeypatch):
    from repro import claims

    monkeypatch.setitem(claims.REGISTRY, "ghost", "implementations.ghost.paper")  # no module
    assert main(["--results", str(quick_toy), "table"]) == 0
    summary = (quick_toy / "README.md").read_text()
    assert "[toy](toy.md)" in summary
    rows = {r.split("|")[1].strip(): r for r in summary.splitlines() if r.startswith("| ")}
    assert "not implemented yet" in rows["ghost"]
    assert "no results yet" in rows["gcn"]  # implemented, not run in this folder
    rows = (quick_toy / "claims.csv").read_text().splitlines()
    assert rows[0].startswith("id,kind,metric,paper_value")
    assert any(r.startswith("toy.table1.mean,numeric") for r in rows)


def test_quick_run_cannot_save_a_baseline(quick_toy):
    with pytest.raises(SystemExit, match="needs --full"):
        main(["--results", str(quick_toy), "run", "toy", "--quick", "--save-baseline"])


def _plant(folder, change) -> None:
    """Rewrite ``folder/toy.json`` with ``change(claims by id)`` applied."""
    doc = json.loads((folder / "toy.json").read_text())
    change({c["id"]: c for c in doc["claims"]})
    (folder / "toy.json").write_text(dump(doc))


@pytest.fixture
def full_toy(toy, tmp_path, monkeypatch):
    """A full run of the toy paper with its baseline (toy data present)."""
    (tmp_path / "toy.bin").write_bytes(b"1")
    monkeypatch.setenv("TOY_DATA", str(tmp_path / "toy.bin"))
    args = ["--results", str(tmp_path), "run", "toy", "--full", "--no-progress", "--jobs", "1"]
    assert main([*args, "--save-baseline"]) == 0
    return tmp_path


def test_check_catches_a_planted_regression(full_toy, capsys):
    """A baseline equal to the results passes; moving the toy mean away from 10 by 3 fails."""
    assert main(["--results", str(full_toy), "check", "toy"]) == 0
    _plant(full_toy, lambda c: c["toy.table1.mean"].update(value=c["toy.table1.mean"]["value"] + 3))
    capsys.readouterr()
    assert main(["--results", str(full_toy), "check", "toy"]) == 1
    out = capsys.readouterr().out
    assert "toy.table1.mean" in out and "moved beyond tolerance" in out and "regression" in out
    assert "full run (n = 2–8)" in out  # both sides' size and n are printed


def test_improvements_are_listed_apart_and_fail_only_when_strict(full_toy, capsys):
    """Baseline 12.5, latest 10.1: a move of 2.4 towards the paper's 10 (tolerance 1)."""
    base = json.loads((full_toy / "baselines" / "toy.json").read_text())
    next(c for c in base["claims"] if c["id"] == "toy.table1.mean").update(value=12.5, sem=1e-6)
    (full_toy / "baselines" / "toy.json").write_text(dump(base))
    _plant(full_toy, lambda c: c["toy.table1.mean"].update(value=10.1, sem=1e-6))
    capsys.readouterr()
    assert main(["--results", str(full_toy), "check", "toy"]) == 0
    assert "improvements (towards the paper" in capsys.readouterr().out
    assert main(["--results", str(full_toy), "check", "toy", "--strict"]) == 1


@pytest.mark.parametrize(
    "value, sem", [(float("nan"), 0.1), (10.0, float("inf"))], ids=["nan-value", "inf-se"]
)
def test_check_fails_on_numbers_that_are_not_finite(full_toy, capsys, value, sem):
    _plant(full_toy, lambda c: c["toy.table1.mean"].update(value=value, sem=sem))
    assert main(["--results", str(full_toy), "check", "toy"]) == 1
    assert "not a finite number" in capsys.readouterr().out


def test_machine_dependent_moves_never_gate(full_toy, monkeypatch, capsys):
    import tests.harness.toy_paper as module

    claims = tuple(
        replace(c, timed=True, machine_dependent=True) if c.id == "toy.table1.mean" else c
        for c in module.PAPER.claims
    )
    monkeypatch.setattr(module, "PAPER", replace(module.PAPER, claims=claims))
    _plant(full_toy, lambda c: c["toy.table1.mean"].update(value=c["toy.table1.mean"]["value"] + 3))
    assert main(["--results", str(full_toy), "check", "toy"]) == 0
    assert "never gating" in capsys.readouterr().out


def test_a_smaller_run_compares_identities_only(full_toy, capsys):
    args = ["--results", str(full_toy), "run", "toy", "--quick", "--no-progress", "--jobs", "1"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "agree within their statistics" in out  # the run's summary beside the committed run
    assert main(["--results", str(full_toy), "check", "toy"]) == 0  # the latest: quick
    out = capsys.readouterr().out
    assert "latest   quick run" in out and "not compared" in out
    _plant(full_toy / "quick", lambda c: c["toy.eq1.round-trip"].update(value=1.0))
    assert main(["--results", str(full_toy), "check", "toy", "--size", "quick"]) == 1
    assert main(["--results", str(full_toy), "check", "toy", "--size", "full"]) == 0


def test_a_smaller_runs_summary_counts_claims_it_did_not_measure_apart(
    full_toy, monkeypatch, capsys
):
    """A claim the committed run measured but a smaller run did not (its data absent here, or
    a protocol run at full size only) is "not measured in this run", not a difference."""
    monkeypatch.delenv("TOY_DATA")
    args = ["--results", str(full_toy), "run", "toy", "--quick", "--no-progress", "--jobs", "1"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "0 differ" in out and "1 not measured in this run" in out


def test_baselines_are_refused_without_seeds_or_data(toy, tmp_path, capsys):
    full = ["--results", str(tmp_path), "run", "toy", "--full", "--no-progress", "--jobs", "1"]
    assert main([*full, "--save-baseline"]) == 2  # toy data absent
    err = capsys.readouterr().err
    assert "toy.table2.needs-data" in err and "--allow-missing" in err
    assert not (tmp_path / "toy.json").exists()  # refused before anything was written
    assert main([*full, "--save-baseline", "--seeds", "1", "--allow-missing"]) == 2
    assert "at least 2 seeds" in capsys.readouterr().err
    assert main([*full, "--save-baseline", "--allow-missing"]) == 0
    assert (tmp_path / "baselines" / "toy.json").is_file()


def test_check_with_no_baselines_at_all_fails(toy, tmp_path, capsys):
    assert main(["--results", str(tmp_path), "check"]) == 1
    assert "no baseline" in capsys.readouterr().out


def test_default_runs_keep_to_their_own_folder(toy, tmp_path):
    args = ["--results", str(tmp_path), "run", "toy", "--no-progress", "--jobs", "1"]
    assert main(args) == 0
    assert (tmp_path / "default" / "toy.json").is_file() and not (tmp_path / "toy.json").exists()
    assert main(["--results", str(tmp_path), "table", "--size", "default"]) == 0
    assert (tmp_path / "default" / "README.md").is_file()
    assert not (tmp_path / "README.md").exists()


def test_results_folder_may_follow_the_command(toy, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the default folder ./results would be tmp_path/results
    other = tmp_path / "other"
    assert main(["run", "toy", "--quick", "--no-progress", "--results", str(other)]) == 0
    assert (other / "quick" / "toy.json").is_file() and not (tmp_path / "results").exists()
    assert main(["table", "--size", "quick", "--results", str(other)]) == 0
    assert (other / "quick" / "README.md").is_file()
    # given before the command, it is not reset by the command's own (absent) option
    capsys.readouterr()
    assert main(["--results", str(other), "check", "--size", "quick"]) == 1
    assert f"no baseline at {other / 'baselines' / 'toy.json'}" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--seeds", "0"], "must be at least 1"),
        (["--seeds", "-3"], "must be at least 1"),
        (["--jobs", "0"], "must be at least 1"),
        (["--jobs", "-1"], "must be at least 1"),
        (["--device", "foo"], "use cpu, cuda or cuda:N"),
    ],
)
def test_bad_run_arguments_exit_2(toy, tmp_path, capsys, extra, message):
    with pytest.raises(SystemExit) as e:
        main(["--results", str(tmp_path), "run", "toy", "--quick", *extra])
    assert e.value.code == 2 and message in capsys.readouterr().err


def test_cuda_without_a_gpu_exits_2(toy, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    assert main(["--results", str(tmp_path), "run", "toy", "--quick", "--device", "cuda"]) == 2
    assert "sees no CUDA device" in capsys.readouterr().err


def test_a_bad_data_root_exits_2_before_any_work(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    (tmp_path / "empty").mkdir()
    for root, message in (
        (tmp_path / "nope", "is missing"),
        (tmp_path / "afile", "is a file"),
        (tmp_path / "empty", "gcn needs cora"),
    ):
        args = ["--results", str(tmp_path / "res"), "run", "gcn", "--data-root", str(root)]
        assert main(args) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "res").exists()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"paper": "toy", "claims": [',
        b"\xff\xfe\x00garbage",
        b'{"paper": "toy"}',
        b'{"paper": "toy", "run": {"size": "full"}, "claims": [{"id": "toy.x"}]}',
    ],
    ids=["empty", "truncated", "not-utf8", "no-claims", "bad-claims"],
)
def test_unreadable_results_files_are_one_line_errors(toy, tmp_path, capsys, content):
    (tmp_path / "toy.json").write_bytes(content)
    (tmp_path / "baselines").mkdir()
    (tmp_path / "baselines" / "toy.json").write_bytes(content)
    for command in (["check", "toy", "--size", "full"], ["table"], ["list"]):
        assert main(["--results", str(tmp_path), *command]) == 2, command
        err = capsys.readouterr().err
        assert err.startswith("repro: ") and "toy.json" in err and err.count("\n") == 1


def test_check_without_baseline_says_how_to_make_one(toy, tmp_path, capsys):
    assert main(["--results", str(tmp_path), "check", "toy"]) == 1
    assert "repro run toy --full --save-baseline" in capsys.readouterr().out


def test_unknown_and_unimplemented_papers(tmp_path):
    with pytest.raises(SystemExit, match="unknown paper 'resnet'"):
        main(["--results", str(tmp_path), "run", "resnet"])
    missing = [pid for pid in paper_ids() if load_paper(pid) is None]
    if not missing:
        pytest.skip("every registered paper is implemented: none left to refuse")
    with pytest.raises(SystemExit, match="no implementation yet"):
        main(["--results", str(tmp_path), "run", missing[0]])


def test_env_prints_json_without_gpu_traceback(capsys):
    assert main(["env"]) == 0
    env = json.loads(capsys.readouterr().out)
    assert "torch" in env and "gpus" in env


def test_data_problems_are_one_line_errors(tmp_path, capsys):
    """A failing download or a missing data root ends in a message, not a traceback."""
    status = main(["data", "fetch", "planetoid", "--data-root", str(tmp_path)])
    # no network here, or a network: either the download fails with a message, or it verifies
    if status == 2:
        err = capsys.readouterr().err
        assert err.startswith("repro: cannot download") and "ind.cora" in err
    else:
        assert status == 0
    assert main(["data", "verify", "planetoid", "--data-root", str(tmp_path / "nope")]) == 2
    assert "is not a directory" in capsys.readouterr().out


def test_gpu_env_exits_cleanly_with_one_line_without_a_gpu(monkeypatch, capsys) -> None:
    """`tox -e gpu` (python -m repro.gpu) on a CPU-only machine: one line, exit 0, nothing run."""
    import torch

    from repro import gpu

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(gpu.subprocess, "call", lambda *a, **k: pytest.fail("ran the suites"))
    assert gpu.main([]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "no CUDA device" in out[0]
