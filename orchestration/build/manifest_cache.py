"""dbt's parsed manifest kept between processes, so that a run parses the project only after it changed.

Even a partial parse from `partial_parse.msgpack` costs every process about two seconds of one core (dbt
reads the state, hashes every project file and rebuilds its lookups), on the path of every `pyramid run` and
of every step process `dagster dev` starts. The parsed `Manifest` object itself unpickles in milliseconds.
It is stored under dbt_project/target/parsed_manifests/, named by a fingerprint of everything a parse reads:
the project's files (path, size, modification time), the partial-parse state, the dbt target, the versions of
Python, dbt-core and the adapters, and the environment variables the project's files read with env_var().
Any change gives another name, so a stale manifest is never loaded; a file that cannot be read back is
parsed again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.metadata
import io
import os
import pickle
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from orchestration.build.project import project_files
from orchestration.core.paths import DBT_PROJECT_DIR

CACHE_DIR = DBT_PROJECT_DIR / "target" / "parsed_manifests"
_ENGINE_PACKAGES = ("dbt-core", "dbt-duckdb", "dbt-spark")
_ENV_VAR_CALL = re.compile(r"env_var\(\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]")
# Set aside for every parse (dbt_in_process._profile_defaults): it does not change what is parsed.
_NOT_READ_BY_THE_PARSE = {"PYRAMID_DUCKDB_PATH"}


def fingerprint(target: str, partial_state: Path, project_dir: Path = DBT_PROJECT_DIR) -> str:
    """The name of the manifest a parse of `project_dir` for `target` gives, from what that parse reads."""
    digest = hashlib.sha256()
    for part in (sys.version, target, *(_version(package) for package in _ENGINE_PACKAGES)):
        digest.update(f"{part}\n".encode())
    files = [project_dir / "profiles.yml", *project_files(project_dir)]
    for path in [partial_state, *files]:
        with contextlib.suppress(FileNotFoundError):
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    for name in sorted(_environment_variables_read(files) - _NOT_READ_BY_THE_PARSE):
        digest.update(f"{name}={os.environ.get(name)}\n".encode())
    return digest.hexdigest()[:20]


def _environment_variables_read(files: list[Path]) -> set[str]:
    """The names the project's files read with env_var(): only these can change what a parse gives."""
    names: set[str] = set()
    for path in files:
        if path.suffix in {".sql", ".yml", ".yaml"} and path.is_file():
            names.update(_ENV_VAR_CALL.findall(path.read_text(errors="replace")))
    return names


def _version(package: str) -> str:
    try:
        return f"{package} {importlib.metadata.version(package)}"
    except importlib.metadata.PackageNotFoundError:
        return f"{package} -"


def _cache_file(target: str, key: str) -> Path:
    return CACHE_DIR / f"{target}-{key}.pickle"


class _ManifestPickler(pickle.Pickler):
    """Pickles dbt's Manifest by its public fields.

    dbt-core 1.11's own `Manifest.__reduce_ex__` passes its fields by position and skips one (`fixtures`), so
    every later field, the lookups among them, comes back in the wrong place ("RefableLookup.find() missing
    1 required positional argument"). The private fields (lookups, lock, parsing state) are caches dbt
    rebuilds on first use; they are left out.
    """

    def reducer_override(self, obj: Any) -> Any:
        from dbt.contracts.graph.manifest import Manifest

        if type(obj) is Manifest:
            public = {
                field.name: getattr(obj, field.name)
                for field in dataclasses.fields(obj)
                if field.init and not field.name.startswith("_")
            }
            return _manifest_from_fields, (public,)
        return NotImplemented


def _manifest_from_fields(fields: dict[str, Any]) -> Any:
    from dbt.contracts.graph.manifest import Manifest

    return Manifest(**fields)


def load(target: str, key: str) -> Any | None:
    """The manifest stored for this fingerprint, or None (none stored, or it cannot be read back)."""
    path = _cache_file(target, key)
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as handle:
            # Written by this project (store below), next to its own code: as trusted as that code.
            return pickle.load(handle)
    except Exception:  # a partial or incompatible file: parse again, and store anew
        return None


def store(target: str, key: str, manifest: Any) -> None:
    """Store a freshly parsed manifest (atomically) and drop the target's earlier ones. A folder that cannot
    be written (a read-only install) only means the next process parses again: never a failed build."""
    buffer = io.BytesIO()
    _ManifestPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(manifest)
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=CACHE_DIR, suffix=".partial", delete=False) as handle:
            handle.write(buffer.getbuffer())
        os.chmod(handle.name, 0o644)  # as the project's other generated files (a temporary file is private)
        os.replace(handle.name, _cache_file(target, key))
        for old in CACHE_DIR.glob(f"{target}-*.pickle"):
            if old != _cache_file(target, key):
                old.unlink(missing_ok=True)
    except OSError:
        return
