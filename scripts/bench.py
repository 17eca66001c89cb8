#!/usr/bin/env python3
"""Scale benchmark of crm_xyz_addon: run it with `./scripts/dev.py bench` (see README).

For each scale (number of customers) it copies a template database that has the
addon installed without demo data, fills it with synthetic data in SQL
(scripts/bench_data.py), then measures in one Odoo process three analyses, each
against its floor (scripts/bench_floor.py: one statement that classifies and
stores into narrow scratch tables, written independently of the engine):

1. the first run, as of the data's last day: every customer is new; its floor
   starts from empty scratch tables;
2. the steady nightly run: after a settling night (the day after the first run,
   no new order, not measured: every customer's trend leaves "new" then), the
   next day, after new orders for 1 % of the customers; its floor starts from
   its own results of the day before and writes only what changed;
3. the idempotent rerun of the steady run; its floor is the computation alone,
   without any write.

The floor and the engine are compared customer by customer after each run
(stage, classes, amount, purchases, last sale, CV within 0.001, and the
history rows of the run). Then: the purchase model's fit (part of each run),
how long 100 saves of random customers by a user wait while a run is in
progress, and what the web client asks for (the agenda month of one salesperson
with 10,000 open events, the partner list grouped by stage and class, the
Contacts list sorted by P(alive), the customer portfolio with the expected
purchases per cell, the manager report of every salesperson over a year).

With a hot standby of the cluster (`--standby-host`/`--standby-port`, which
`./scripts/dev.py bench` gives), every screen's reads (scripts/web_screens.py)
are timed on the standby beside the same calls on the primary (its ratio is
standby / primary); then a steady nightly run on the primary while another
process reads the agenda and the report from the standby: the longest read, and
how long after the run's commit the standby shows it (the replication lag).

It prints one table: scale, figure, time, ratio to the floor, peak memory
(resident set size of the Odoo process, sampled every 10 ms) and number of SQL
queries (Odoo's query counter plus the round trips of server-side cursors),
and writes it to .local/bench/results.md. Each scale runs in a process of its
own, so that memory figures do not carry over from one scale to the next.

`--smoke` checks the same agreement at 80 customers (both sales sources),
without timing, in a database of its own that it drops when done.
"""

import argparse
import functools
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from contextlib import closing, contextmanager
from datetime import date, timedelta
from pathlib import Path

import bench_data
import bench_floor
import bench_report_reference
import psycopg2.extensions
import web_screens

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import sql as sqltools

ROOT = Path(__file__).resolve().parent.parent
ADDON = "crm_xyz_addon"
TEMPLATE_PREFIX = "crm_xyz_bench_tpl_"
DB_PREFIX = "crm_xyz_bench_"
SMOKE_DB = f"{DB_PREFIX}smoke"
RESULTS = ROOT / ".local" / "bench"
WEB_REPEAT = 3  # measured calls of each web figure, after one warm-up; the median is shown
AGENDA_MODEL = "crm.xyz.agenda"
REPORT_MODEL = "crm.xyz.manager.report"

FIRST_FLOOR = "first run: floor (classify + INSERT + history INSERT)"
FIRST_RUN = "first run: run_analysis"
STEADY_FLOOR = "steady run: floor (classify + upsert changed + history)"
STEADY_RUN = "steady run: run_analysis"
RERUN_FLOOR = "rerun: compute-only floor (the SELECT alone)"
RERUN_RUN = "rerun: run_analysis again, same date"
SNAPSHOT_FIGURE = "of which: completeness snapshot of today"
SAVES_FIGURE = "users' saves during a run: longest wait"
AGENDA_FIGURE = "agenda: one month of one salesperson"
PARTNER_LIST = "partner list grouped by stage > class"
PARTNER_GROUP = "partner list: unfold the largest stage"
REPORT_FIGURE = "manager report: every salesperson, one year"
REPORT_REFERENCE_FIGURE = "of which queries, as release 18.0.2.1.0 made them (documents alone)"
REFRESH_FIGURE = "manager report: nightly refresh of the summaries"
DAY_OF_CHANGES_SHARE = 0.01
# targets of the issue, at 100,000 customers
TARGET_SCALE = 100_000
TARGETS = {
    "first_ratio": 1.6,
    "steady_ratio": 1.3,
    "rerun_ratio": 1.2,
    "rss_growth_mb": 20,
    "save_wait_seconds": 1.0,
    "agenda_seconds": 0.100,
    "partner_list_seconds": 0.300,
    "report_seconds": 1.0,
    "preview_ratio": 2.0,
    "fit_seconds": 2.0,
    "contacts_sorted_seconds": 0.3,
    "portfolio_seconds": 1.0,
}
# the screens on the hot standby, each beside the same calls on the primary
STANDBY_FIGURE = "on the standby: {label}"
LAG_FIGURE = "replication lag after a steady nightly run"
READS_DURING_RUN_FIGURE = "on the standby during a steady nightly run: longest read of the {what}"
PREVIEW_FIGURE = "settings preview (preview_analysis)"
FIT_FIGURE = "purchase model: fit (BG/NBD, maximum likelihood)"
CONTACTS_BY_P_ALIVE = "Contacts list sorted by P(alive)"
PORTFOLIO_FIGURE = "portfolio with expected purchases"
SUGGEST_FIGURE = "suggested XYZ limits (suggest_thresholds)"
# four cycles of the purchase patterns: every stage and class occurs, and more than 50
# customers buy on several days (a purchase model is fitted)
SMOKE_CUSTOMERS = 80


