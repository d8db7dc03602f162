"""The project's counts, read from dbt's manifest and the suite list: what docs would otherwise state by hand.

make docs   # prints them after the docs are written; or: python -m orchestration.report.project_counts
"""

from __future__ import annotations

from collections import Counter

from orchestration.build.lineage import load_manifest
from orchestration.validate.suite_list import SUITE_LIST


def project_counts() -> dict[str, int]:
    manifest = load_manifest()
    nodes = Counter(node["resource_type"] for node in manifest["nodes"].values())
    return {
        "models": nodes["model"],
        "data tests": nodes["test"],
        "unit tests": len(manifest.get("unit_tests", {})),
        "sources": len(manifest["sources"]),
        "exposures": len(manifest["exposures"]),
        "macros of this project": sum(
            1 for macro in manifest["macros"].values() if macro["package_name"] == "customer_pyramid"
        ),
        "Great Expectations suites": len(SUITE_LIST),
    }


if __name__ == "__main__":
    for name, count in project_counts().items():
        print(f"{count:>5}  {name}")
