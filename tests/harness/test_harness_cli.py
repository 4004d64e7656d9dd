"""The repro command end to end on the toy paper: run, results files, tables, baselines, check."""

from __future__ import annotations

import json

import pytest

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


def test_table_writes_summary(quick_toy):
    assert main(["--results", str(quick_toy), "table"]) == 0
    summary = (quick_toy / "README.md").read_text()
    assert "[toy](toy.md)" in summary and "not implemented yet" in summary
    rows = (quick_toy / "claims.csv").read_text().splitlines()
    assert rows[0].startswith("id,kind,metric,paper_value")
    assert any(r.startswith("toy.table1.mean,numeric") for r in rows)


def test_quick_run_cannot_save_a_baseline(quick_toy):
    with pytest.raises(SystemExit, match="needs --full"):
        main(["--results", str(quick_toy), "run", "toy", "--quick", "--save-baseline"])


def test_check_catches_a_planted_regression(quick_toy, capsys):
    """A baseline equal to the results passes; moving the toy mean by 3 fails."""
    doc = json.loads((quick_toy / "toy.json").read_text())
    (quick_toy / "baselines").mkdir(exist_ok=True)
    (quick_toy / "baselines" / "toy.json").write_text(dump(doc))
    assert main(["--results", str(quick_toy), "check", "toy"]) == 0

    planted = json.loads(json.dumps(doc))
    mean = next(c for c in planted["claims"] if c["id"] == "toy.table1.mean")
    mean["value"] -= 3.0
    (quick_toy / "toy.json").write_text(dump(planted))
    capsys.readouterr()
    assert main(["--results", str(quick_toy), "check", "toy"]) == 1
    out = capsys.readouterr().out
    assert "toy.table1.mean" in out and "moved beyond tolerance" in out


def test_check_without_baseline_says_how_to_make_one(toy, tmp_path, capsys):
    assert main(["--results", str(tmp_path), "check", "toy"]) == 1
    assert "repro run toy --full --save-baseline" in capsys.readouterr().out


def test_unknown_and_unimplemented_papers(tmp_path):
    with pytest.raises(SystemExit, match="unknown paper 'resnet'"):
        main(["--results", str(tmp_path), "run", "resnet"])
    with pytest.raises(SystemExit, match="no implementation yet"):
        main(["--results", str(tmp_path), "run", "ltgan"])


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
