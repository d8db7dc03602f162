"""Helpers that build real pyramids (real DuckDB files, real `dbt build`) from small hand-made inputs."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.core.paths import PROJECT_ROOT
from orchestration.core.settings import PyramidSettings
from orchestration.core.warehouse_files import published_path
from orchestration.pipeline import build_pyramid

SALES_HEADER = ("customer_id", "order_date", "amount")


@pytest.fixture(scope="session", autouse=True)
def dagster_home(tmp_path_factory) -> Path:
    """The tests' runs go to a Dagster instance of their own (each pytest worker's), inherited by every
    `pyramid` process they start: a build's default instance is the project's .dagster_home, which is the
    developer's (`make dev` shows it)."""
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copyfile(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        yield home


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


@dataclass
class Pyramid:
    """A built warehouse, read through short-lived read-only connections."""

    warehouse_dir: Path

    @property
    def path(self) -> Path:
        return published_path(self.warehouse_dir)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql).fetchall()

    def summary(self) -> dict[str, tuple[int | None, Decimal | None]]:
        """level → (customers, revenue) from marts.pyramid_summary."""
        rows = self.query("select level, customers, revenue from marts.pyramid_summary order by level_order")
        return {level: (customers, revenue) for level, customers, revenue in rows}

    def counts(self) -> dict[str, int | None]:
        return {level: customers for level, (customers, _) in self.summary().items()}

    def tiers(self) -> dict[str, str]:
        return dict(self.query("select customer_id, tier from marts.customer_tiers"))

    def levels(self) -> dict[str, str]:
        return dict(self.query("select customer_id, level from marts.customers"))


@dataclass
class Dataset:
    """Input files in a temporary folder, and a way to build them."""

    root: Path

    @property
    def input_dir(self) -> Path:
        return self.root / "input"

    @property
    def warehouse_dir(self) -> Path:
        return self.root / "warehouse"

    def sales(self, rows: Iterable[Sequence[object]], header: Sequence[str] = SALES_HEADER) -> Dataset:
        write_csv(self.input_dir / "sales.csv", header, rows)
        return self

    def customers(
        self, rows: Iterable[Sequence[object]], header: Sequence[str] = ("customer_id",)
    ) -> Dataset:
        write_csv(self.input_dir / "customers.csv", header, rows)
        return self

    def market(self, rows: Iterable[Sequence[object]], header: Sequence[str] = ("customer_id",)) -> Dataset:
        write_csv(self.input_dir / "market.csv", header, rows)
        return self

    def build(self, **settings: object) -> Pyramid:
        if isinstance(settings.get("as_of_date"), str):
            settings["as_of_date"] = dt.date.fromisoformat(settings["as_of_date"])
        build_pyramid(
            PyramidSettings(input_dir=self.input_dir, warehouse_dir=self.warehouse_dir, **settings),
            echo=False,
        )
        return Pyramid(self.warehouse_dir)

    def cli(
        self, *args: str, env: Mapping[str, str | None] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """`pyramid run` on this dataset, as a user would call it (in this process: see invoke_pyramid)."""
        return invoke_pyramid(
            "run",
            "--input",
            str(self.input_dir),
            "--warehouse",
            str(self.warehouse_dir),
            "--quiet",
            *args,
            env=env,
        )


def run_pyramid(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `pyramid` command in a process of its own: for what only a real process shows (its
    start-up, its exit, two processes on one warehouse)."""
    command = [str(Path(sys.executable).with_name("pyramid")), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)


def invoke_pyramid(
    *args: str, env: Mapping[str, str | None] | None = None
) -> subprocess.CompletedProcess[str]:
    """The `pyramid` command group run in this process by click's own test runner: the same option parsing,
    messages and exit codes, without paying a new interpreter and its imports (seconds) per call. An
    exception the command did not turn into an exit code fails the test with its traceback."""
    from click.testing import CliRunner

    from orchestration.cli import main

    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return subprocess.CompletedProcess(["pyramid", *args], result.exit_code, result.stdout, result.stderr)


def dbt_by_hand(root: Path, warehouse_file: Path) -> tuple[Path, Path]:
    """A copy of the dbt project in root/dbt_project, and of `warehouse_file` as the development file it
    builds into (root/warehouse/dev/pyramid.duckdb), as someone working on the models sets them up (README);
    returns both paths and the environment without PYRAMID_* variables to run dbt in."""
    project = root / "dbt_project"
    project.mkdir(parents=True)
    for name in ("dbt_project.yml", "profiles.yml", "models", "macros", "tests"):
        source = PROJECT_ROOT / "dbt_project" / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, project / name)
    development = root / "warehouse" / "dev" / "pyramid.duckdb"
    development.parent.mkdir(parents=True)
    shutil.copy(warehouse_file, development)
    return project, development


def run_dbt_by_hand(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed `dbt` run by hand in `project` (a copy made by `dbt_by_hand`) with its own profiles.yml
    and no PYRAMID_* variables, as the README tells someone working on the models."""
    from orchestration.build.project import dbt_by_hand_environment

    return subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), *args, "--profiles-dir", "."],
        cwd=project,
        env=dbt_by_hand_environment(),
        capture_output=True,
        text=True,
    )


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    return Dataset(tmp_path)


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory):
    """A real standalone Spark cluster on 127.0.0.1 (orchestration/build/local_cluster.py: Hive metastore,
    master, worker, Thrift and Connect servers), started once per test process, side by side, within 120 s,
    its folders under the session's temporary folder; every process killed by PID at the end or on failure.
    While it runs, the environment points `--target spark_cluster` at it."""
    from orchestration.build.local_cluster import LocalCluster

    cluster = LocalCluster(tmp_path_factory.mktemp("spark_cluster"))
    with cluster, pytest.MonkeyPatch.context() as environment:
        for name, value in cluster.environment().items():
            environment.setenv(name, value)
        yield cluster


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The Spark tests first among files of as many tests: pytest-xdist (--dist loadfile) hands out the files
    with the most tests first, then in collection order. Measured on clean clones: starting the Spark file
    first of all (--no-loadscope-reorder) ran the JVM beside the heaviest DuckDB files and took longer."""
    items.sort(key=lambda item: item.get_closest_marker("spark") is None)
