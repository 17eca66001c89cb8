"""The manager report's figures by the queries of the previous release, for the benchmark.

The benchmark compares the report's figures with those the previous release's
queries give on the same database (same parameters, same salespeople), and
times them side by side. The previous release is the one ``upgrade_check``
installs: the addon as it was before the commit that set the current manifest
version. Its modules of tools/ (the query modules and what they import) are
read from git into a scratch package and imported from there; nothing of it is
kept.
"""

import importlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import upgrade_check

PACKAGE = "crm_xyz_previous_release_queries"


def load_previous_queries(root):
    """(module, version) of the previous release's manager_report_query, or None
    without a previous release in the git history (a shallow clone)."""
    release = upgrade_check.previous_release(root)
    if release is None:
        return None
    ref, version = release
    folder = Path(tempfile.mkdtemp(prefix="crm_xyz_reference_"))
    package = folder / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")

    def git(*args):
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
        ).stdout

    # the query modules import their neighbours (report_summaries, ...): take them all
    tools = f"{upgrade_check.ADDON}/tools/"
    for path in git("ls-tree", "--name-only", ref, tools).split():
        if path.endswith(".py") and not path.endswith("__init__.py"):
            (package / Path(path).name).write_text(git("show", f"{ref}:{path}"))
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(f"{PACKAGE}.manager_report_query"), version
    finally:
        sys.path.remove(str(folder))


def compare(cr, service, previous, periods):
    """Run each figure query of the report and its previous-release twin for
    ``periods`` ((date_from, date_to) pairs) over the whole team.

    Returns (differences, seconds now, seconds of the previous release): the
    differences are strings, one per (period, query, salesperson, column). A
    figure the report no longer counts (None: the completeness of a past
    period, read from the snapshots) is not compared.
    """
    from odoo.addons.crm_xyz_addon.tools.manager_report_query import store_salesperson_ranges

    differences, previous_seconds = [], 0.0
    team_ids = service._team_users().ids
    # the salesperson ranges, stored once for every period as the report does
    started = time.perf_counter()
    ranges_stored = store_salesperson_ranges(cr, service.env.company.id)
    seconds = time.perf_counter() - started
    for date_from, date_to in periods:
        params = {
            **service._query_params(team_ids, date_from, date_to),
            "ranges_stored": ranges_stored,
        }
        for name, (method, columns) in service._figure_queries().items():
            rows, elapsed = _rows(cr, method(params))
            seconds += elapsed
            old_rows, old_elapsed = _rows(cr, getattr(previous, f"{name}_query")(params))
            previous_seconds += old_elapsed
            for user_id in sorted(set(rows) | set(old_rows)):
                new = rows.get(user_id, (0,) * len(columns))
                old = old_rows.get(user_id, (0,) * len(columns))
                for column, value, old_value in zip(columns, new, old, strict=True):
                    if value is not None and float(value or 0) != float(old_value or 0):
                        differences.append(
                            f"{date_from}..{date_to} {name}.{column} of user {user_id}: "
                            f"{value} now, {old_value} before"
                        )
    return differences, seconds, previous_seconds


def _rows(cr, query):
    started = time.perf_counter()
    cr.execute(query)
    rows = {user_id: tuple(values) for user_id, *values in cr.fetchall()}
    return rows, time.perf_counter() - started