def say(message):
    print(f"[bench] {message}", flush=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="the Odoo configuration file")
    parser.add_argument(
        "--scales",
        default="1000,10000,100000",
        help="numbers of customers, comma separated [%(default)s]",
    )
    parser.add_argument(
        "--salespeople",
        type=int,
        default=200,
        help="sales users owning the customers, besides one sales manager [%(default)s]",
    )
    parser.add_argument(
        "--agenda-events",
        type=int,
        default=10_000,
        help="open events of the agenda salesperson [%(default)s]",
    )
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=date.today() - timedelta(days=1),
        help="date of the first run; the history ends there, a settling night follows "
        "and the steady run is the day after it [yesterday]",
    )
    parser.add_argument(
        "--next-day-share",
        type=float,
        default=0.01,
        help="share of the customers with a new order on the day of the steady run "
        "[%(default)s]",
    )
    parser.add_argument(
        "--saves",
        type=int,
        default=100,
        help="customers a user saves while a run is in progress [%(default)s]",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure the three runs and their floors this many times (engine and floor "
        "in alternating order) and keep the fastest of each [%(default)s]",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database of a scale built by an earlier run "
        "(upgrading the addon in it when its code changed)",
    )
    parser.add_argument(
        "--drop",
        action="store_true",
        help="drop each scale's database when measured (they are kept by default)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"no timing: check at {SMOKE_CUSTOMERS} customers that the floor and the engine "
        "agree on the three runs, for both sales sources, and that a user's save does not "
        "wait for a run (exit code 1 otherwise)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="write the plans (EXPLAIN ANALYZE, rolled back) of the engine's statement and "
        "of the floor's before each run into .local/bench/ (extra work: not for the table)",
    )
    parser.add_argument(
        "--template",
        metavar="DB",
        help="copy this database (the addon installed without demo data, e.g. by the test "
        "life cycle) instead of making or reusing the benchmark's own template",
    )
    parser.add_argument(
        "--write-path",
        action="store_true",
        help="measure instead what the addon adds to Odoo's own writes (confirmations, "
        "postings, payments, partners) against a database without it: "
        "scripts/bench_write_path.py, whose options (see its --help) replace these",
    )
    parser.add_argument(
        "--standby-host",
        help="socket folder (or host) of a hot standby of the cluster: the screens are "
        "timed on it too (./scripts/dev.py bench gives it)",
    )
    parser.add_argument("--standby-port", type=int, help="port of the hot standby")
    # internal: one scale, in its own process
    parser.add_argument("--worker", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--standby-reader", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--agenda-user", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--manager-user", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--company", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--stop-file", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ------------------------------------------------------------------ driver
def main(argv):
    if "--write-path" in argv:
        import bench_write_path

        return bench_write_path.main([arg for arg in argv if arg != "--write-path"])
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    if args.standby_reader:
        return standby_reader(args)
    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"], setup_logging=True)
    if args.smoke:
        return smoke(args)
    scales = [int(scale.replace("_", "")) for scale in args.scales.split(",") if scale.strip()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    template = args.template or ensure_template(args)
    rows, failures, loads = [], 0, []
    for scale in scales:
        db = f"{DB_PREFIX}{scale}"
        prepare_database(args, template, db, scale)
        result_file = RESULTS / f"{db}.json"
        result_file.unlink(missing_ok=True)
        say(f"measuring {scale:,} customers in {db}")
        command = [
            sys.executable,
            __file__,
            "--config",
            args.config,
            "--worker",
            db,
            "--scale",
            str(scale),
            "--result",
            str(result_file),
            "--salespeople",
            str(args.salespeople),
            "--agenda-events",
            str(args.agenda_events),
            "--as-of",
            args.as_of.isoformat(),
            "--next-day-share",
            str(args.next_day_share),
            "--saves",
            str(args.saves),
            "--repeat",
            str(args.repeat),
        ]
        if args.explain:
            command.append("--explain")
        if args.standby_host:
            command += [
                "--standby-host",
                args.standby_host,
                "--standby-port",
                str(args.standby_port),
            ]
        returncode = subprocess.run(command, cwd=ROOT, check=False).returncode
        if result_file.exists():
            result = json.loads(result_file.read_text())
            rows += result["rows"]
            failures += not result["agree"]
            loads.append(f"{scale:,}: {result['load'][0]:.1f} to {result['load'][1]:.1f}")
        if returncode:
            failures += 1
            say(f"the measurement of {scale:,} customers failed (exit code {returncode})")
        if args.drop:
            drop_database(db)
    table = render_table(rows)
    verdict = render_targets(rows)
    if loads:
        verdict += (
            f"\n- machine load (1-minute load average, {os.cpu_count()} cores) from the "
            f"start to the end of each scale: {'; '.join(loads)}"
        )
    print()
    print(table)
    print()
    print(verdict)
    (RESULTS / "results.md").write_text(f"{table}\n\n{verdict}\n")
    say(f"table saved in {RESULTS / 'results.md'}")
    return 1 if failures else 0


def addon_fingerprint():
    """Hash of the addon's code and data: a template is rebuilt when it changes.

    The tests are left out: they change no database.
    """
    digest = hashlib.sha1()
    for path in sorted((ROOT / ADDON).rglob("*")):
        if path.is_file() and path.suffix in (".py", ".xml", ".csv") and "tests" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


@contextmanager
def postgres_cursor():
    with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        # CREATE / DROP DATABASE cannot run inside a transaction
        cr._cnx.autocommit = True
        yield cr


def database_comment(db):
    with postgres_cursor() as cr:
        cr.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [db]
        )
        row = cr.fetchone()
    return None if row is None else (row[0] or "")


def set_database_comment(db, comment):
    with postgres_cursor() as cr:
        cr.execute(f'COMMENT ON DATABASE "{db}" IS %s', [comment])


def drop_database(db):
    odoo.sql_db.close_db(db)
    with postgres_cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    shutil.rmtree(odoo.tools.config.filestore(db), ignore_errors=True)


def run_odoo(config_file, db, *odoo_args):
    command = [
        sys.executable,
        "-m",
        "odoo",
        "-c",
        config_file,
        "-d",
        db,
        *odoo_args,
        "--stop-after-init",
        "--no-http",
        "--max-cron-threads=0",
        "--log-level=warn",
    ]
    if subprocess.run(command, cwd=ROOT, check=False).returncode:
        raise SystemExit(f"odoo {' '.join(odoo_args)} failed on {db}")


def ensure_template(args):
    """A database with the addon installed without demo data, made once per addon version."""
    fingerprint = addon_fingerprint()
    template = f"{TEMPLATE_PREFIX}{fingerprint}"
    if database_comment(template) == f"{ADDON} {fingerprint}":
        return template
    say(f"creating the template database {template}: {ADDON} without demo data (minutes)")
    try:
        run_odoo(args.config, template, "-i", ADDON, "--without-demo=all")
    except SystemExit:
        drop_database(template)
        raise
    set_database_comment(template, f"{ADDON} {fingerprint}")
    # the templates of earlier versions go once this one is made, not before: a version
    # that does not install leaves the last good one in place
    with postgres_cursor() as cr:
        cr.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
            [TEMPLATE_PREFIX + "%", template],
        )
        stale = [name for (name,) in cr.fetchall()]
    for name in stale:
        drop_database(name)
    return template


def prepare_database(args, template, db, scale):
    """Copy the template, or with --reuse keep a database built for this scale."""
    # the version of the code the template was made with, not the files' of this moment:
    # they may have changed since
    fingerprint = template.removeprefix(TEMPLATE_PREFIX)
    comment = database_comment(db)
    if args.reuse and comment and comment.startswith(f"{ADDON} scale {scale} "):
        if comment != f"{ADDON} scale {scale} {fingerprint}":
            say(f"upgrading {ADDON} in {db}")
            run_odoo(args.config, db, "-u", ADDON)
            set_database_comment(db, f"{ADDON} scale {scale} {fingerprint}")
        return
    drop_database(db)
    odoo.sql_db.close_db(template)
    with postgres_cursor() as cr:
        cr.execute(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
    source, target = odoo.tools.config.filestore(template), odoo.tools.config.filestore(db)
    if os.path.isdir(source):
        shutil.copytree(source, target, dirs_exist_ok=True)
    set_database_comment(db, f"{ADDON} scale {scale} {fingerprint}")


# ---------------------------------------------------------------- measuring
class CountingCursor(psycopg2.extensions.cursor):
    """Counts the round trips of server-side (named) cursors, which Odoo's counter misses.

    Set as the cursor factory of the connection during a measure: Odoo's own
    cursor exists already, only the cursors opened meanwhile are of this class.
    """

    count = 0
    seconds = 0.0

    def _timed(self, method, *args):
        started = time.perf_counter()
        try:
            return method(*args)
        finally:
            CountingCursor.count += 1
            CountingCursor.seconds += time.perf_counter() - started

    def execute(self, query, vars=None):
        return self._timed(super().execute, query, vars)

    def fetchmany(self, size=None):
        if not self.name:
            return super().fetchmany(size) if size else super().fetchmany()
        return self._timed(super().fetchmany, size or self.arraysize)

    def fetchall(self):
        return self._timed(super().fetchall) if self.name else super().fetchall()

    def close(self):
        if self.name and not self.closed:
            return self._timed(super().close)
        return super().close()


class RssSampler(threading.Thread):
    """Highest resident set size of this process while running, sampled every 10 ms."""

    PAGE = os.sysconf("SC_PAGE_SIZE")

    def __init__(self):
        super().__init__(daemon=True)
        self.start_bytes = self.peak_bytes = self.rss()
        self._stop_event = threading.Event()

    @classmethod
    def rss(cls):
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * cls.PAGE

    def run(self):
        while not self._stop_event.wait(0.01):
            self.peak_bytes = max(self.peak_bytes, self.rss())

    def stop(self):
        self._stop_event.set()
        self.join()
        self.peak_bytes = max(self.peak_bytes, self.rss())


@contextmanager
def measure(cr):
    """Wall time, peak RSS and queries of the block (on cursor cr and its connection)."""
    stats = {}
    thread = threading.current_thread()
    thread.query_count, thread.query_time = 0, 0.0
    CountingCursor.count, CountingCursor.seconds = 0, 0.0
    connection = cr._cnx
    previous_factory = connection.cursor_factory
    connection.cursor_factory = CountingCursor
    sampler = RssSampler()
    sampler.start()
    queries_before = cr.sql_log_count
    started = time.perf_counter()
    try:
        yield stats
    finally:
        stats["seconds"] = time.perf_counter() - started
        sampler.stop()
        connection.cursor_factory = previous_factory
        stats["queries"] = cr.sql_log_count - queries_before + CountingCursor.count
        stats["sql_seconds"] = thread.query_time + CountingCursor.seconds
        stats["peak_mb"] = sampler.peak_bytes / 2**20
        stats["growth_mb"] = (sampler.peak_bytes - sampler.start_bytes) / 2**20


def best_of(best, stats):
    """The faster of two measures of the same work, with the higher memory peak of both."""
    if best is None:
        return stats
    peak = max(best["peak_mb"], stats["peak_mb"])
    growth = max(best["growth_mb"], stats["growth_mb"])
    return {
        **min(best, stats, key=lambda entry: entry["seconds"]),
        "peak_mb": peak,
        "growth_mb": growth,
    }


def web_measure(env, call, repeat=WEB_REPEAT, warm_up=True):
    """One warm-up call, then the median of `repeat` calls, each with an empty record cache."""
    results = []
    for _attempt in range(warm_up + repeat):
        env.invalidate_all()
        with measure(env.cr) as stats:
            value = call()
        results.append(stats)
    measured = sorted(results[warm_up:], key=lambda stats: stats["seconds"])
    median = measured[len(measured) // 2]
    median["peak_mb"] = max(stats["peak_mb"] for stats in results)
    median["seconds"] = statistics.median(stats["seconds"] for stats in measured)
    return median, value


class ScaleBenchmark:
    """The measures of one scale, in one database, in this process."""

    def __init__(self, args, smoke=False):
        self.args = args
        self.smoke = smoke
        self.db, self.scale = args.worker, args.scale
        self.registry = Registry(self.db)
        self.rows = []
        self.agree = True
        self.data = None

    def run(self):
        load_at_start = os.getloadavg()[0]
        self.load_data()
        self.measure_runs()
        self.measure_saves_during_run()
        with self.registry.cursor() as cr:
            self.measure_agenda(cr)
            self.measure_partner_list(cr)
            self.measure_purchase_model_screens(cr)
        self.refresh_report_summaries()
        with self.registry.cursor() as cr:
            self.measure_manager_report(cr)
        if self.args.standby_host:
            self.measure_screens_on_standby()
            self.measure_reads_during_run()
        load = (load_at_start, os.getloadavg()[0])
        self.say(
            f"load average {load[0]:.1f} at the start, {load[1]:.1f} at the end "
            f"({os.cpu_count()} cores)"
        )
        return {"rows": self.rows, "agree": self.agree, "load": load}

    # ------------------------------------------------------------ helpers
    def say(self, message):
        say(f"{self.scale:,}: {message}")

    def fail(self, message):
        self.agree = False
        self.say(f"FAILED: {message}")

    def row(self, figure, stats=None, ratio=None, note=""):
        self.rows.append(
            {"scale": self.scale, "figure": figure, "ratio": ratio, "note": note, **(stats or {})}
        )
        details = f" ({note})" if note else ""
        if stats and stats.get("peak_mb") is None:
            self.say(f"{figure}: {stats['seconds']:.3f} s{details}")
        elif stats:
            self.say(
                f"{figure}: {stats['seconds']:.3f} s, peak {stats['peak_mb']:.0f} MB "
                f"(+{stats['growth_mb']:.0f}), {stats['queries']} queries, "
                f"{stats['sql_seconds']:.2f} s in SQL{details}"
            )
        else:
            self.say(f"{figure}{details}")

    def env(self, cr, uid=SUPERUSER_ID, company=True):
        context = {"tz": "UTC", "lang": "en_US"}
        if company:
            context["allowed_company_ids"] = [self.company_id]
        return api.Environment(cr, uid, context)

    @property
    def company_id(self):
        return self.data["company_id"]

    @property
    def as_of(self):
        return date.fromisoformat(self.data["as_of"])

    @property
    def first_day(self):
        """The first run's date: the last day of the data."""
        return self.as_of

    @property
    def settle_day(self):
        """The settling night after the first run: no new order."""
        return self.as_of + timedelta(days=1)

    @property
    def next_day(self):
        """The steady night: new orders for 1% of the customers are dated on it."""
        return self.as_of + timedelta(days=2)

    def best_note(self):
        return f"best of {self.args.repeat}, " if self.args.repeat > 1 else ""

    # ------------------------------------------------------------ data
    def load_data(self):
        """Build the synthetic data, unless this database holds it already (--reuse)."""
        args = self.args
        with self.registry.cursor() as cr:
            env = self.env(cr, company=False)
            stored = env["ir.config_parameter"].get_param("crm_xyz_bench.data")
            if stored:
                self.data = json.loads(stored)
                self.say("reusing the data built earlier")
            else:
                self.say(
                    "building the data (customers, contacts, salespeople, 24 months of "
                    "orders, invoices, credit notes, activities)"
                )
                with measure(cr) as stats:
                    built = bench_data.build_benchmark_data(
                        env,
                        self.scale,
                        company=env.ref("base.main_company"),
                        as_of=args.as_of,
                        salespeople=args.salespeople,
                        agenda_events=args.agenda_events,
                        # the smoke check keeps the foreign keys: it checks the builder
                        check_foreign_keys=self.smoke,
                    )
                    cr.commit()
                self.data = {
                    "as_of": built.as_of.isoformat(),
                    "company_id": built.company_id,
                    "manager_user_id": built.manager_user_id,
                    "agenda_user_id": built.agenda_user_id,
                    "salesperson_user_ids": built.salesperson_user_ids,
                    "counts": built.counts,
                }
                env["ir.config_parameter"].set_param("crm_xyz_bench.data", json.dumps(self.data))
                counts = built.counts
                self.row(
                    "build data",
                    stats,
                    note=f"{counts['customers']:,} customers, {counts['contacts']:,} "
                    f"contacts, {counts['confirmed_orders']:,} confirmed orders "
                    f"(+{counts['other_orders']:,} quotations and cancelled), "
                    f"{counts['order_lines']:,} lines, {counts['invoices']:,} "
                    f"invoices, {counts['credit_notes']:,} credit notes",
                )
            env = self.env(cr)
            bench_data.ensure_currency_rates(env, env.company)
            # the orders of the steady run's day: invisible to the first run, which ends
            # the day before
            added = bench_data.add_next_day_orders(
                env, self.next_day, share=args.next_day_share, company=env.company
            )
            self.say(f"{added:,} customers have an order on {self.next_day}")
            bench_floor.prepare(cr)
            cr.commit()
        vacuum(self.db, analyze=True)

    def reset_classification(self):
        """Forget every earlier analysis and floor result: everyone is new again."""
        with self.registry.cursor() as cr:
            company_id = self.company_id
            for table in ("crm_xyz_classification", "crm_xyz_history"):
                cr.execute(
                    f"SELECT EXISTS (SELECT 1 FROM {table} WHERE company_id <> %s)", [company_id]
                )
                if cr.fetchone()[0]:
                    cr.execute(f"DELETE FROM {table} WHERE company_id = %s", [company_id])
                else:
                    cr.execute(f"TRUNCATE {table}")
            if sqltools.table_exists(cr, "crm_xyz_warning"):
                # the early warnings of earlier runs, and the follow-ups they scheduled
                cr.execute(
                    "DELETE FROM mail_activity WHERE id IN (SELECT activity_id FROM "
                    "crm_xyz_warning WHERE company_id = %s)",
                    [company_id],
                )
                cr.execute("DELETE FROM crm_xyz_warning WHERE company_id = %s", [company_id])
            cr.execute("UPDATE res_company SET xyz_last_run_id = NULL WHERE id = %s", [company_id])
            cr.execute("DELETE FROM crm_xyz_run WHERE company_id = %s", [company_id])
            cr.execute(f"TRUNCATE {bench_floor.FLOOR_TABLE}, {bench_floor.FLOOR_HISTORY_TABLE}")
        self.vacuum_results()

    def vacuum_results(self):
        """What autovacuum does between two nightly runs, before the next measure."""
        vacuum(
            self.db,
            tables=(
                "crm_xyz_classification",
                "crm_xyz_history",
                "crm_xyz_run",
                "mail_activity",
                bench_floor.FLOOR_TABLE,
                bench_floor.FLOOR_HISTORY_TABLE,
            ),
            analyze=True,
        )

    # ------------------------------------------------------------ the three runs
    def engine_run(self, as_of):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            with measure(cr) as stats:
                # as the scheduled action calls it: the steady night may be after today
                result = env["crm.xyz.run"]._run_analysis(env.company, as_of)._result()
                cr.commit()
        return stats, result

    def floor_run(self, as_of, store=True):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            with measure(cr) as stats:
                if store:
                    figures = bench_floor.classify_and_store(env, env.company, as_of)
                else:
                    figures = (bench_floor.compute_only(env, env.company, as_of), 0, 0)
                cr.commit()
        return stats, figures

    def measure_pair(self, attempt, floor_call, engine_call):
        """The floor and the engine, the floor first on even attempts, the engine first else."""
        if attempt % 2:
            engine = engine_call()
            floor = floor_call()
        else:
            floor = floor_call()
            engine = engine_call()
        return floor, engine

    def measure_runs(self):
        """The three runs and their floors, best of --repeat; checked against each other."""
        with self.registry.cursor() as cr:
            # warm-up, not measured: the first reading of the sales fills the caches for
            # both the floor and the engine, which read the same tables
            env = self.env(cr)
            bench_floor.compute_only(env, env.company, self.as_of)
        best = {}
        for attempt in range(self.args.repeat):
            self.reset_classification()
            self.explain(attempt, "first", self.first_day)
            floor, engine = self.measure_pair(
                attempt,
                lambda: self.floor_run(self.first_day),
                lambda: self.engine_run(self.first_day),
            )
            self.keep(best, "first", floor, engine)
            self.check_agreement("first run", self.first_day, engine[1])
            self.vacuum_results()
            # a settling night, not measured: after the very first analysis every
            # customer's trend goes from "new" to "same" once; the nights after only the
            # customers whose figures change are rewritten, and those are what a
            # steady nightly run is
            self.floor_run(self.settle_day)
            _stats, settled = self.engine_run(self.settle_day)
            self.check_agreement("settling night", self.settle_day, settled)
            self.vacuum_results()
            self.explain(attempt, "steady", self.next_day)
            floor, engine = self.measure_pair(
                attempt,
                lambda: self.floor_run(self.next_day),
                lambda: self.engine_run(self.next_day),
            )
            self.keep(best, "steady", floor, engine)
            self.check_agreement("steady run", self.next_day, engine[1])
            self.vacuum_results()
            self.explain(attempt, "rerun", self.next_day)
            history_before = self.history_count()
            floor, engine = self.measure_pair(
                attempt,
                lambda: self.floor_run(self.next_day, store=False),
                lambda: self.engine_run(self.next_day),
            )
            self.keep(best, "rerun", floor, engine)
            added = self.history_count() - history_before
            if engine[1]["changed_count"] or added:
                self.fail(
                    f"the rerun changed {engine[1]['changed_count']} customers and added "
                    f"{added} history rows"
                )
            self.check_agreement("rerun", None, engine[1])
        self.report_runs(best)
        self.measure_snapshot()
        self.measure_fit()
        self.measure_preview(best["rerun"]["floor"]["seconds"])

    def explain(self, attempt, phase, as_of):
        """With --explain: the plans of the engine's statement and of the floor's, run and
        rolled back (then vacuumed), into .local/bench/explain_<scale>_<phase>.txt."""
        if not self.args.explain or attempt:
            return
        plans = []
        with self.registry.cursor() as cr:
            env = self.env(cr)
            company = env.company
            settings = company._xyz_settings()
            from odoo.addons.crm_xyz_addon.tools import classification_query as queries

            engine_params = {
                **env["crm.xyz.run"]._query_params(company, as_of, settings),
                "run_id": 0,
                "uid": env.uid,
                "now": odoo.fields.Datetime.now(),
            }
            floor_query = bench_floor.CLASSIFY_AND_STORE
            if phase == "rerun":
                floor_query = bench_floor.COMPUTE_ONLY
            statements = (
                (
                    "engine",
                    queries.analysis_statement(settings["xyz_source"], settings["xyz_parameter"]),
                    engine_params,
                ),
                (
                    "floor",
                    floor_query.format(classify=bench_floor._classify(company)),
                    bench_floor.params(company, as_of),
                ),
            )
            for label, statement, params in statements:
                bench_floor.session_settings(env)
                cr.execute(f"EXPLAIN (ANALYZE, BUFFERS, VERBOSE) {statement}", params)
                plans.append(f"-- {label}, {phase} run as of {as_of}\n")
                plans += [line for (line,) in cr.fetchall()]
                plans.append("")
                cr.rollback()
        self.vacuum_results()
        path = RESULTS / f"explain_{self.scale}_{phase}.txt"
        path.write_text("\n".join(plans))
        self.say(f"plans of the {phase} run written to {path}")

    def keep(self, best, phase, floor, engine):
        floor_stats, floor_figures = floor
        engine_stats, result = engine
        previous = best.get(phase)
        best[phase] = {
            "floor": best_of(previous and previous["floor"], floor_stats),
            "engine": best_of(previous and previous["engine"], engine_stats),
            "floor_figures": floor_figures,
            "result": result,
        }

    def report_runs(self, best):
        labels = {
            "first": (FIRST_FLOOR, FIRST_RUN),
            "steady": (STEADY_FLOOR, STEADY_RUN),
            "rerun": (RERUN_FLOOR, RERUN_RUN),
        }
        for phase, (floor_figure, run_figure) in labels.items():
            entry = best[phase]
            customers, stored, history = entry["floor_figures"]
            if phase == "rerun":
                floor_note = f"{customers:,} customers, nothing written"
            else:
                floor_note = (
                    f"{customers:,} customers, {stored:,} rows written, {history:,} history rows"
                )
            self.row(floor_figure, entry["floor"], note=f"{self.best_note()}{floor_note}")
            result = entry["result"]
            self.row(
                run_figure,
                entry["engine"],
                entry["engine"]["seconds"] / entry["floor"]["seconds"],
                note=f"{self.best_note()}{result['customer_count']:,} customers, "
                f"{result['changed_count']:,} changed",
            )
        result = best["first"]["result"]
        stages = ("potential", "one_off", "regular", "lost")
        self.say(
            "first run: potential/one-off/regular/lost "
            f"{[result[f'{stage}_count'] for stage in stages]}, "
            f"A/B/C/X/Y/Z {[result[f'{name}_count'] for name in 'abcxyz']}"
        )

    def history_count(self):
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM crm_xyz_history")
            return cr.fetchone()[0]

    def check_agreement(self, label, history_date, result):
        """Every customer, and (for a run that wrote) the history rows of the day."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            compared, mismatches = bench_floor.compare_with_engine(env, env.company)
            history_mismatches = (
                bench_floor.compare_history(env, history_date, result["id"]) if history_date else []
            )
        if compared != result["customer_count"]:
            self.fail(
                f"{label}: the engine classified {result['customer_count']:,} customers, "
                f"the comparison found {compared:,}"
            )
        if mismatches or history_mismatches:
            self.fail(
                f"{label}: the floor and run_analysis disagree on {len(mismatches):,} of "
                f"{compared:,} customers and on {len(history_mismatches):,} history rows"
            )
            for partner_id, floor_values, run_values in mismatches[:10]:
                self.say(f"    partner {partner_id}: floor {floor_values}, engine {run_values}")
            for values in history_mismatches[:10]:
                self.say(f"    history row of one side only: {values}")
        else:
            self.say(f"{label}: the floor and run_analysis agree on all {compared:,} customers")

    def measure_preview(self, compute_floor_seconds):
        """What the classification settings compute on the screen, read-only, against the
        compute-only floor (issue: under 2x the analysis floor)."""
        for figure, method in (
            (PREVIEW_FIGURE, "preview_analysis"),
            (SUGGEST_FIGURE, "suggest_thresholds"),
        ):
            with self.registry.cursor() as cr:
                env = self.env(cr)
                with measure(cr) as stats:
                    getattr(env["crm.xyz.run"], method)(self.as_of)
                cr.rollback()
            self.row(
                figure,
                stats,
                stats["seconds"] / compute_floor_seconds,
                note="read-only, against the compute-only floor",
            )

    def measure_snapshot(self):
        """The completeness snapshot that a run for the company's today takes besides."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            company = env.company
            with measure(cr) as stats:
                env["crm.xyz.completeness.snapshot"]._take(company, self.next_day)
                cr.commit()
        self.row(SNAPSHOT_FIGURE, stats, note="in the steady run and its rerun, not in the floor")

    def measure_fit(self):
        """The purchase model's fit that each run makes after its statement (in the run's
        time above, not in the floor), on the figures of every customer with a sale."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            company = env.company
            runs = env["crm.xyz.run"]
            figures = runs._stored_model_figures(company, self.next_day)
            with measure(cr) as stats:
                model, values = runs._purchase_model(company, figures)
            cr.rollback()
        if model is None:
            self.fail(f"no purchase model: {values['bgnbd_message']}")
            return
        self.row(
            FIT_FIGURE,
            stats,
            note=f"{model.customer_count:,} customers, {model.repeat_customer_count:,} with a "
            f"repeat sale, {len(figures):,} distinct (x, t_x, T); r {model.r:.3f}, "
            f"alpha {model.alpha:.3f}, a {model.a:.3f}, b {model.b:.3f}",
        )

    # ------------------------------------------------------------ concurrency
    def measure_saves_during_run(self):
        """A user saves random customers, each in its own transaction, while a first run of
        the whole population is in progress in another. The run's transaction is held open
        until the saves are done, so that any lock it takes on them would show."""
        self.reset_classification()
        started, statement_done, saves_done = (threading.Event() for _step in range(3))
        outcome = {}

        def analyse():
            try:
                with self.registry.cursor() as cr:
                    env = self.env(cr)
                    began = time.perf_counter()
                    started.set()
                    outcome["result"] = env["crm.xyz.run"].run_analysis(self.as_of)
                    outcome["statement_seconds"] = time.perf_counter() - began
                    statement_done.set()
                    saves_done.wait(timeout=60)
                    cr.commit()
            except Exception as error:  # reported by the main thread
                outcome["error"] = error
            finally:
                started.set()
                statement_done.set()

        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT id FROM res_partner WHERE customer_rank > 0 AND id = "
                "commercial_partner_id AND name LIKE 'Benchmark Customer %%'"
            )
            customer_ids = [partner_id for (partner_id,) in cr.fetchall()]
        picked = random.Random(self.scale).sample(
            customer_ids, min(self.args.saves, len(customer_ids))
        )
        thread = threading.Thread(target=analyse, name="bench-analysis")
        thread.start()
        started.wait()
        waits, during_statement = [], 0
        try:
            for number, partner_id in enumerate(picked):
                with self.registry.cursor() as cr:
                    env = self.env(cr, uid=self.data["manager_user_id"])
                    partner = env["res.partner"].browse(partner_id)
                    running = not statement_done.is_set()
                    began = time.perf_counter()
                    partner.write({"comment": f"<p>Called back ({number})</p>"})
                    cr.commit()
                    waits.append(time.perf_counter() - began)
                    during_statement += running
        finally:
            saves_done.set()
            thread.join()
        if "error" in outcome:
            self.fail(f"the run during the saves failed: {outcome['error']!r}")
            return
        longest = max(waits)
        self.row(
            SAVES_FIGURE,
            {
                "seconds": longest,
                "peak_mb": None,
                "growth_mb": None,
                "queries": None,
                "sql_seconds": 0.0,
            },
            note=f"{len(waits)} saves of a sales manager, each committed: "
            f"{during_statement} during the run's statement "
            f"({outcome['statement_seconds']:.1f} s), the others before its commit; "
            f"median {statistics.median(waits) * 1000:.0f} ms",
        )
        if longest > (5 if self.smoke else 60):
            self.fail(f"a save waited {longest:.1f} s for the run")

    def measure_agenda(self, cr):
        """The month view of the calendar as the web client loads it: search_read of the
        fields of the calendar view (its fields, dates and title), the events of the
        salesperson ("My Events") overlapping six weeks from the Sunday before the 1st."""
        if AGENDA_MODEL not in self.env(cr):
            self.row(AGENDA_FIGURE, note="n/a (not installed)")
            return
        from lxml import etree

        user_id = self.data["agenda_user_id"]
        agenda = self.env(cr, user_id)[AGENDA_MODEL]
        user = agenda.env.user
        agenda = agenda.with_context(
            lang=user.lang, tz=user.tz, uid=user_id, allowed_company_ids=user.company_id.ids
        )
        arch = etree.fromstring(
            agenda.get_views([(False, "calendar")])["views"]["calendar"]["arch"]
        )
        fields = ["display_name"]
        for name in [arch.get(attribute) for attribute in ("date_start", "date_stop", "all_day")]:
            if name and name not in fields:
                fields.append(name)
        fields += [
            node.get("name") for node in arch.iter("field") if node.get("name") not in fields
        ]
        month_start = self.as_of.replace(day=1)
        start = month_start - timedelta(days=(month_start.weekday() + 1) % 7)
        end = start + timedelta(days=41)
        domain = [
            ("user_id", "=", user_id),
            ("date", "<=", f"{end} 23:59:59"),
            ("date_stop", ">=", f"{start} 00:00:00"),
        ]
        stats, found = web_measure(
            agenda.env,
            lambda: api.call_kw(agenda, "search_read", [], {"domain": domain, "fields": fields}),
        )
        self.row(AGENDA_FIGURE, stats, note=f"{len(found):,} events shown")

    def measure_partner_list(self, cr):
        """The Customers list grouped by stage, then class, as the web client asks for it:
        the groups of the first level (folded), then the classes of a stage when unfolded."""
        partners = self.env(cr, self.data["manager_user_id"])["res.partner"]
        customers = [("customer_rank", ">", 0)]
        stats, groups = web_measure(
            partners.env,
            lambda: partners.web_read_group(
                customers, [], ["relationship_stage"], limit=80, lazy=True
            )["groups"],
        )
        self.row(PARTNER_LIST, stats, note=f"{len(groups)} stage groups")
        largest = max(groups, key=lambda group: group["relationship_stage_count"])
        stats, groups = web_measure(
            partners.env,
            lambda: partners.web_read_group(
                largest["__domain"], [], ["abc_class"], limit=80, lazy=True
            )["groups"],
        )
        self.row(
            PARTNER_GROUP,
            stats,
            note=f"{largest['relationship_stage_count']:,} {largest['relationship_stage']} "
            f"customers, {len(groups)} class groups",
        )

    def refresh_report_summaries(self):
        """The night's refresh of the manager report's summaries, as its scheduled action
        makes it (the oldest transaction is read in one transaction, the summaries built
        in the next), then a day of changes written after it, which the report reads
        from the documents."""
        with self.registry.cursor() as cr:
            since = self.env(cr)["crm.xyz.report.summary"]._oldest_transaction_start()
        with self.registry.cursor() as cr, measure(cr) as stats:
            self.env(cr)["crm.xyz.report.summary"]._refresh(since)
            cr.commit()
        self.row(REFRESH_FIGURE, stats, note="every company, in one transaction")
        with self.registry.cursor() as cr:
            changed = bench_data.add_day_of_changes(
                self.env(cr), share=DAY_OF_CHANGES_SHARE, company=self.env(cr).company
            )
            cr.commit()
        self.say(f"a day of changes after the refresh: {changed:,} rows written")

    def measure_purchase_model_screens(self, cr):
        """What the purchase model costs the screens, for a sales manager: the Contacts list
        sorted by P(alive) (its first page, as the web client reads it), and the customer
        portfolio's pivot with the expected purchases per cell (the four groupings it asks
        for)."""
        env = self.env(cr, self.data["manager_user_id"])
        partners = env["res.partner"]
        specification = {
            name: {}
            for name in (
                "display_name",
                "email",
                "relationship_stage",
                "abc_class",
                "xyz_class",
                "classification_p_alive",
                "classification_expected_purchases",
                "classification_model_known",
            )
        }
        stats, page = web_measure(
            env,
            lambda: partners.web_search_read(
                [("customer_rank", ">", 0)],
                specification,
                limit=80,
                # the most likely leavers first; the customers without a figure last
                order="classification_p_alive, id",
            ),
        )
        known = [record["classification_model_known"] for record in page["records"]]
        p_alive = [
            record["classification_p_alive"]
            for record in page["records"]
            if record["classification_model_known"]
        ]
        if not p_alive or p_alive != sorted(p_alive) or known != sorted(known, reverse=True):
            self.fail(f"the Contacts list is not sorted by P(alive): {p_alive[:10]}")
        self.row(CONTACTS_BY_P_ALIVE, stats, note=f"first 80 of {page['length']:,}")
        portfolio = env["crm.xyz.portfolio"]
        measures = ["amount_share:sum", "at_risk_count:sum", "expected_purchases:sum", "__count"]
        groupings = ([], ["portfolio_row"], ["xyz_class"], ["portfolio_row", "xyz_class"])

        def pivot():
            return [
                portfolio.read_group([], measures, groupby, lazy=False) for groupby in groupings
            ]

        stats, cells = web_measure(env, pivot)
        [total] = cells[0]
        self.row(
            PORTFOLIO_FIGURE,
            stats,
            note=f"{len(cells[3])} cells, {total['expected_purchases']:,.0f} purchases expected "
            f"of {total['__count']:,} customers in {env.company.xyz_expected_purchases_days} days",
        )

    def measure_manager_report(self, cr):
        """The indicators of every salesperson over the last year, for a sales manager,
        in a read-only transaction (as on a replica)."""
        if REPORT_MODEL not in self.env(cr):
            self.row(REPORT_FIGURE, note="n/a (not installed)")
            return
        date_from = self.as_of - timedelta(days=364)
        with self.registry.cursor() as read_only:
            read_only.execute("SET TRANSACTION READ ONLY")
            report = self.env(read_only, self.data["manager_user_id"])[REPORT_MODEL]
            stats, indicators = web_measure(
                report.env, lambda: report.get_indicators(date_from, self.as_of)
            )
        self.row(
            REPORT_FIGURE,
            stats,
            note=f"{len(indicators)} salespeople, read-only, after a day of changes",
        )
        report = self.env(cr, self.data["manager_user_id"])[REPORT_MODEL]
        self.compare_report_with_previous_release(report.env, date_from)

    def compare_report_with_previous_release(self, env, date_from):
        """The same figures as the previous release's queries, for the period and the
        previous one; the time of both sets of queries, side by side."""
        from odoo.addons.crm_xyz_addon.tools.manager_report import previous_period
        from odoo.addons.crm_xyz_addon.tools.manager_report_query import jit_disabled

        previous = bench_report_reference.load_previous_queries(ROOT)
        if previous is None:
            self.row(REPORT_REFERENCE_FIGURE, note="n/a (no previous release in the git history)")
            return
        module, version = previous
        service = env["crm.xyz.manager.report.service"]
        periods = [(date_from, self.as_of), previous_period(date_from, self.as_of)]
        env.flush_all()
        with jit_disabled(env.cr):
            differences, seconds, previous_seconds = bench_report_reference.compare(
                env.cr, service, module, periods
            )
        for difference in differences[:20]:
            self.say(f"report figure differs: {difference}")
        if differences:
            self.fail(f"{len(differences)} report figures differ from release {version}'s")
        self.row(
            REPORT_REFERENCE_FIGURE,
            {"seconds": previous_seconds},
            note=f"release {version}'s queries, {seconds:.2f} s now; "
            + ("same figures" if not differences else f"{len(differences)} figures DIFFER"),
        )

    # ------------------------------------------------------------ the hot standby
    def standby_cursor(self):
        """A cursor on the hot standby (Odoo's read-only cursor, from db_replica_host)."""
        cr = self.registry.cursor(readonly=True)
        cr.execute("SELECT pg_is_in_recovery()")
        if not cr.fetchone()[0]:
            cr.close()
            raise RuntimeError("Odoo's read-only cursor is not on the standby")
        return cr

    def wait_for_standby(self, timeout=1800):
        """Wait until the standby has replayed what the primary wrote until now."""
        with self.registry.cursor() as cr:
            cr.execute("SELECT pg_current_wal_lsn()")
            (target,) = cr.fetchone()
        deadline = time.monotonic() + timeout
        while True:
            with closing(self.standby_cursor()) as cr:
                cr.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
                if cr.fetchone()[0]:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the standby did not replay up to {target} in {timeout} s")
            time.sleep(0.2)

    def measure_screens_on_standby(self):
        """Each screen's reads, as the web client makes them, on the standby beside the
        same calls on the primary (in a read-only transaction there too); on each server
        a warm-up call, then the median of WEB_REPEAT calls (one for the heavy screens:
        the reports and the settings)."""
        self.wait_for_standby()
        for screen in web_screens.screens():
            user_id = self.data["agenda_user_id" if screen.key == "agenda" else "manager_user_id"]
            state = {}
            with self.registry.cursor() as cr:
                client = EnvClient(self.env(cr, user_id))
                screen.prepare(client, state, self.as_of)
                if screen.bench_prepare:
                    screen.bench_prepare(client, state)
            load = screen.bench_load or screen.load
            timings = {}
            for where in ("primary", "standby"):
                cr = self.standby_cursor() if where == "standby" else self.registry.cursor()
                with closing(cr):
                    if where == "primary":
                        cr.execute("SET TRANSACTION READ ONLY")
                    client = EnvClient(self.env(cr, user_id))
                    timings[where], shown = web_measure(
                        client.env,
                        functools.partial(load, client, state),
                        repeat=1 if screen.heavy else WEB_REPEAT,
                    )
            primary, standby = timings["primary"], timings["standby"]
            self.row(
                STANDBY_FIGURE.format(label=screen.label),
                standby,
                standby["seconds"] / primary["seconds"],
                note=f"{shown}; on the primary {format_seconds(primary['seconds'])}",
            )

    def measure_reads_during_run(self):
        """A steady nightly run on the primary (as measure_runs makes it: the night of the
        new orders after a settling night; committed with PostgreSQL's default
        synchronous_commit, as in production) while another process reads the agenda and
        the manager report from the standby: the longest read of each during the run,
        and how soon after the run's commit the standby shows it."""
        # the classes are those of a first run as of the data's last day (left by
        # measure_saves_during_run): the settling night, not measured
        self.engine_run(self.settle_day)
        self.vacuum_results()
        self.wait_for_standby()
        stop_file = RESULTS / f"standby_reader_{self.scale}.stop"
        result_file = RESULTS / f"standby_reader_{self.scale}.json"
        stop_file.unlink(missing_ok=True)
        result_file.unlink(missing_ok=True)
        reader = self.start_standby_reader(stop_file, result_file)

        def after(moment):
            """Wait until the reader has done a whole round of reads begun after `moment`."""
            for line in reader.stdout:
                if line.startswith("round ") and float(line.split()[1]) > moment:
                    return

        try:
            after(time.time())  # reads alone, before the run
            run = self.steady_run_seen_on_standby()
            after(run["seen"])  # and after it
        finally:
            stop_file.touch()
            reader.wait()
        self.row(
            LAG_FIGURE,
            {"seconds": run["lag"], "peak_mb": None, "queries": None, "sql_seconds": 0.0},
            note=f"the standby shows the run's classes; the run: {run['seconds']:.1f} s, "
            f"{run['changed']:,} customers changed, {format_bytes(run['wal_bytes'])} of WAL",
        )
        reads = json.loads(result_file.read_text()) if result_file.exists() else []
        self.report_reads_during_run(reads, run["started"], run["seen"])

    def start_standby_reader(self, stop_file, result_file):
        """The other process (standby_reader), which says `round <start>` after each
        round of reads."""
        return subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--config",
                self.args.config,
                "--standby-reader",
                self.db,
                "--standby-host",
                self.args.standby_host,
                "--standby-port",
                str(self.args.standby_port),
                "--agenda-user",
                str(self.data["agenda_user_id"]),
                "--manager-user",
                str(self.data["manager_user_id"]),
                "--company",
                str(self.company_id),
                "--as-of",
                self.as_of.isoformat(),
                "--stop-file",
                str(stop_file),
                "--result",
                str(result_file),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )

    def steady_run_seen_on_standby(self):
        """The steady run, committed, then polled for on the standby until it shows it."""
        with self.registry.cursor() as cr:
            cr.execute("SELECT pg_current_wal_lsn()")
            (wal_before,) = cr.fetchone()
            cr.execute("SET LOCAL synchronous_commit = on")
            env = self.env(cr)
            started = time.time()
            result = env["crm.xyz.run"]._run_analysis(env.company, self.next_day)._result()
            cr.commit()
            committed = time.time()
            cr.execute("SELECT pg_current_wal_lsn() - %s::pg_lsn", [wal_before])
            (wal_bytes,) = cr.fetchone()
        while True:
            with closing(self.standby_cursor()) as cr:
                cr.execute("SELECT 1 FROM crm_xyz_run WHERE id = %s", [result["id"]])
                if cr.fetchone():
                    seen = time.time()
                    break
            if time.time() - committed > 600:
                raise RuntimeError("the standby did not show the run in 10 minutes")
            time.sleep(0.001)
        return {
            "started": started,
            "seconds": committed - started,
            "seen": seen,
            "lag": seen - committed,
            "changed": result["changed_count"],
            "wal_bytes": wal_bytes,
        }

    def report_reads_during_run(self, reads, run_started, seen):
        """The longest read of the agenda and of the report that overlapped the run (until
        the standby showed it), beside the median of those alone."""
        for what in ("agenda", "report"):
            mine = [read for read in reads if read["what"] == what]
            for read in [read for read in mine if read["error"]][:3]:
                self.fail(f"a read of the {what} on the standby failed: {read['error']}")
            during = [read for read in mine if read["end"] > run_started and read["start"] < seen]
            if not during:
                self.row(READS_DURING_RUN_FIGURE.format(what=what), note="no read during the run")
                continue
            alone = [read["end"] - read["start"] for read in mine if read not in during]
            longest = max(read["end"] - read["start"] for read in during)
            self.row(
                READS_DURING_RUN_FIGURE.format(what=what),
                {"seconds": longest, "peak_mb": None, "queries": None, "sql_seconds": 0.0},
                note=f"{len(during)} read{'s' if len(during) > 1 else ''} during the run"
                + (f", median alone {format_seconds(statistics.median(alone))}" if alone else ""),
            )


class EnvClient:
    """web_screens' client on an Odoo environment: the calls go through call_kw, as the
    web client's reach the server."""

    def __init__(self, env):
        self.env = env
        self.uid = env.uid
        self.context = dict(env.context)

    def call(self, model, method, args, kwargs):
        return api.call_kw(self.env[model], method, args, kwargs)


def use_standby(args):
    """Odoo's read-only cursors on the hot standby, as db_replica_host/_port set them."""
    if args.standby_host:
        odoo.tools.config["db_replica_host"] = args.standby_host
        odoo.tools.config["db_replica_port"] = args.standby_port


def standby_reader(args):
    """Another process: reads the agenda month and the manager report of a year from the
    standby, one after the other, until the stop file exists; writes each read's start,
    end and error (cancelled by the replay, for instance) to the result file."""
    odoo.tools.config.parse_config(["-c", args.config, "--log-level=error"], setup_logging=True)
    use_standby(args)
    registry = Registry(args.standby_reader)
    context = {"tz": "UTC", "lang": "en_US", "allowed_company_ids": [args.company]}
    date_from = args.as_of - timedelta(days=364)
    state = {}
    with closing(registry.cursor(readonly=True)) as cr:
        web_screens.agenda_prepare(
            EnvClient(api.Environment(cr, args.agenda_user, context)), state, args.as_of
        )
    reads = []

    def agenda(env):
        web_screens.agenda_load(EnvClient(env), state)

    def report(env):
        env[REPORT_MODEL].get_indicators(date_from, args.as_of)

    first = True  # a round to warm up the caches, not counted
    while not os.path.exists(args.stop_file):
        round_started = time.time()
        for what, user_id, read in (
            ("agenda", args.agenda_user, agenda),
            ("report", args.manager_user, report),
        ):
            started, error = time.time(), None
            try:
                with closing(registry.cursor(readonly=True)) as cr:
                    read(api.Environment(cr, user_id, context))
            except Exception as exception:
                error = f"{type(exception).__name__}: {exception}"
            if not first:
                reads.append({"what": what, "start": started, "end": time.time(), "error": error})
        if not first:
            print(f"round {round_started:.6f}", flush=True)
        first = False
    Path(args.result).write_text(json.dumps(reads))
    return 0


def worker(args):
    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"], setup_logging=True)
    use_standby(args)
    result = ScaleBenchmark(args).run()
    Path(args.result).write_text(json.dumps(result, default=str))
    return 0 if result["agree"] else 1


# ------------------------------------------------------------------ smoke
def smoke(args):
    """The benchmark's checks at a tiny scale, without timing: for the test life cycle."""
    template = args.template or ensure_template(args)
    args.reuse = False
    prepare_database(args, template, SMOKE_DB, SMOKE_CUSTOMERS)
    args.worker, args.scale = SMOKE_DB, SMOKE_CUSTOMERS
    args.salespeople, args.agenda_events, args.repeat = 4, 40, 1
    # a few customers buy on the steady run's day, whatever the scale
    args.next_day_share = max(args.next_day_share, 0.1)
    args.saves = min(args.saves, 20)
    bench = ScaleBenchmark(args, smoke=True)
    try:
        bench.load_data()
        check_smoke_data(bench)
        bench.measure_runs()
        check_every_class_occurs(bench)
        bench.measure_saves_during_run()
        # the other sales source: invoices less credit notes
        with bench.registry.cursor() as cr:
            bench.env(cr).company.xyz_source = "invoice"
        bench.measure_runs()
        with bench.registry.cursor() as cr:
            bench.measure_partner_list(cr)
            bench.measure_purchase_model_screens(cr)
        # the report's figures through the summaries, after a day of changes, are those
        # of the reference release's queries
        bench.refresh_report_summaries()
        with bench.registry.cursor() as cr:
            bench.measure_manager_report(cr)
    except Exception as error:
        bench.fail(f"{type(error).__name__}: {error}")
        raise
    finally:
        bench.registry = None
        if bench.agree:
            drop_database(SMOKE_DB)
    say(
        "smoke: OK, the floor and the engine agree"
        if bench.agree
        else f"smoke: FAILED (the database {SMOKE_DB} is kept)"
    )
    return 0 if bench.agree else 1


def check_smoke_data(bench):
    """The documents the builder wrote read back through the ORM as Odoo would have made them."""
    counts = bench.data["counts"]
    with bench.registry.cursor() as cr:
        env = bench.env(cr)
        problems = []
        if counts["customers"] != SMOKE_CUSTOMERS:
            problems.append(f"{counts['customers']} customers")
        if not 8 * SMOKE_CUSTOMERS <= counts["confirmed_orders"] <= 12 * SMOKE_CUSTOMERS:
            problems.append(f"{counts['confirmed_orders']} confirmed orders")
        orders = env["sale.order"].search(
            [("user_id", "in", bench.data["salesperson_user_ids"]), ("state", "=", "sale")]
        )
        for order in orders[:50]:
            if abs(order.amount_untaxed - sum(order.order_line.mapped("price_subtotal"))) > 0.005:
                problems.append(f"order {order.name}: total and lines differ")
            if order.partner_id.commercial_partner_id.user_id != order.user_id:
                problems.append(f"order {order.name}: not its customer's salesperson")
        moves = env["account.move"].search(
            [("invoice_user_id", "in", bench.data["salesperson_user_ids"])]
        )
        if len(moves) != counts["invoices"] + counts["credit_notes"]:
            problems.append(f"{len(moves)} invoices and credit notes")
        for move in moves[:50]:
            if move.state != "posted" or abs(sum(move.line_ids.mapped("balance"))) > 0.005:
                problems.append(f"move {move.name}: not posted or unbalanced")
        problems += check_payments_and_flags(counts, moves, orders)
        manager = env["res.users"].browse(bench.data["manager_user_id"])
        if not manager.has_group("sales_team.group_sale_manager"):
            problems.append("the manager is no sales manager")
    for problem in problems:
        bench.fail(f"benchmark data: {problem}")


def check_payments_and_flags(counts, moves, orders):
    """What the builder wrote for payments and completed orders, against what the
    ORM computes again: the residual and payment state each document keeps, and
    the completed flag of each order."""
    problems = []
    if not counts["payments"] or not counts["partial_payments"]:
        problems.append(f"{counts['payments']} payments, {counts['partial_payments']} partial")
    stored = {move.id: (move.amount_residual, move.payment_state) for move in moves}
    moves.line_ids._compute_amount_residual()
    moves._compute_amount()
    moves._compute_payment_state()
    for move in moves:
        computed = (move.amount_residual, move.payment_state)
        if abs(computed[0] - stored[move.id][0]) > 0.005 or computed[1] != stored[move.id][1]:
            problems.append(f"move {move.name}: {stored[move.id]} written, {computed} by the ORM")
    flags = {order.id: order.xyz_completed for order in orders}
    orders._compute_xyz_completed()
    if any(order.xyz_completed != flags[order.id] for order in orders):
        problems.append("the completed flag of orders differs from the ORM's")
    if not any(flags.values()):
        problems.append("no completed order")
    return problems


def check_every_class_occurs(bench):
    with bench.registry.cursor() as cr:
        cr.execute(
            "SELECT array_agg(DISTINCT relationship_stage_auto),"
            " array_agg(DISTINCT abc_class_auto), array_agg(DISTINCT xyz_class_auto)"
            " FROM crm_xyz_classification"
        )
        found = {value for values in cr.fetchone() for value in values if value}
    expected = {"potential", "one_off", "regular", "lost", "A", "B", "C", "X", "Y", "Z"}
    if expected - found:
        bench.fail(f"no customer is {sorted(expected - found)}")


def vacuum(db, tables=(), analyze=False):
    """VACUUM between the measures: no measure pays for the dead rows of the one before."""
    with closing(odoo.sql_db.db_connect(db).cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(f"VACUUM {'ANALYZE' if analyze else ''} {', '.join(tables)}")


# ------------------------------------------------------------------ output
def format_seconds(seconds):
    if seconds is None:
        return ""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def format_bytes(count):
    return f"{count / 2**20:.1f} MB" if count >= 2**20 else f"{count / 2**10:.0f} kB"


def render_table(rows):
    lines = [
        "| scale | figure | time | ratio to its floor | peak RSS (growth) | queries |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for entry in rows:
        time_text, ratio, memory, queries = entry.get("note", ""), "", "", ""
        if "seconds" in entry:
            time_text = format_seconds(entry["seconds"])
            ratio = f"{entry['ratio']:.2f}×" if entry.get("ratio") else ""
            if entry.get("peak_mb") is not None:
                memory = f"{entry['peak_mb']:.0f} MB (+{entry['growth_mb']:.0f})"
            if entry.get("queries") is not None:
                queries = f"{entry['queries']:,}"
        figure = entry["figure"]
        if "seconds" in entry and entry.get("note"):
            figure = f"{figure} ({entry['note']})"
        lines.append(
            f"| {entry['scale']:,} | {figure} | {time_text} | {ratio} | {memory} | {queries} |"
        )
    return "\n".join(lines)


def render_targets(rows):
    """Which targets of the issue hold at the largest scale measured."""
    if not rows:
        return "No measure."
    scale = max(entry["scale"] for entry in rows)
    by_figure = {entry["figure"]: entry for entry in rows if entry["scale"] == scale}
    lines = [f"Targets (set for {TARGET_SCALE:,} customers; checked at {scale:,}):"]

    def check(label, value, limit, unit=""):
        if value is None:
            lines.append(f"- {label}: not measured")
            return
        verdict = "holds" if value <= limit else f"MISSED by {value / limit:.2f}×"
        lines.append(f"- {label}: {value:.2f}{unit} for at most {limit}{unit}: {verdict}")

    def value(figure, key):
        return by_figure.get(figure, {}).get(key)

    check("steady run / its floor", value(STEADY_RUN, "ratio"), TARGETS["steady_ratio"], "×")
    check("first run / its floor", value(FIRST_RUN, "ratio"), TARGETS["first_ratio"], "×")
    check("rerun / compute-only floor", value(RERUN_RUN, "ratio"), TARGETS["rerun_ratio"], "×")
    check(
        "longest wait of a user's save during a run",
        value(SAVES_FIGURE, "seconds"),
        TARGETS["save_wait_seconds"],
        " s",
    )
    check("agenda month", value(AGENDA_FIGURE, "seconds"), TARGETS["agenda_seconds"], " s")
    check(
        "agenda month on the standby",
        value(STANDBY_FIGURE.format(label="agenda month"), "seconds"),
        TARGETS["agenda_seconds"],
        " s",
    )
    check(
        "partner list grouped by stage and class",
        value(PARTNER_LIST, "seconds"),
        TARGETS["partner_list_seconds"],
        " s",
    )
    check(
        "unfolding a stage of it",
        value(PARTNER_GROUP, "seconds"),
        TARGETS["partner_list_seconds"],
        " s",
    )
    check("manager report", value(REPORT_FIGURE, "seconds"), TARGETS["report_seconds"], " s")
    check("settings preview / floor", value(PREVIEW_FIGURE, "ratio"), TARGETS["preview_ratio"], "×")
    check("purchase model fit", value(FIT_FIGURE, "seconds"), TARGETS["fit_seconds"], " s")
    check(
        "Contacts list sorted by P(alive)",
        value(CONTACTS_BY_P_ALIVE, "seconds"),
        TARGETS["contacts_sorted_seconds"],
        " s",
    )
    check(
        "portfolio with expected purchases",
        value(PORTFOLIO_FIGURE, "seconds"),
        TARGETS["portfolio_seconds"],
        " s",
    )
    check("suggested limits / floor", value(SUGGEST_FIGURE, "ratio"), TARGETS["preview_ratio"], "×")
    for figure in (FIRST_RUN, STEADY_RUN, RERUN_RUN):
        runs = sorted(
            (entry["scale"], entry)
            for entry in rows
            if entry["figure"] == figure and entry.get("growth_mb") is not None
        )
        if not runs:
            continue
        lines.append(
            f"- {figure}, memory growth by scale: "
            + ", ".join(f"{scale_:,}: +{entry['growth_mb']:.1f} MB" for scale_, entry in runs)
            + "; queries: "
            + ", ".join(f"{scale_:,}: {entry['queries']:,}" for scale_, entry in runs)
        )
        growth = dict(runs)
        if 10_000 in growth and TARGET_SCALE in growth:
            # the run's own growth (its peak less the RSS it started with): the process
            # holds the data builder's memory besides when it built the data itself
            check(
                f"{figure}: its RSS growth at {TARGET_SCALE:,} less its growth at 10,000",
                growth[TARGET_SCALE]["growth_mb"] - growth[10_000]["growth_mb"],
                TARGETS["rss_growth_mb"],
                " MB",
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
