"""`repro data fetch` / `verify` end to end against a local HTTP server on 127.0.0.1.

The server serves a mirror laid out like a data root (``$REPRO_DATA_MIRROR``), holding copies of
real dataset files, one of them corrupted; a second group of tests uses a small made-up dataset
so that the error paths run without real data.
"""

from __future__ import annotations

import hashlib
import http.server
import re
import socket
import sys
import threading
from functools import partial
from pathlib import Path

import pytest

from repro.cli import main
from repro.data import DATASETS, DataError, fetch, images, planetoid, skeleton


class _Mirror:
    """A folder served over HTTP on 127.0.0.1; ``requests`` lists the paths asked for."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.requests: list[str] = []
        mirror = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                mirror.requests.append(self.path)
                super().do_GET()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), partial(Handler, directory=str(folder))
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def put(self, path: str, data: bytes) -> None:
        target = self.folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


@pytest.fixture
def mirror(tmp_path):
    m = _Mirror(tmp_path / "mirror")
    m.folder.mkdir()
    m.thread.start()
    yield m
    m.server.shutdown()
    m.server.server_close()
    m.thread.join(timeout=10)


def _cora_mirror(mirror: _Mirror, planetoid_dir: Path) -> dict[str, bytes]:
    """Copies of the eight Cora files in the mirror; returns their bytes by data-root path."""
    good = {}
    for part in planetoid.PARTS:
        name = f"ind.cora.{part}"
        good[f"planetoid/{name}"] = (planetoid_dir / name).read_bytes()
        mirror.put(f"planetoid/{name}", good[f"planetoid/{name}"])
    return good


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="module")
def planetoid_dir(dataset):
    return dataset("planetoid")


def test_fetch_from_local_server_with_one_corrupt_file(planetoid_dir, mirror, tmp_path):
    """Good files land and verify; the corrupt one fails naming the file and leaves nothing."""
    good = _cora_mirror(mirror, planetoid_dir)
    mirror.put("planetoid/ind.cora.y", b"corrupted" + good["planetoid/ind.cora.y"][9:])
    root = tmp_path / "root"

    with pytest.raises(DataError, match=r"checksum mismatch for ind\.cora\.y from http://127"):
        fetch.fetch(["cora"], root, mirror=mirror.url)
    assert _listing(root / "planetoid") == ["ind.cora.x"]  # no ind.cora.y, no temp file
    assert (root / "planetoid/ind.cora.x").read_bytes() == good["planetoid/ind.cora.x"]

    mirror.put("planetoid/ind.cora.y", good["planetoid/ind.cora.y"])
    lines: list[str] = []
    done = fetch.fetch(["cora"], root, mirror=mirror.url, report=lines.append)
    assert done["planetoid/ind.cora.x"] == "present"
    assert sum(v == "downloaded" for v in done.values()) == 7
    assert len(lines) == 7 and all("sha256 verified" in line for line in lines)
    assert _listing(root / "planetoid") == sorted(p.rpartition("/")[2] for p in good)
    for path, data in good.items():
        assert (root / path).read_bytes() == data
    assert fetch.verify(["cora"], root) == [(p, None) for p in good]
    assert planetoid.load("cora", root).num_nodes == 2708

    asked = len(mirror.requests)
    done = fetch.fetch(["cora"], root, mirror=mirror.url)
    assert set(done.values()) == {"present"}
    assert len(mirror.requests) == asked  # the second fetch downloads nothing


def test_corrupt_existing_file_replaced_only_after_replacement_verified(
    planetoid_dir, mirror, tmp_path, monkeypatch
):
    good = _cora_mirror(mirror, planetoid_dir)
    root = tmp_path / "root"
    (root / "planetoid").mkdir(parents=True)
    for path, data in good.items():
        (root / path).write_bytes(data)
    local_corrupt = good["planetoid/ind.cora.tx"][:1000]
    (root / "planetoid/ind.cora.tx").write_bytes(local_corrupt)
    mirror.put("planetoid/ind.cora.tx", good["planetoid/ind.cora.tx"][:-1] + b"\0")
    monkeypatch.setenv("REPRO_DATA_MIRROR", mirror.url)  # the documented override

    with pytest.raises(DataError, match=r"ind\.cora\.tx.*nothing was written"):
        fetch.fetch(["cora"], root)
    assert (root / "planetoid/ind.cora.tx").read_bytes() == local_corrupt  # kept as it was
    assert _listing(root / "planetoid") == sorted(p.rpartition("/")[2] for p in good)
    assert mirror.requests == ["/planetoid/ind.cora.tx"]  # only the corrupt file was asked for

    mirror.put("planetoid/ind.cora.tx", good["planetoid/ind.cora.tx"])
    done = fetch.fetch(["cora"], root)
    assert done["planetoid/ind.cora.tx"] == "replaced"
    assert (root / "planetoid/ind.cora.tx").read_bytes() == good["planetoid/ind.cora.tx"]
    assert _listing(root / "planetoid") == sorted(p.rpartition("/")[2] for p in good)


def test_cli_fetch_and_verify(planetoid_dir, mirror, tmp_path, capsys):
    good = _cora_mirror(mirror, planetoid_dir)
    root = str(tmp_path / "root")
    mirror.put("planetoid/ind.cora.graph", b"not the graph")

    assert main(["data", "fetch", "cora", "--data-root", root, "--mirror", mirror.url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.search(r"ind\.cora\.graph.*sha256", err)

    # verify: one line per file, non-zero exit when any fails (graph and test.index missing)
    assert main(["data", "verify", "cora", "--data-root", root]) == 2
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 8
    assert sum(line.startswith("FAILED  planetoid/ind.cora.") for line in out.splitlines()) == 2
    assert "2 of 8 checks failed" in err

    mirror.put("planetoid/ind.cora.graph", good["planetoid/ind.cora.graph"])
    assert main(["data", "fetch", "cora", "--data-root", root, "--mirror", mirror.url]) == 0
    assert "8 files verified (2 written)" in capsys.readouterr().out
    assert main(["data", "verify", "planetoid", "--data-root", root]) == 2  # no citeseer, pubmed
    assert main(["data", "verify", "cora", "--data-root", root]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "8 files verified"


def test_verify_fails_when_every_file_fails(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("REPRO_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "planetoid").mkdir()
    for part in planetoid.PARTS:
        (tmp_path / "planetoid" / f"ind.cora.{part}").write_bytes(b"junk")
    assert main(["data", "verify", "cora", "--data-root", str(tmp_path)]) == 2
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 8 and all(line.startswith("FAILED") for line in out)
    assert main(["data", "verify", "--all", "--data-root", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert "FAILED  skeleton/: dataset folder 'skeleton' not found" in out


# --- a made-up dataset: error paths without real data --------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


A, B = b"first file\n", b"second file\n"


@pytest.fixture
def toy(monkeypatch):
    """Dataset ``toy``: ``toy/a.txt``, ``toy/b.txt``, and ``toy/ab.txt`` made from the two."""
    source = fetch.Source("example/toy", "0" * 40)

    def concat(inputs: list[Path]) -> bytes:
        return b"".join(p.read_bytes() for p in inputs)

    entries = (
        fetch.Download("toy/a.txt", _sha(A), source, "a.txt"),
        fetch.Download("toy/b.txt", _sha(B), source, "b.txt"),
        fetch.Derived("toy/ab.txt", _sha(A + B), ("toy/a.txt", "toy/b.txt"), concat, "a + b"),
    )
    monkeypatch.setattr(fetch, "FILES", {"toy": entries})
    monkeypatch.setattr(fetch, "GROUPS", {})


def test_derived_file_made_from_its_inputs(toy, mirror, tmp_path):
    mirror.put("toy/a.txt", A)
    mirror.put("toy/b.txt", B)
    done = fetch.fetch(["toy"], tmp_path, mirror=mirror.url)
    assert done == {"toy/a.txt": "downloaded", "toy/b.txt": "downloaded", "toy/ab.txt": "made"}
    assert (tmp_path / "toy/ab.txt").read_bytes() == A + B
    assert fetch.verify(["toy"], tmp_path) == [("toy/ab.txt", None)]  # inputs are not checked

    (tmp_path / "toy/a.txt").unlink()  # a derived file in place needs no input
    asked = len(mirror.requests)
    assert fetch.fetch(["toy"], tmp_path, mirror=mirror.url) == {"toy/ab.txt": "present"}
    assert len(mirror.requests) == asked


def test_http_404_names_file_and_url(toy, mirror, tmp_path):
    mirror.put("toy/a.txt", A)
    with pytest.raises(DataError, match=r"cannot download toy/b\.txt: HTTP 404 .*/toy/b\.txt"):
        fetch.fetch(["toy"], tmp_path, mirror=mirror.url)
    assert _listing(tmp_path / "toy") == ["a.txt"]


def test_connection_refused_is_a_data_error(toy, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(DataError, match=r"cannot download toy/a\.txt: .*refused"):
        fetch.fetch(["toy"], tmp_path, mirror=f"http://127.0.0.1:{port}")
    assert not (tmp_path / "toy").exists()


def test_truncated_download_leaves_no_temp_file(toy, mirror, tmp_path):
    mirror.put("toy/a.txt", A[:-3])
    with pytest.raises(DataError, match=r"checksum mismatch for a\.txt .*\(8 bytes\)"):
        fetch.fetch(["toy"], tmp_path, mirror=mirror.url)
    assert _listing(tmp_path / "toy") == []


def test_unwritable_root_is_a_data_error(toy, mirror, tmp_path):
    mirror.put("toy/a.txt", A)
    (tmp_path / "file").write_text("")
    with pytest.raises(DataError, match=r"cannot write .*--data-root"):
        fetch.fetch(["toy"], tmp_path / "file", mirror=mirror.url)


def test_unknown_name_lists_the_known_ones(toy, capsys):
    with pytest.raises(ValueError, match=r"unknown dataset 'toys'; datasets: toy"):
        fetch.resolve(["toys"])
    with pytest.raises(SystemExit, match=r"name a dataset or --all; datasets: toy"):
        main(["data", "fetch"])


# --- the table of sources and sums ------------------------------------------------------------


def test_every_declarable_dataset_can_be_fetched():
    assert set(DATASETS) <= set(fetch.FILES)
    for group, names in fetch.GROUPS.items():
        assert all(e.path.startswith(group + "/") for n in names for e in fetch.FILES[n])
    assert sorted(fetch.resolve(fetch.GROUPS)) == sorted(fetch.FILES)


def test_sources_are_pinned_and_sums_come_from_the_loaders():
    for entries in fetch.FILES.values():
        for e in entries:
            assert re.fullmatch(r"[0-9a-f]{64}", e.sha256), e.path
            if isinstance(e, fetch.Download):
                assert re.fullmatch(
                    r"https://raw\.githubusercontent\.com/[\w.-]+/[\w.-]+/[0-9a-f]{40}/\S+",
                    e.url(None),
                ), e.path
    sums = {e.path: e.sha256 for entries in fetch.FILES.values() for e in entries}
    for name, digest in planetoid.SHA256.items():
        assert sums[f"planetoid/{name}"] == digest
    for name, digest in images.SHA256.items():
        assert sums[f"images/{name}"] == digest
    assert sums["skeleton/MANIFEST.sha256"] == skeleton.MANIFEST_SHA256
    text = fetch.skeleton_manifest_bytes([])
    assert _sha(text) == skeleton.MANIFEST_SHA256
    assert len([p for p in sums if p.startswith("skeleton/")]) == len(text.splitlines()) + 1


def test_mirror_url_is_the_data_root_layout():
    entry = fetch.FILES["pubmed"][4]
    assert entry.path == "planetoid/ind.pubmed.allx"
    assert entry.url("http://127.0.0.1:8000/data/") == (
        "http://127.0.0.1:8000/data/planetoid/ind.pubmed.allx"
    )
    assert entry.url(None).endswith("/gcn/data/ind.pubmed.allx")


# --- USPS: usps_16x16.npz is converted from usps.h5 -------------------------------------------


def test_usps_npz_made_from_fetched_h5(dataset, mirror, tmp_path):
    """The conversion reproduces the recorded usps_16x16.npz byte for byte."""
    pytest.importorskip("h5py", reason="the usps.h5 -> npz conversion needs h5py")
    mirror.put("images/usps/usps.h5", (dataset("images") / "usps/usps.h5").read_bytes())
    done = fetch.fetch(["usps"], tmp_path, mirror=mirror.url)
    assert done == {"images/usps/usps.h5": "downloaded", "images/usps/usps_16x16.npz": "made"}
    assert len(images.load_usps("test", tmp_path).labels) == 2007


def test_usps_without_h5py_says_how_to_finish(dataset, mirror, tmp_path, monkeypatch):
    h5 = dataset("images") / "usps/usps.h5"
    mirror.put("images/usps/usps.h5", h5.read_bytes())
    monkeypatch.setitem(sys.modules, "h5py", None)  # import h5py fails
    with pytest.raises(DataError, match=r"usps_16x16\.npz is converted from .*pip install h5py"):
        fetch.fetch(["usps"], tmp_path, mirror=mirror.url)
    assert _listing(tmp_path / "images/usps") == ["usps.h5"]  # kept, verified, for the rerun
    assert _sha((tmp_path / "images/usps/usps.h5").read_bytes()) == images.SHA256["usps/usps.h5"]
