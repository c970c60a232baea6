"""``scripts/bench`` end to end on a tiny archive: it runs and reports; no timing is asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_bench_runs_end_to_end(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    keep = tmp_path / "archive"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env.pop("ANNOTARY_ENABLED", None)
    options = ["--articles", "5", "--annotations", "5", "--repeat", "1"]
    options += ["--json", str(results), "--keep", str(keep)]
    completed = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "bench"), *options],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "annotated / plain, cold" in completed.stdout

    data = json.loads(results.read_text())
    assert data["params"]["articles"] == 5
    assert data["archive"]["annotations"] == 25
    for key in ("plain", "annotated_cold", "annotated_warm", "lint_cold"):
        assert len(data["runs"][key]) == 1
        median = data["median"][key]
        assert median["max_rss_mb"] > 0
        # the kernel's share is part of the CPU time, and a Python process faults pages in
        assert 0 < median["sys_cpu_s"] <= median["cpu_s"]
        assert median["minor_faults"] > 1000
        run = data["runs"][key][0]
        assert (run["sys_cpu"], run["minor_faults"]) == (
            median["sys_cpu_s"],
            median["minor_faults"],
        )
    assert set(data["ratios"]) >= {"annotated_over_plain_cold", "annotated_over_plain_warm"}
    # and each repetition's own ratio (one repetition: the ratio of its runs)
    for kind in ("cold", "warm"):
        runs = data["runs"]
        each = runs[f"annotated_{kind}"][0]["wall"] / runs["plain"][0]["wall"]
        assert data["ratios"][f"annotated_over_plain_{kind}_each"] == [each]
    assert "cold, within each repetition" in completed.stdout
    assert data["anchoring"]["exact"]["quotes_per_s"] > 0
    assert data["anchoring"]["fuzzy"]["state"] == "drifted"
    # the synthetic archive is as designed: every quote lands, exactly or drifted
    states = data["lint_states"]
    assert states["orphan"] == states["ambiguous"] == 0
    assert states["exact"] + states["drifted"] == 25
    site = data["site"]
    assert site["article_page_bytes_median"] > site["plain_article_page_bytes_median"]

    # the archive was kept, with both sites
    assert len(list((keep / "archive" / "docs" / "articles").glob("*.md"))) == 5
    assert (keep / "sites" / "annotated" / "index.html").is_file()
    assert (keep / "sites" / "plain" / "index.html").is_file()
