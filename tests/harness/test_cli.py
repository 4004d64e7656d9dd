"""The repro command end to end: run, results files, tables, baselines and check."""

from __future__ import annotations

import json

import pytest

from repro.cli import main
from repro.results import dump


@pytest.fixture(scope="module")
def quick_gcn(tmp_path_factory, dataset):
    """One quick GCN run into a scratch results folder (real Cora, 10 seeds)."""
    dataset("planetoid")
    res = tmp_path_factory.mktemp("results")
    assert main(["--results", str(res), "run", "gcn", "--quick", "--no-progress"]) == 0
    assert not (res / "gcn.json").exists()  # quick runs go to <results>/quick/
    return res / "quick"


def test_run_writes_results_in_the_documented_shape(quick_gcn):
    doc = json.loads((quick_gcn / "gcn.json").read_text())
    for key in ("paper", "command", "commit", "date", "env", "claims"):
        assert key in doc
    assert doc["command"] == "repro run gcn --quick"
    assert {"python", "torch", "cpu", "threads", "gpus"} <= set(doc["env"])
    cora = next(c for c in doc["claims"] if c["id"] == "gcn.table2.cora")
    assert cora["n"] == 10 and cora["verdict"] in ("reproduced", "not reproduced")
    assert {"paper_value", "source", "confidence", "value", "std", "dataset"} <= set(cora)
    pubmed = next(c for c in doc["claims"] if c["id"] == "gcn.table2.pubmed")
    assert pubmed["verdict"] == "not run" and "quick run" in pubmed["reason"]
    md = (quick_gcn / "gcn.md").read_text()
    assert "repro run gcn --quick" in md and "`gcn.table2.cora`" in md
    assert (quick_gcn / "plots" / "gcn.png").stat().st_size > 0
    assert (quick_gcn / "plots" / "gcn_karate.png").stat().st_size > 0


def test_table_writes_summary(quick_gcn):
    assert main(["--results", str(quick_gcn), "table"]) == 0
    summary = (quick_gcn / "README.md").read_text()
    assert "[gcn](gcn.md)" in summary and "not implemented yet" in summary
    rows = (quick_gcn / "claims.csv").read_text().splitlines()
    assert rows[0].startswith("id,kind,metric,paper_value")
    assert any(r.startswith("gcn.table2.cora,numeric") for r in rows)


def test_quick_run_cannot_save_a_baseline(quick_gcn):
    with pytest.raises(SystemExit, match="needs --full"):
        main(["--results", str(quick_gcn), "run", "gcn", "--quick", "--save-baseline"])


def test_check_catches_a_planted_regression(quick_gcn, capsys):
    """A baseline equal to the results passes; moving Cora's accuracy by 3 points fails."""
    doc = json.loads((quick_gcn / "gcn.json").read_text())
    (quick_gcn / "baselines").mkdir(exist_ok=True)
    (quick_gcn / "baselines" / "gcn.json").write_text(dump(doc))
    assert main(["--results", str(quick_gcn), "check", "gcn"]) == 0

    planted = json.loads(json.dumps(doc))
    cora = next(c for c in planted["claims"] if c["id"] == "gcn.table2.cora")
    cora["value"] -= 3.0
    (quick_gcn / "gcn.json").write_text(dump(planted))
    capsys.readouterr()
    assert main(["--results", str(quick_gcn), "check", "gcn"]) == 1
    out = capsys.readouterr().out
    assert "gcn.table2.cora" in out and "moved beyond tolerance" in out
    (quick_gcn / "gcn.json").write_text(dump(doc))


def test_check_without_baseline_says_how_to_make_one(tmp_path, capsys):
    assert main(["--results", str(tmp_path), "check", "gcn"]) == 1
    assert "repro run gcn --full --save-baseline" in capsys.readouterr().out


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
        assert err.startswith("repro: could not download") and "ind.cora" in err
    else:
        assert status == 0
    assert main(["data", "verify", "planetoid", "--data-root", str(tmp_path / "nope")]) == 0
    assert "is not a directory" in capsys.readouterr().out
