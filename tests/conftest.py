"""Shared fixtures: an isolated artifacts root, and tiny real runs trained once per session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from fmnist_core.tensorflow_logs import tensorflow_log_level

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", tensorflow_log_level())


@pytest.fixture
def artifacts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty artifacts root, also set as $FMNIST_ARTIFACTS."""
    root = tmp_path / "artifacts"
    root.mkdir()
    monkeypatch.setenv("FMNIST_ARTIFACTS", str(root))
    return root


def train_tiny_run(root: Path, model: str, **overrides) -> Path:
    """Trains ``model`` for one epoch on a few hundred images, in-process; returns its folder."""
    from fmnist_core.runs import runs
    from fmnist_core.training import TrainingConfig, run_worker

    settings = {"epochs": 1, "train_samples": 600, "seed": 1, **overrides}
    config = TrainingConfig.for_model(model, **settings)
    folder = runs.create_run(model, config.to_dict(), root)
    record = run_worker(folder)
    assert record.status == "finished", record.error
    return folder


@pytest.fixture(scope="session")
def trained_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An artifacts root with two finished tiny runs (mlp with 2 epochs, cnn with 1). Read-only."""
    root = tmp_path_factory.mktemp("trained") / "artifacts"
    train_tiny_run(root, "mlp", epochs=2)
    train_tiny_run(root, "cnn", batch_size=64)
    return root


@pytest.fixture
def seeded_artifacts(trained_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, writable copy of ``trained_root``, set as $FMNIST_ARTIFACTS."""
    root = tmp_path / "artifacts"
    shutil.copytree(trained_root, root)
    monkeypatch.setenv("FMNIST_ARTIFACTS", str(root))
    return root


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin() -> Path | None:
    """The folder of Debian's PostgreSQL server binaries (15 preferred), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    preferred = [path for path in found if path.parts[-3] == "15"] or found
    return preferred[-1].parent if preferred else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL server of its own (initdb in a temp folder, a free port, trust
    authentication on 127.0.0.1), run as an unprivileged user; stopped and removed at the end.
    Yields the ``postgresql+psycopg://`` URL of an empty database."""
    import subprocess
    import tempfile

    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL server binaries are missing (/usr/lib/postgresql/*/bin); `make test` installs them"
        )
    base = Path(tempfile.mkdtemp(prefix="fmnist-postgres-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(base, user="nobody")
        as_user = ["runuser", "-u", "nobody", "--"]
    port = free_port()
    data = base / "data"

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, timeout=120)

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "fmnist", "--auth=trust", "-E", "UTF8")
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1"
    run(
        str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "server.log"), "-w", "start"
    )
    try:
        run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "fmnist", "sweeps")
        yield f"postgresql+psycopg://fmnist@127.0.0.1:{port}/sweeps"
    finally:
        subprocess.run(
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(base, ignore_errors=True)


# A browser journey keeps about 0.6 of a core busy (the rest is the page's waits and reruns), a
# library test about one: one journey beside library tests uses both cores, two journeys side by
# side do not. A journey takes about as long as 18 library or page tests (20 s against 1.1 s): with
# 16 after each, the journeys are used up two thirds of the way through.
OTHERS_PER_JOURNEY = 16


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser journeys spread among the other tests, one after every ``OTHERS_PER_JOURNEY``,
    so pytest-xdist's two workers mostly run one journey and one library or page test at a time;
    the journeys are used up before the end, so both workers end on short tests together."""
    browser = [item for item in items if item.nodeid.startswith("tests/e2e/")]
    others = [item for item in items if not item.nodeid.startswith("tests/e2e/")]
    ordered: list[pytest.Item] = []
    for index, journey in enumerate(browser):
        ordered += [journey, *others[index * OTHERS_PER_JOURNEY : (index + 1) * OTHERS_PER_JOURNEY]]
    items[:] = ordered + others[len(browser) * OTHERS_PER_JOURNEY :]
