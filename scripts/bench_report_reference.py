"""The manager report's figures by the queries of a reference release, for the benchmark.

The benchmark compares the report's figures with those the reference release's
queries give on the same database (same parameters, same salespeople), and
times them side by side. The reference is release 18.0.2.1.0, the last whose
queries read the documents alone: 18.0.2.2.0 read summary tables that its
triggers kept (the figures of both were compared equal when it was released),
which 18.0.3.0.0 dropped. Its query modules (its tools, which import each other)
are read from git into a scratch package and imported from there; nothing of it
is kept.
"""

import importlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import upgrade_check

PACKAGE = "crm_xyz_previous_release_queries"
REFERENCE_VERSION = "18.0.2.1.0"


def load_previous_queries(root):
    """(module, version) of the reference release's manager_report_query, or None
    without it in the git history (a shallow clone)."""
    ref = upgrade_check.release_commit(root, REFERENCE_VERSION)
    if ref is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="crm_xyz_reference_"))
    package = folder / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")
    tools = f"{upgrade_check.ADDON}/tools/"
    names = subprocess.run(
        ["git", "-C", str(root), "ls-tree", "--name-only", ref, tools],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # every module of the release's tools: they import each other
    for path in (
        name for name in names if name.endswith(".py") and not name.endswith("__init__.py")
    ):
        source = subprocess.run(
            ["git", "-C", str(root), "show", f"{ref}:{path}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (package / Path(path).name).write_text(source)
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(f"{PACKAGE}.manager_report_query"), REFERENCE_VERSION
    finally:
        sys.path.remove(str(folder))


def compare(cr, service, previous, periods):
    """Run the report's figure queries and the reference release's twins for
    ``periods`` ((date_from, date_to) pairs) over the whole team.

    Returns (differences, seconds now, seconds of the reference release): the
    differences are strings, one per (period, query, salesperson, column). A
    figure the report no longer counts (None: the completeness of a past
    period, read from the snapshots) is not compared.
    """
    from odoo.addons.crm_xyz_addon.tools import manager_report_query as queries

    differences, seconds, previous_seconds = [], 0.0, 0.0
    team_ids = service._team_users().ids
    started = time.perf_counter()
    ranges_stored = previous.store_salesperson_ranges(cr, service.env.company.id)
    previous_seconds += time.perf_counter() - started
    for date_from, date_to in periods:
        params = service._query_params(team_ids, date_from, date_to)
        figure_queries = service._figure_queries()
        chosen = [(method(params), columns) for method, columns in figure_queries.values()]
        started = time.perf_counter()
        cr.execute(queries.report_statement(params, chosen))
        rows = cr.fetchall()
        seconds += time.perf_counter() - started
        now = {name: {} for name in figure_queries}
        for user_id, *values in rows:
            for name, (found, *figures) in zip(
                figure_queries, queries.split_figures(values, chosen), strict=True
            ):
                if found:
                    now[name][user_id] = tuple(figures)
        old_params = {
            **params,
            "ranges_stored": ranges_stored,
            "cutoff_utc": params["end_utc"],
            "as_of": date_to,
        }
        for name, (_method, columns) in figure_queries.items():
            old_rows, old_elapsed = _rows(cr, getattr(previous, f"{name}_query")(old_params))
            previous_seconds += old_elapsed
            for user_id in sorted(set(now[name]) | set(old_rows)):
                new = now[name].get(user_id, (0,) * len(columns))
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
