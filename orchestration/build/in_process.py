"""dbt in this process, on a project parsed once: no dbt start-up and no re-parse per build.

`dbt build` in a new process costs seconds before the first model runs: Python and dbt start (about 4 s here),
then a full parse, because every run passes other vars ("Unable to do partial parsing because config vars …
have changed", 4 s more). Here the project is parsed in-process without vars, from the partial-parse state
that `make install` leaves in dbt_project/target: a fraction of a second when no model changed, only the
changed files otherwise. Vars are read when a node is compiled, so every build passes its own on the same
parsed manifest. dbt's events become Dagster events through dagster-dbt's own translation, as
`DbtCliResource.cli(...).stream()` does for a dbt process.

The Spark target runs here too, on a manifest parsed for Spark (its adapter brings its own macros): the
Spark session dbt-spark starts lives as long as this process, so a second Spark build in the same process
(the tests, a long-lived worker) skips the JVM start (orchestration/build/spark.py).
"""

from __future__ import annotations

import contextlib
import gc
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster_dbt.asset_utils import (
    get_manifest_and_translator_from_dbt_assets,
    get_subset_selection_for_context,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from dbt.cli.main import dbtRunner
from dbt_common.events.functions import msg_to_dict

from orchestration.build import manifest_cache
from orchestration.build.project import pyramid_dbt_project
from orchestration.core import progress

# dbt's partial-parse state written by `make install` (orchestration/build/project.py): read, never rewritten.
PARSED_STATE = pyramid_dbt_project.manifest_path.with_name("partial_parse.msgpack")
_COMMON_ARGS = (
    "--project-dir",
    str(pyramid_dbt_project.project_dir),
    "--profiles-dir",
    str(pyramid_dbt_project.project_dir),
    "--no-send-anonymous-usage-stats",
    "--no-use-colors",
)
DEFAULT_TARGET = "duckdb"
# The events dbt fires when a node is done, each with its index and the run's node count.
PROGRESS_PHASE = "dbt build"  # the run's progress: this phase, then dbt's nodes done of how many
_RESULT_EVENTS = {"LogModelResult", "LogTestResult", "LogSeedResult", "LogSnapshotResult"}
_parsed: dict[str, dict[str, Any]] = {}
_invocation_lock = threading.RLock()  # dbt keeps global state: one invocation at a time per process


class DbtInvocationError(RuntimeError):
    """dbt could not run or a node failed; run_results.json and dbt.log in the target path say which."""


def parsed_manifest(target: str = DEFAULT_TARGET):
    """The project's manifest for a dbt target: kept in this process, else read back from the last parse of
    the same project (orchestration/build/manifest_cache.py), else parsed: for DuckDB partially, from the
    state `make install` wrote; for another engine in full (its adapter's macros differ)."""
    key = manifest_cache.fingerprint(target, PARSED_STATE)
    with _invocation_lock:
        if _parsed.get(target, {}).get("key") == key:
            return _parsed[target]["manifest"]
        manifest = manifest_cache.load(target, key)
        if manifest is None:
            manifest = _parse(target)
            manifest_cache.store(target, key, manifest)
        _parsed[target] = {"key": key, "manifest": manifest}
        # Everything alive now (Dagster's definitions, dbt's manifest, the adapters) lives as long as the
        # process: out of the collector's reach, each full collection (one per build, in _close_duckdb, and
        # Python's own) scans only what builds create (5.2-5.4 s against 5.6-5.7 s per small build here).
        gc.freeze()
        return manifest


def _parse(target: str):
    partial = ["--partial-parse-file-path", str(PARSED_STATE)] if target == DEFAULT_TARGET else []
    scratch = Path(tempfile.mkdtemp(prefix="pyramid-dbt-parse-"))
    try:
        with _profile_defaults():
            result = dbtRunner().invoke(
                [
                    "parse",
                    *_COMMON_ARGS,
                    "--quiet",
                    "--no-write-json",
                    "--target-path",
                    str(scratch),
                    "--log-path",
                    str(scratch),
                    "--target",
                    target,
                    *partial,
                ]
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if not result.success:
        raise DbtInvocationError(f"dbt parse failed: {result.exception}")
    return result.result


def parse_in_background() -> None:
    """Parse now, in a thread, while the run lands its inputs and validates them: the dbt step then finds
    the manifest ready. A failure here is left for the dbt step to raise."""

    def parse() -> None:
        with contextlib.suppress(Exception):
            parsed_manifest()

    threading.Thread(target=parse, name="dbt-parse", daemon=True).start()


@contextmanager
def _profile_defaults():
    """Parse with the profile's default path: the parsed nodes name the catalog after the file (`pyramid`,
    as every build file does), so a PYRAMID_DUCKDB_PATH set for dbt by hand must not reach the parse. Only
    that variable is set aside (the parse may run in a thread): nothing else in this process reads it."""
    saved = os.environ.pop("PYRAMID_DUCKDB_PATH", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["PYRAMID_DUCKDB_PATH"] = saved


def dbt_build(
    context,
    args: Sequence[str],
    *,
    target_path: Path,
    echo: bool,
    target: str = DEFAULT_TARGET,
    within: str | None = None,
    exclude: str | None = None,
) -> Iterator[Any]:
    """`dbt build <args>` in this process for the selected dbt assets; yields their Dagster events as dbt
    fires them. Raises DbtInvocationError once dbt is done when anything failed.

    `within` builds only the selected nodes that this dbt selection also selects; `exclude` leaves its nodes
    out (the Spark build's two passes, orchestration/build/spark.py)."""
    manifest_json, translator, _ = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    selection, _ = get_subset_selection_for_context(
        context=context,
        manifest=manifest_json,
        select=within,
        exclude=exclude,
        selector=None,
        dagster_dbt_translator=translator,
        current_dbt_indirect_selection_env=None,
    )
    selection = _narrowed(selection, within, exclude)
    target_path.mkdir(parents=True, exist_ok=True)
    command = [
        "build",
        *_COMMON_ARGS,
        "--target",
        target,
        *args,
        *selection,
        "--target-path",
        str(target_path),
        *log_args(target_path, echo=echo),
    ]
    events: queue.Queue = queue.Queue()
    progress.phase(PROGRESS_PHASE)
    with _invocation_lock:
        manifest = parsed_manifest(target)
        runner = dbtRunner(manifest=manifest, callbacks=[lambda message: _forward_result(message, events)])
        outcome: dict[str, Any] = {}

        def invoke() -> None:
            try:
                outcome["result"] = runner.invoke(command)
            except BaseException as error:  # reported in the step, not lost in the thread
                outcome["error"] = error
            finally:
                events.put(None)

        worker = threading.Thread(target=invoke, name="dbt-build", daemon=True)
        worker.start()
        try:
            while (raw_event := events.get()) is not None:
                yield from _dagster_events(raw_event, manifest_json, translator, context, target_path)
        finally:
            worker.join()
            _close_duckdb()
    _raise_on_failure(outcome)


def _narrowed(selection: list[str], within: str | None, exclude: str | None) -> list[str]:
    """A subset's selection (dagster-dbt's `--select <nodes>`, without `within` and `exclude`) narrowed by
    them: each selected node intersected with `within` (dbt's `a,b`), `exclude` added."""
    if "--select" not in selection or (within and f"--select {within}" in " ".join(selection)):
        return selection
    narrowed = list(selection)
    if within:
        position = narrowed.index("--select") + 1
        narrowed[position] = " ".join(f"{within},{node}" for node in narrowed[position].split())
    if exclude and "--exclude" not in narrowed:
        narrowed += ["--exclude", exclude]
    return narrowed


def log_args(target_path: Path, *, echo: bool) -> list[str]:
    """Where and how much dbt logs in a build."""
    return [
        "--log-path",
        str(target_path),
        # dbt.log keeps what happened and every error; at dbt's default (debug) it would also take each
        # query's text, a line per event formatted in this thread: 0.4 s of every small build, measured.
        "--log-level-file",
        "info",
        # Not echoed: no console logger at all (a quiet one still formats every event, then drops it). A
        # failure is reported from run_results.json and dbt.log (orchestration/build/failures.py).
        *([] if echo else ["--log-level", "none"]),
    ]


def _forward_result(message, events: queue.Queue) -> None:
    """Count each finished node for the run's progress, and queue the events dagster-dbt turns into Dagster
    events (a node's result, by dagster-dbt's own rule).

    dbt fires hundreds of events per build (each query, each node's start); turning every one into a dict
    costs more than the small build's queries themselves. Only the name and node are read to decide.
    """
    unique_id = getattr(getattr(message.data, "node_info", None), "unique_id", "")
    name = message.info.name
    if unique_id and name in _RESULT_EVENTS:  # "37 of 108": dbt's own count of the nodes it runs
        total = getattr(message.data, "total", 0) or getattr(message.data, "num_models", 0)
        progress.count(PROGRESS_PHASE, message.data.index, total)
    head = {"info": {"name": name}, "data": {"node_info": {"unique_id": unique_id}}}
    if unique_id and _is_result(head):
        events.put(msg_to_dict(message))


def _is_result(raw_event: dict[str, Any]) -> bool:
    return DbtCoreCliEventMessage(raw_event=raw_event, event_history_metadata={}).is_result_event


def _dagster_events(raw_event: Mapping[str, Any], manifest_json, translator, context, target_path: Path):
    event = DbtCoreCliEventMessage(raw_event=dict(raw_event), event_history_metadata={})
    yield from event.to_default_asset_events(
        manifest=manifest_json,
        dagster_dbt_translator=translator,
        context=context,
        target_path=target_path,
        project=pyramid_dbt_project,
    )


def _raise_on_failure(outcome: Mapping[str, Any]) -> None:
    if "error" in outcome:
        raise DbtInvocationError(f"dbt stopped: {outcome['error']}") from outcome["error"]
    result = outcome["result"]
    if not result.success:
        raise DbtInvocationError(f"dbt build failed: {result.exception or 'a node failed'}")


def _close_duckdb() -> None:
    """dbt-duckdb keeps its database open between invocations; the next steps open the file themselves."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.adapters.factory import cleanup_connections

    cleanup_connections()
    environment = DuckDBConnectionManager._ENV
    DuckDBConnectionManager.close_all_connections()
    if environment is not None:
        environment.close()
    gc.collect()
