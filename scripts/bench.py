#!/usr/bin/env python3
"""Scale benchmark of crm_xyz_addon: run it with `./scripts/dev.py bench` (see README).

For each scale (number of customers) it copies a template database that has the
addon installed without demo data, fills it with synthetic data in SQL
(crm_xyz_addon/tools/benchmark_data.py), then measures in one Odoo process:

1. the floor: one SQL aggregate + one bulk UPDATE computing and storing the same
   per-customer results (crm_xyz_addon/tools/benchmark_floor.py);
2. run_analysis for the company, checked against the floor customer by customer;
3. run_analysis again for the same date (idempotent run);
4. what the web client asks for: the agenda month of one salesperson with
   10,000 open events, the partner list grouped by stage and class, the
   manager report of every salesperson over a year (each when its model is
   installed).

It prints one table: scale, figure, time, ratio to the floor, peak memory
(resident set size of the Odoo process, sampled every 10 ms) and number of SQL
queries (Odoo's query counter plus the round trips of server-side cursors).
Each scale runs in a process of its own, so that memory figures do not carry
over from one scale to the next.
"""

import argparse
import hashlib
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from contextlib import closing, contextmanager
from datetime import date, timedelta
from pathlib import Path

import psycopg2.extensions

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
ADDON = "crm_xyz_addon"
TEMPLATE_PREFIX = "crm_xyz_bench_tpl_"
DB_PREFIX = "crm_xyz_bench_"
RESULTS = ROOT / ".local" / "bench"
WEB_REPEAT = 3  # measured calls of each web figure, after one warm-up; the median is shown
AGENDA_MODEL = "crm.xyz.agenda"
FLOOR_FIGURE = "floor: SQL aggregate + UPDATE"
ANALYSIS_FIGURE = "run_analysis"
RERUN_FIGURE = "run_analysis again, same date"
AGENDA_FIGURE = "agenda: one month of one salesperson"
PARTNER_LIST = "partner list grouped by stage > class"
PARTNER_GROUP = "partner list: unfold the largest stage"
REPORT_FIGURE = "manager report: every salesperson, one year"
REPORT_MODEL = "crm.xyz.manager.report"
# targets of the issue, at 100,000 customers and 1,000,000 orders
TARGET_SCALE = 100_000
TARGETS = {
    "analysis_ratio": 3.0,
    "analysis_seconds": 120,
    "rerun_seconds": 60,
    "peak_mb": 500,
    "agenda_seconds": 0.150,
    "partner_list_seconds": 0.300,
    "report_seconds": 2.0,
}


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
        "--batch-size",
        type=int,
        help="crm_xyz_addon.batch_size for run_analysis [the addon's default]",
    )
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=date.today(),
        help="analysis date; the history ends there [today]",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure the floor and run_analysis this many times and keep the "
        "fastest: steadier figures on a busy machine [%(default)s]",
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
    # internal: one scale, in its own process
    parser.add_argument("--worker", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ------------------------------------------------------------------ driver
def main(argv):
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"], setup_logging=True)
    scales = [int(scale.replace("_", "")) for scale in args.scales.split(",") if scale.strip()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    template = ensure_template(args)
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
            "--repeat",
            str(args.repeat),
        ]
        if args.batch_size:
            command += ["--batch-size", str(args.batch_size)]
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

    The tests and the benchmark's own tools are left out: they change no database.
    """
    digest = hashlib.sha1()
    for path in sorted((ROOT / ADDON).rglob("*")):
        if (
            path.is_file()
            and path.suffix in (".py", ".xml", ".csv")
            and "tests" not in path.parts
            and not path.name.startswith("benchmark_")
        ):
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
    with postgres_cursor() as cr:
        cr.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [TEMPLATE_PREFIX + "%"])
        stale = [name for (name,) in cr.fetchall()]
    for name in stale:
        drop_database(name)
    say(f"creating the template database {template}: {ADDON} without demo data (minutes)")
    run_odoo(args.config, template, "-i", ADDON, "--without-demo=all")
    set_database_comment(template, f"{ADDON} {fingerprint}")
    return template


def prepare_database(args, template, db, scale):
    """Copy the template, or with --reuse keep a database built for this scale."""
    fingerprint = addon_fingerprint()
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


def web_measure(env, call):
    """One warm-up call, then the median of WEB_REPEAT calls, each with an empty record cache."""
    results = []
    for _attempt in range(1 + WEB_REPEAT):
        env.invalidate_all()
        with measure(env.cr) as stats:
            value = call()
        results.append(stats)
    measured = sorted(results[1:], key=lambda stats: stats["seconds"])
    median = measured[len(measured) // 2]
    median["peak_mb"] = max(stats["peak_mb"] for stats in results)
    median["seconds"] = statistics.median(stats["seconds"] for stats in measured)
    return median, value


class ScaleBenchmark:
    """The measures of one scale, in one database, in this process."""

    def __init__(self, args):
        self.args = args
        self.db, self.scale = args.worker, args.scale
        self.registry = Registry(self.db)
        self.rows = []
        self.agree = True
        self.data = None

    def run(self):
        load_at_start = os.getloadavg()[0]
        self.load_data()
        floor_seconds = self.measure_analysis()
        self.measure_rerun(floor_seconds)
        with self.registry.cursor() as cr:
            self.measure_agenda(cr)
            self.measure_partner_list(cr)
            self.measure_manager_report(cr)
        load = (load_at_start, os.getloadavg()[0])
        self.say(
            f"load average {load[0]:.1f} at the start, {load[1]:.1f} at the end "
            f"({os.cpu_count()} cores)"
        )
        return {"rows": self.rows, "agree": self.agree, "load": load}

    # ------------------------------------------------------------ helpers
    def say(self, message):
        say(f"{self.scale:,}: {message}")

    def row(self, figure, stats=None, ratio=None, note=""):
        self.rows.append(
            {"scale": self.scale, "figure": figure, "ratio": ratio, "note": note, **(stats or {})}
        )
        details = f" ({note})" if note else ""
        if stats:
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

    def best_note(self):
        return f"best of {self.args.repeat}, " if self.args.repeat > 1 else ""

    # ------------------------------------------------------------ measures
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
                    built = addon_tool("benchmark_data").build_benchmark_data(
                        env,
                        self.scale,
                        company=env.ref("base.main_company"),
                        as_of=args.as_of,
                        salespeople=args.salespeople,
                        agenda_events=args.agenda_events,
                        check_foreign_keys=False,
                    )
                    cr.commit()
                self.data = {
                    "as_of": built.as_of.isoformat(),
                    "company_id": built.company_id,
                    "manager_user_id": built.manager_user_id,
                    "agenda_user_id": built.agenda_user_id,
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
            if args.batch_size:
                env["ir.config_parameter"].set_param("crm_xyz_addon.batch_size", args.batch_size)
            cr.commit()
        vacuum(self.db, analyze=True)

    def measure_analysis(self):
        """The floor and run_analysis from the same unclassified state, best of --repeat."""
        floor = addon_tool("benchmark_floor")
        with self.registry.cursor() as cr:
            # warm-up: the first reading of the tables fills the caches, for every measure after
            env = self.env(cr)
            floor.prepare_floor(cr)
            floor.run_floor(env, env.company, self.as_of)
            batch_size = int(
                env["ir.config_parameter"].get_param(
                    "crm_xyz_addon.batch_size", addon_default_batch_size()
                )
            )
        floor_stats = run_stats = None
        for _attempt in range(self.args.repeat):
            with self.registry.cursor() as cr:
                reset_classification(cr, self.company_id)
                floor.prepare_floor(cr)
            vacuum(self.db, tables=("res_partner", "crm_xyz_history", "crm_xyz_run"))
            with self.registry.cursor() as cr:
                env = self.env(cr)
                with measure(cr) as stats:
                    stored_rows = floor.run_floor(env, env.company, self.as_of)
                    cr.commit()
                floor_stats = best_of(floor_stats, stats)
            vacuum(self.db, tables=("res_partner",))
            with self.registry.cursor() as cr:
                env = self.env(cr)
                with measure(cr) as stats:
                    # run_analysis returns plain data; the run holds the counts
                    run = env["crm.xyz.run"].browse(
                        env["crm.xyz.run"].run_analysis(self.as_of)["id"]
                    )
                    cr.commit()
                run_stats = best_of(run_stats, stats)
                figures = (
                    run.customer_count,
                    run.changed_count,
                    run.potential_count,
                    run.one_off_count,
                    run.regular_count,
                    run.lost_count,
                    run.a_count,
                    run.b_count,
                    run.c_count,
                    run.x_count,
                    run.y_count,
                    run.z_count,
                )
        self.row(FLOOR_FIGURE, floor_stats, note=f"{self.best_note()}{stored_rows:,} customers")
        self.row(
            ANALYSIS_FIGURE,
            run_stats,
            run_stats["seconds"] / floor_stats["seconds"],
            note=f"{self.best_note()}{figures[0]:,} customers, {figures[1]:,} changed, "
            f"{-(-figures[0] // batch_size)} batch(es) of {batch_size:,}",
        )
        self.say(
            f"potential/one-off/regular/lost {figures[2:6]}, A/B/C {figures[6:9]}, "
            f"X/Y/Z {figures[9:]}"
        )
        with self.registry.cursor() as cr:
            env = self.env(cr)
            compared, mismatches = floor.compare_with_analysis(env, env.company)
        self.agree = not mismatches
        self.say(
            f"floor and run_analysis agree on {compared - len(mismatches):,} of "
            f"{compared:,} customers"
        )
        for partner_id, floor_values, run_values in mismatches[:10]:
            self.say(f"    partner {partner_id}: floor {floor_values}, run_analysis {run_values}")
        return floor_stats["seconds"]

    def measure_rerun(self, floor_seconds):
        """run_analysis again for the same date: it must change nothing."""
        vacuum(self.db, tables=("res_partner", "crm_xyz_history"))
        rerun_stats = None
        for _attempt in range(self.args.repeat):
            with self.registry.cursor() as cr:
                env = self.env(cr)
                cr.execute("SELECT count(*) FROM crm_xyz_history")
                history_before = cr.fetchone()[0]
                with measure(cr) as stats:
                    # run_analysis returns plain data; the run holds the counts
                    rerun = env["crm.xyz.run"].browse(
                        env["crm.xyz.run"].run_analysis(self.as_of)["id"]
                    )
                    cr.commit()
                rerun_stats = best_of(rerun_stats, stats)
                cr.execute("SELECT count(*) FROM crm_xyz_history")
                added = cr.fetchone()[0] - history_before
                changed = rerun.changed_count
                self.agree = self.agree and changed == 0 and added == 0
        self.row(
            RERUN_FIGURE,
            rerun_stats,
            rerun_stats["seconds"] / floor_seconds,
            note=f"{self.best_note()}{changed:,} changed, {added:,} history rows added",
        )

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

    def measure_manager_report(self, cr):
        """The indicators of every salesperson over the last year, for a sales manager."""
        if REPORT_MODEL not in self.env(cr):
            self.row(REPORT_FIGURE, note="n/a (not installed)")
            return
        report = self.env(cr, self.data["manager_user_id"])[REPORT_MODEL]
        date_from = self.as_of - timedelta(days=364)
        stats, indicators = web_measure(
            report.env, lambda: report.get_indicators(date_from, self.as_of)
        )
        self.row(REPORT_FIGURE, stats, note=f"{len(indicators)} salespeople")


def addon_tool(name):
    """A module of crm_xyz_addon/tools, importable once the registry has loaded the addon."""
    return importlib.import_module(f"odoo.addons.{ADDON}.tools.{name}")


def addon_analysis_fields():
    """The partner columns run_analysis writes, as the addon lists them."""
    return importlib.import_module(f"odoo.addons.{ADDON}.models.res_partner").ANALYSIS_FIELDS


def addon_default_batch_size():
    return importlib.import_module(f"odoo.addons.{ADDON}.models.crm_xyz_run").DEFAULT_BATCH_SIZE


def worker(args):
    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"], setup_logging=True)
    result = ScaleBenchmark(args).run()
    Path(args.result).write_text(json.dumps(result, default=str))
    return 0 if result["agree"] else 1


def reset_classification(cr, company_id):
    """Forget every earlier analysis, so that run_analysis classifies from scratch."""
    key = str(company_id)
    cr.execute(
        "UPDATE res_partner SET "
        + ", ".join(f"{name} = {name} - %(key)s" for name in addon_analysis_fields())
        + " WHERE relationship_stage_auto ? %(key)s OR relationship_stage ? %(key)s",
        {"key": key},
    )
    cr.execute("UPDATE res_company SET xyz_last_run_id = NULL WHERE id = %s", [company_id])
    cr.execute("DELETE FROM crm_xyz_history WHERE company_id = %s", [company_id])
    cr.execute("DELETE FROM crm_xyz_run WHERE company_id = %s", [company_id])


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


def render_table(rows):
    lines = [
        "| scale | figure | time | ratio to floor | peak memory | queries |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for entry in rows:
        if "seconds" in entry:
            time_text = format_seconds(entry["seconds"])
            ratio = f"{entry['ratio']:.2f}×" if entry.get("ratio") else ""
            memory = f"{entry['peak_mb']:.0f} MB (+{entry['growth_mb']:.0f})"
            queries = f"{entry['queries']:,}"
        else:
            time_text, ratio, memory, queries = entry["note"], "", "", ""
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

    def check(label, figure, key, limit, unit=""):
        entry = by_figure.get(figure)
        if not entry or key not in entry or entry[key] is None:
            lines.append(f"- {label}: not measured")
            return
        value = entry[key]
        verdict = "holds" if value <= limit else f"MISSED by {value / limit:.1f}×"
        lines.append(f"- {label}: {value:.2f}{unit} for at most {limit}{unit}: {verdict}")

    check("run_analysis / floor", ANALYSIS_FIGURE, "ratio", TARGETS["analysis_ratio"], "×")
    check("run_analysis time", ANALYSIS_FIGURE, "seconds", TARGETS["analysis_seconds"], " s")
    check("idempotent run time", RERUN_FIGURE, "seconds", TARGETS["rerun_seconds"], " s")
    check("peak memory of run_analysis", ANALYSIS_FIGURE, "peak_mb", TARGETS["peak_mb"], " MB")
    check("agenda month", AGENDA_FIGURE, "seconds", TARGETS["agenda_seconds"], " s")
    check(
        "partner list grouped by stage and class",
        PARTNER_LIST,
        "seconds",
        TARGETS["partner_list_seconds"],
        " s",
    )
    check(
        "unfolding a stage of it", PARTNER_GROUP, "seconds", TARGETS["partner_list_seconds"], " s"
    )
    check("manager report", REPORT_FIGURE, "seconds", TARGETS["report_seconds"], " s")
    analyses = sorted(
        (entry["scale"], entry)
        for entry in rows
        if entry["figure"] == ANALYSIS_FIGURE and "growth_mb" in entry
    )
    if analyses:
        lines.append(
            "- memory growth of run_analysis by scale: "
            + ", ".join(f"{scale_:,}: +{entry['growth_mb']:.0f} MB" for scale_, entry in analyses)
        )
        lines.append(
            "- queries of run_analysis by scale: "
            + ", ".join(f"{scale_:,}: {entry['queries']:,}" for scale_, entry in analyses)
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
