#!/usr/bin/env python3
"""Write-path benchmark of crm_xyz_addon: Odoo's own flows with and without the addon.

Run it with `./scripts/dev.py bench --write-path` (scripts/bench.py passes its
options here). It measures what the addon adds when Odoo writes its documents,
side by side with a database without the addon, alternating in one run
(without / with in even rounds, with / without in odd ones):

- **concurrency**: 1, 4 and 8 workers, each its own process with its own
  transactions, each operation through Odoo's `odoo.service.model.retrying()`
  (the retries of serialization failures that every RPC call gets):
  confirming quotations of one salesperson dated the same day, and posting
  draft invoices of one customer. The workers are forked from a process that
  loaded the registry, as Odoo's multi-process server forks its workers; they
  prepare, then start together. Throughput, retries (the attempts of the
  function given to retrying()), failures (exceptions escaping it) and the
  longest single operation; 7 rounds by default;
- **bulk**: 10,000 confirmed orders of one salesperson on one day in one ORM
  create, rolled back after each round;
- **core flows**, each one operation in its own transaction on records of its
  own (the first round warms up and is not counted): confirm an order, post an
  invoice, register and reconcile a payment, edit a partner's email, reassign
  3,000 customers in one write, merge two partners.

The two databases are copies of two templates built once per version of the
addon and of this builder: both from the template of Odoo's modules
(crm_xyz_tpl_*, see dev.py), one with crm_xyz_addon installed without demo
data, then the same synthetic data in both through the ORM (customers with a
contact each, salespeople, a product, a past order per customer, the
quotations and invoices the measures use), and in the addon's one the refresh
of the manager report's summaries, as the nightly job leaves it. Each run
starts from fresh copies. With --scale N both databases are built for the run
instead, each with the scale benchmark's N customers and their two years of
documents (scripts/bench_data.py) under the same records, the one with the
addon then analysed and its report's summaries refreshed.

Each ratio (with / without) is taken round by round: the two runs of a round
follow each other, so that the machine's speed, which drifts during a run (other
processes, the disk's caches, the autovacuum), weighs on both alike. The rounds
where the addon runs second and those where it runs first each give their median
ratio, and the figure is the geometric mean of the two: some flows favour whichever
database runs first. The log shows every round's ratio and the ratio of the two
columns' medians too.

It prints one table (figure, without, with, ratio, target, verdict) and which
targets hold, and appends its rows to .local/bench/results.md in the format of
scripts/bench.py's table, the database without the addon being the floor.
"""

import argparse
import hashlib
import inspect
import json
import logging
import math
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import time
import traceback
from contextlib import closing
from datetime import date, timedelta

import bench
import bench_data
import bench_report_reference
import dev

import odoo
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.service.model import retrying

ADDON = bench.ADDON
WITHOUT, WITH = "without", "with"
LABELS = (WITHOUT, WITH)  # the order of the even rounds (the odd ones reverse it)
ADDON_TEMPLATE = "crm_xyz_bench_write_tpl_addon"
TEMPLATES = {WITHOUT: "crm_xyz_bench_write_tpl_without", WITH: "crm_xyz_bench_write_tpl_with"}
DATABASES = {WITHOUT: "crm_xyz_bench_write_without", WITH: "crm_xyz_bench_write_with"}
DATA_PARAMETER = "crm_xyz_bench.write_path"
CONTEXT = {"lang": "en_US", "tz": "UTC"}
# the benchmark's own data: no chatter message, follower or notification per record
BUILD_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_auto_subscribe_no_notify": True,
    "sale_no_log_for_new_lines": True,
}
# the bulk create loads orders as a data migration does: without Odoo's chatter
# message per order and per line, which leaves the ORM's work and the addon's
BULK_CONTEXT = {"tracking_disable": True, "sale_no_log_for_new_lines": True}
# the reassignment without the e-mail Odoo sends the new salesperson for each customer
# (which would make it seven times longer in both databases)
REASSIGN_CONTEXT = {"mail_auto_subscribe_no_notify": True}
SHOP_CUSTOMERS = 400  # the customers of the salesperson whose quotations are confirmed
RESULTS_SECTION = (
    "Write path: Odoo's own flows, the floor of each row being the same work in a database "
    "without the addon (`./scripts/dev.py bench --write-path`)"
)
TARGETS = {"throughput_ratio": 0.9, "bulk_ratio": 1.1, "flow_ratio": 1.1, "report_seconds": 1.0}
TASKS = {
    "confirm": "confirmations of quotations of one salesperson dated the same day",
    "post": "postings of draft invoices of one customer",
}
FLOWS = {
    "confirm": "confirm an order",
    "post": "post an invoice",
    "payment": "register and reconcile a payment",
    "email": "edit a partner's email",
    "reassign": "reassign {customers:,} customers in one write",
    "merge": "merge two partners",
}


def say(message):
    bench.say(f"write path: {message}")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="the Odoo configuration file")
    parser.add_argument(
        "--customers",
        type=int,
        default=3000,
        help="customers reassigned in one write (besides the other customers) [%(default)s]",
    )
    parser.add_argument(
        "--workers",
        default="1,4,8",
        help="numbers of concurrent workers, comma separated [%(default)s]",
    )
    parser.add_argument(
        "--operations",
        type=int,
        default=48,
        help="operations of each concurrent run, shared by its workers [%(default)s]",
    )
    parser.add_argument(
        "--concurrency-rounds",
        type=int,
        # a round of one worker lasts a second: with 7 rounds, the ratio of runs at the
        # same code spread over 0.85-1.00
        default=15,
        help="rounds of each concurrency figure in each database [%(default)s]",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of the bulk figure in each database [%(default)s]",
    )
    parser.add_argument(
        "--flow-rounds",
        type=int,
        default=45,
        help="measured rounds of each core flow in each database [%(default)s]",
    )
    parser.add_argument(
        "--reassign-rounds",
        type=int,
        default=5,
        help="measured rounds of the reassignment of the customers, the longest flow "
        "[%(default)s]",
    )
    parser.add_argument(
        "--bulk-orders",
        type=int,
        default=10_000,
        help="confirmed orders of the bulk create [%(default)s]",
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        help="customers of the scale benchmark's synthetic history (scripts/bench_data.py, "
        "two years of orders and invoices) loaded into both databases under the write "
        "path's own records; the two databases are then built for the run, without "
        "templates [none]",
    )
    parser.add_argument(
        "--goods",
        action="store_true",
        help="sell a consumable product (Odoo then creates a delivery for every confirmed "
        "order) instead of a service",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="build the two templates again even when they match this version",
    )
    parser.add_argument(
        "--drop", action="store_true", help="drop the two measured copies when done"
    )
    # internal: the process that loads one database's registry and forks the workers
    parser.add_argument("--serve", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--pool-size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.worker_counts = [int(count) for count in args.workers.split(",") if count.strip()]
    return args


def main(argv):
    args = parse_args(argv)
    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"], setup_logging=True)
    if args.serve:
        return serve(args)
    started = time.monotonic()
    load_at_start = os.getloadavg()[0]
    if args.scale:
        build_scaled_databases(args)
    else:
        ensure_templates(args)
    pools = {}
    try:
        if not args.scale:
            for label in LABELS:
                copy_database(TEMPLATES[label], DATABASES[label])
        say("loading the registries and forking the workers")
        pools = {label: Pool(args, DATABASES[label]) for label in LABELS}
        for pool in pools.values():
            pool.wait_loaded()
        measures = WritePathBenchmark(args, pools).run()
        if args.scale:
            measures.append(measure_report(pools[WITH].data["scale"]))
    finally:
        for pool in pools.values():
            pool.close()
        if args.drop:
            for db in DATABASES.values():
                bench.drop_database(db)
    customers = pools[WITH].data["counts"]["customers"] + args.scale
    table = render_table(measures)
    verdict = render_targets(measures)
    load = (load_at_start, os.getloadavg()[0])
    verdict += (
        f"\n- machine load (1-minute load average, {os.cpu_count()} cores) at the start and "
        f"the end: {load[0]:.1f} to {load[1]:.1f}; "
        f"{dev.duration(time.monotonic() - started)} in all"
    )
    print()
    print(table)
    print()
    print(verdict)
    save_results(bench.render_table(result_rows(measures, customers)), verdict)
    return 0 if all(measure["holds"] for measure in measures) else 1


# ------------------------------------------------------------------ databases
def data_fingerprint(args):
    """What the templates' data depends on: Odoo's modules, the builder, its sizes."""
    digest = hashlib.sha1()
    digest.update(",".join(dev.dependencies()).encode())
    digest.update(inspect.getsource(build_data).encode())
    digest.update(json.dumps([BUILD_CONTEXT, SHOP_CUSTOMERS, data_sizes(args)]).encode())
    return digest.hexdigest()[:10]


def data_sizes(args):
    """How many records of each kind the measures consume, in each database."""
    largest = max(args.worker_counts)
    concurrent = args.operations * len(args.worker_counts) * args.concurrency_rounds + largest
    return {
        "customers": args.customers,
        "quotations": concurrent,
        "draft_invoices": concurrent,
        # the first round of each flow warms up
        "flow_records": max(args.flow_rounds, args.reassign_rounds) + 1,
        "goods": args.goods,
    }


def ensure_templates(args):
    """The two templates, built again when Odoo's modules, the addon or the data changed.

    The one with the addon is a copy of ADDON_TEMPLATE (the addon installed without
    demo data, kept per version of the addon), whose installation runs while the
    other template gets its data."""
    logs = dev.LOCAL / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    fingerprint = data_fingerprint(args)
    addon_comment = addon_template_comment()
    comments = {
        WITHOUT: f"write path data {fingerprint}",
        WITH: f"write path data {fingerprint} {addon_comment}",
    }
    stale = [
        label
        for label in LABELS
        if args.rebuild or bench.database_comment(TEMPLATES[label]) != comments[label]
    ]
    install = start_addon_template(args, logs) if WITH in stale else None
    try:
        if WITHOUT in stale:
            bench.drop_database(TEMPLATES[WITHOUT])
            dev.create_from_template(args.config, TEMPLATES[WITHOUT], logs)
            build_template(args, TEMPLATES[WITHOUT], comments[WITHOUT])
        if install is not None:
            install.wait()
        if WITH in stale:
            copy_database(ADDON_TEMPLATE, TEMPLATES[WITH])
            build_template(args, TEMPLATES[WITH], comments[WITH])
    finally:
        if install is not None:
            install.stop()


def addon_template_comment():
    return f"{ADDON} {bench.addon_fingerprint()} on {','.join(dev.dependencies())}"


def start_addon_template(args, logs):
    """Start installing the addon into ADDON_TEMPLATE when it is not there for this
    version; the Installation to wait for, or None."""
    if not args.rebuild and bench.database_comment(ADDON_TEMPLATE) == addon_template_comment():
        return None
    bench.drop_database(ADDON_TEMPLATE)
    dev.create_from_template(args.config, ADDON_TEMPLATE, logs)
    say(f"installing {ADDON} without demo data into {ADDON_TEMPLATE} (minutes)")
    return Installation(args.config, ADDON_TEMPLATE, logs / "bench_write_path_install.log")


def build_scaled_databases(args):
    """--scale: the two measured databases built for this run, each with the scale
    benchmark's synthetic history under the write path's records. No template: at
    100,000 customers a template and its copy would take twice the disk (6 GB each),
    and each run consumes its quotations and invoices."""
    logs = dev.LOCAL / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    install = start_addon_template(args, logs)
    try:
        bench.drop_database(DATABASES[WITHOUT])
        dev.create_from_template(args.config, DATABASES[WITHOUT], logs)
        build_template(args, DATABASES[WITHOUT], f"write path data at scale {args.scale}")
        if install is not None:
            install.wait()
    finally:
        if install is not None:
            install.stop()
    copy_database(ADDON_TEMPLATE, DATABASES[WITH])
    build_template(
        args, DATABASES[WITH], f"write path data at scale {args.scale} {addon_template_comment()}"
    )


class Installation:
    """`odoo -i crm_xyz_addon` without demo data into db, in the background."""

    def __init__(self, config, db, logfile):
        self.logfile = logfile
        with open(logfile, "w") as log:
            self.process = subprocess.Popen(
                dev.odoo_cmd(
                    config,
                    "-d",
                    db,
                    "-i",
                    ADDON,
                    "--without-demo=all",
                    "--stop-after-init",
                    "--no-http",
                    "--log-level=warn",
                    "--max-cron-threads=0",
                ),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dev.odoo_env(),
                cwd=bench.ROOT,
            )

    def wait(self):
        if self.process.wait():
            raise SystemExit(f"installing {ADDON} failed, see {self.logfile}")
        bench.set_database_comment(ADDON_TEMPLATE, addon_template_comment())

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()


def build_template(args, db, comment):
    say(f"building the data of {db}")
    started = time.monotonic()
    registry = Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, CONTEXT)
        scaled = None
        if args.scale:
            say(f"{db}: {args.scale:,} customers with two years of orders and invoices (minutes)")
            scaled = bench_data.build_benchmark_data(
                env,
                args.scale,
                company=env.ref("base.main_company"),
                check_foreign_keys=False,
                addon="crm.xyz.run" in env,
            )
            cr.commit()
        data = build_data(env, data_sizes(args))
        if scaled:
            data["scale"] = {
                "as_of": scaled.as_of.isoformat(),
                "company_id": scaled.company_id,
                "manager_user_id": scaled.manager_user_id,
            }
        env["ir.config_parameter"].set_param(DATA_PARAMETER, json.dumps(data))
        cr.commit()
        if "crm.xyz.run" in env:
            # the state the nightly jobs leave: the customers classified, the manager
            # report's summaries refreshed
            env["crm.xyz.run"]._run_analysis(env.company, fields.Date.context_today(env.user))
            env["crm.xyz.report.summary"]._refresh()
            cr.commit()
    Registry.delete(db)
    bench.vacuum(db, analyze=True)
    odoo.sql_db.close_db(db)
    bench.set_database_comment(db, comment)
    counts = ", ".join(
        f"{count:,} {name.replace('_', ' ')}" for name, count in data["counts"].items()
    )
    say(f"{db}: {counts} in {dev.duration(time.monotonic() - started)}")


def copy_database(template, db):
    bench.drop_database(db)
    odoo.sql_db.close_db(template)
    with bench.postgres_cursor() as cr:
        cr.execute(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
    source, target = odoo.tools.config.filestore(template), odoo.tools.config.filestore(db)
    if os.path.isdir(source):
        shutil.copytree(source, target, dirs_exist_ok=True)


# ------------------------------------------------------------------ data
def build_data(env, sizes):
    """The same records in both databases, through the ORM; returns their ids.

    Salespeople 1 and 2 own the customers: 1 the shop's (their quotations are
    confirmed, the bulk orders are theirs), 2 the customers reassigned to 3
    and back; one customer of salesperson 3 gets the invoices posted
    concurrently. Every customer is a company with an address and one contact,
    and the shop's customers have bought once in the last 60 days.
    """
    env = env(context=dict(env.context, **BUILD_CONTEXT))
    now = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
    # the day the quotations were made: confirming them moves them to today
    quotation_day = now.replace(hour=10) - timedelta(days=1)
    users = env["res.users"].create(
        [
            {
                "name": f"Benchmark Salesperson {number}",
                "login": f"bench.salesperson.{number}",
                "groups_id": [Command.set([env.ref("sales_team.group_sale_salesman").id])],
            }
            for number in range(1, 5)
        ]
    )
    product = env["product.product"].create(
        {
            "name": "Benchmark Product",
            "type": "consu" if sizes["goods"] else "service",
            "list_price": 100.0,
            "invoice_policy": "order",
        }
    )
    country = env.ref("base.us")

    def customers(prefix, count, user):
        return env["res.partner"].create(
            [
                {
                    "name": f"{prefix} {number:05d}",
                    "is_company": True,
                    "user_id": user.id,
                    "email": f"{prefix.lower().replace(' ', '.')}.{number}@example.com",
                    "phone": "+1 555 0100",
                    "street": f"{number} Main Street",
                    "city": "Springfield",
                    "zip": "62701",
                    "country_id": country.id,
                    "child_ids": [
                        Command.create(
                            {
                                "name": f"{prefix} {number:05d} Buyer",
                                "email": f"buyer.{number}@example.com",
                            }
                        )
                    ],
                }
                for number in range(count)
            ]
        )

    def orders(partners, user, dates, state="draft"):
        return env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "user_id": user.id,
                    "date_order": day,
                    "state": state,
                    "order_line": [Command.create({"product_id": product.id})],
                }
                for partner, day in zip(partners, dates, strict=True)
            ]
        )

    def invoices(partners, user):
        return env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_user_id": user.id,
                    "invoice_line_ids": [
                        Command.create({"product_id": product.id, "quantity": 1, "price_unit": 100})
                    ],
                }
                for partner in partners
            ]
        )

    def cycle(records, count, offset=0):
        return [records[(offset + number) % len(records)] for number in range(count)]

    shop = customers("Shop Customer", SHOP_CUSTOMERS, users[0])
    reassigned = customers("Customer", sizes["customers"], users[1])
    invoiced = customers("Invoice Customer", 1, users[2])
    flow_count = sizes["flow_records"]
    merged = customers("Merge Customer", 2 * flow_count, users[3])
    orders(
        shop,
        users[0],
        [now - timedelta(days=1 + number % 60) for number in range(len(shop))],
        "sale",
    )
    orders(merged, users[3], [now - timedelta(days=3)] * len(merged), "sale")
    merged_invoices = invoices(merged, users[3])
    quotations = orders(
        cycle(shop, sizes["quotations"] + flow_count),
        users[0],
        [quotation_day] * (sizes["quotations"] + flow_count),
    )
    drafts = invoices(cycle(invoiced, sizes["draft_invoices"]), users[2])
    flow_drafts = invoices(cycle(shop, flow_count, offset=100), users[0])
    to_pay = invoices(cycle(shop, flow_count, offset=200), users[0])
    (merged_invoices | to_pay).action_post()
    env.flush_all()
    return {
        "admin_id": env.ref("base.user_admin").id,
        "salesperson_ids": users.ids,
        "product_id": product.id,
        "shop_customer_ids": shop.ids,
        "reassigned_customer_ids": reassigned.ids,
        "quotation_ids": quotations.ids[: sizes["quotations"]],
        "draft_invoice_ids": drafts.ids,
        "quotation_day": fields.Datetime.to_string(quotation_day),
        "flows": {
            "confirm": quotations.ids[sizes["quotations"] :],
            "post": flow_drafts.ids,
            "payment": to_pay.ids,
            "email": cycle(shop.ids, flow_count, offset=300),
            "merge": [[merged[2 * n].id, merged[2 * n + 1].id] for n in range(flow_count)],
        },
        "counts": {
            "customers": len(shop) + len(reassigned) + len(invoiced) + len(merged),
            "contacts": len(shop) + len(reassigned) + len(invoiced) + len(merged),
            "salespeople": len(users),
            "orders": env["sale.order"].search_count([("user_id", "in", users.ids)]),
            "invoices": env["account.move"].search_count([("invoice_user_id", "in", users.ids)]),
        },
    }


# ------------------------------------------------------------------ the workers
class Pool:
    """The orchestrator's side of one database's process (serve()): JSON lines on its
    standard input and output."""

    def __init__(self, args, db):
        self.db = db
        self.process = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--config",
                args.config,
                "--serve",
                db,
                "--pool-size",
                str(max(args.worker_counts)),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=bench.ROOT,
        )
        self.data = None

    def wait_loaded(self):
        self.data = self.receive()["data"]

    def receive(self):
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the workers of {self.db} stopped (exit code {self.process.wait()})")
        reply = json.loads(line)
        if "error" in reply:
            raise SystemExit(f"the workers of {self.db} failed:\n{reply['error']}")
        return reply

    def request(self, op, **arguments):
        self.process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self.process.stdin.flush()
        return self.receive()

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.process.stdin.close()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()


def serve(args):
    """One database's process: load the registry, fork the workers as Odoo's
    multi-process server does (its connections closed first, the workers open their
    own), then relay the orchestrator's requests to them."""
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever else is printed goes to the log, not into the replies

    def reply(message):
        replies.write(json.dumps(message, default=str) + "\n")

    try:
        registry = Registry(args.serve)
        with registry.cursor() as cr:
            data = json.loads(
                api.Environment(cr, SUPERUSER_ID, {})["ir.config_parameter"].get_param(
                    DATA_PARAMETER
                )
            )
        odoo.sql_db.close_all()
        context = multiprocessing.get_context("fork")
        workers = []
        for _number in range(args.pool_size):
            here, there = context.Pipe()
            process = context.Process(target=work, args=(args.serve, data, there), daemon=True)
            process.start()
            there.close()
            workers.append((process, here))
    except Exception:
        reply({"error": traceback.format_exc()})
        return 1
    reply({"data": data})
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "quit":
            break
        try:
            if request["op"] == "concurrent":
                reply(run_concurrently(workers, request["task"], request["shares"]))
            else:
                workers[0][1].send(request)
                reply(workers[0][1].recv())
        except Exception:
            reply({"error": traceback.format_exc()})
    for process, connection in workers:
        connection.send({"op": "quit"})
        process.join(timeout=30)
    return 0


def run_concurrently(workers, task, shares):
    """Each worker prepares its share, then all start at once (a barrier)."""
    busy = workers[: len(shares)]
    for (_process, connection), share in zip(busy, shares, strict=True):
        connection.send({"op": "prepare", "task": task, "ids": share})
    # a worker that failed to prepare has answered already; the others wait for "go"
    answers = [connection.recv() for _process, connection in busy]
    waiting = [busy[number][1] for number, answer in enumerate(answers) if "ready" in answer]
    for connection in waiting:
        connection.send({"op": "go"})
    results = [answer for answer in answers if "ready" not in answer]
    results += [connection.recv() for connection in waiting]
    errors = [result["error"] for result in results if "error" in result]
    return {"error": errors[0]} if errors else {"workers": results}


def work(db, data, connection):
    """A worker: its own registry (forked), its own cursors and transactions."""
    # a serialization failure is counted, not logged as a bad query
    logging.getLogger("odoo.sql_db").setLevel(logging.CRITICAL)
    while True:
        request = connection.recv()
        if request["op"] == "quit":
            return
        try:
            registry = Registry(db).check_signaling()
            if request["op"] == "prepare":
                connection.send({"ready": True})
                connection.recv()  # go
                started = time.monotonic()
                operations = [
                    run_operation(registry, data, request["task"], record_id)
                    for record_id in request["ids"]
                ]
                connection.send(
                    {"start": started, "end": time.monotonic(), "operations": operations}
                )
            elif request["op"] == "bulk":
                connection.send(create_bulk_orders(registry, data, request["orders"]))
            elif request["op"] == "flow":
                connection.send(run_flow(registry, data, request["flow"], request["round"]))
            else:
                raise ValueError(f"unknown request {request['op']}")
        except Exception:
            connection.send({"error": traceback.format_exc()})


def confirm_quotation(env, data, record_id):
    salesperson = data["salesperson_ids"][0]
    env["sale.order"].with_user(salesperson).browse(record_id).action_confirm()


def post_invoice(env, data, record_id):
    env["account.move"].with_user(data["admin_id"]).browse(record_id).action_post()


OPERATIONS = {"confirm": confirm_quotation, "post": post_invoice}


def run_operation(registry, data, task, record_id):
    """One operation in its own transaction, through Odoo's retrying() as every RPC
    call; the attempts counted by wrapping the function it is given."""
    attempts = 0
    error = None
    started = time.monotonic()
    with closing(registry.cursor()) as cr:
        env = api.Environment(cr, SUPERUSER_ID, CONTEXT)

        def attempt():
            nonlocal attempts
            attempts += 1
            OPERATIONS[task](env, data, record_id)

        try:
            retrying(attempt, env)
        except Exception as exception:
            cr.rollback()
            error = f"{type(exception).__name__}: {exception}"
    return {"seconds": time.monotonic() - started, "attempts": attempts, "error": error}


def create_bulk_orders(registry, data, count):
    """Confirmed orders of salesperson 1 on one day, one line each, in one create by
    the salesperson, rolled back."""
    with closing(registry.cursor()) as cr:
        env = api.Environment(cr, data["salesperson_ids"][0], {**CONTEXT, **BULK_CONTEXT})
        customers = data["shop_customer_ids"]
        values = [
            {
                "partner_id": customers[number % len(customers)],
                "user_id": data["salesperson_ids"][0],
                "date_order": data["quotation_day"],
                "state": "sale",
                "order_line": [Command.create({"product_id": data["product_id"]})],
            }
            for number in range(count)
        ]
        queries = cr.sql_log_count
        started = time.perf_counter()
        env["sale.order"].create(values)
        env.flush_all()
        seconds = time.perf_counter() - started
        queries = cr.sql_log_count - queries
        cr.rollback()
    return {"seconds": seconds, "queries": queries}


def flow_confirm(env, data, number):
    orders = env["sale.order"].with_user(data["salesperson_ids"][0])
    orders.browse(data["flows"]["confirm"][number]).action_confirm()


def flow_post(env, data, number):
    env["account.move"].browse(data["flows"]["post"][number]).action_post()


def flow_payment(env, data, number):
    wizard = (
        env["account.payment.register"]
        .with_context(active_model="account.move", active_ids=[data["flows"]["payment"][number]])
        .create({})
    )
    wizard._create_payments()


def flow_email(env, data, number):
    partner = env["res.partner"].browse(data["flows"]["email"][number])
    partner.write({"email": f"new.address.{number}@example.com"})


def flow_reassign(env, data, number):
    # to salesperson 3 and back: every round writes every customer
    target = data["salesperson_ids"][2 if number % 2 == 0 else 1]
    partners = env["res.partner"].with_context(**REASSIGN_CONTEXT)
    partners.browse(data["reassigned_customer_ids"]).write({"user_id": target})


def flow_merge(env, data, number):
    destination, source = data["flows"]["merge"][number]
    wizard = env["base.partner.merge.automatic.wizard"]
    wizard._merge([destination, source], dst_partner=env["res.partner"].browse(destination))


FLOW_FUNCTIONS = {
    "confirm": flow_confirm,
    "post": flow_post,
    "payment": flow_payment,
    "email": flow_email,
    "reassign": flow_reassign,
    "merge": flow_merge,
}


def run_flow(registry, data, flow, number):
    """Round `number` of a core flow: one operation by the administrator (the
    salesperson confirms his order) in its own transaction, with its commit."""
    with closing(registry.cursor()) as cr:
        env = api.Environment(cr, data["admin_id"], CONTEXT)
        queries = cr.sql_log_count
        started = time.perf_counter()
        FLOW_FUNCTIONS[flow](env, data, number)
        cr.commit()
        seconds = time.perf_counter() - started
        queries = cr.sql_log_count - queries
    return {"seconds": seconds, "queries": queries}


# ------------------------------------------------------------------ measuring
class WritePathBenchmark:
    """The measures, alternating the database without the addon and the one with it."""

    def __init__(self, args, pools):
        self.args = args
        self.pools = pools
        self.used = {label: {task: 0 for task in TASKS} for label in LABELS}
        self.measures = []

    def run(self):
        self.warm_up()
        for task in TASKS:
            for workers in self.args.worker_counts:
                self.measure_concurrency(task, workers)
        self.measure_bulk()
        for flow in FLOWS:
            self.measure_flow(flow)
        return self.measures

    def alternate(self, rounds, measure):
        """measure(label, number) for each round, the database without the addon first
        in even rounds and second in odd ones: neither pays more often for what the
        other leaves behind (dead rows, a checkpoint, the autovacuum)."""
        values = {label: [] for label in LABELS}
        for number in range(rounds):
            for label in LABELS if number % 2 == 0 else reversed(LABELS):
                values[label].append(measure(label, number))
        return values

    def take(self, label, task, count):
        """The next `count` records of the task that no run has used."""
        key = {"confirm": "quotation_ids", "post": "draft_invoice_ids"}[task]
        start = self.used[label][task]
        self.used[label][task] = start + count
        ids = self.pools[label].data[key][start : start + count]
        if len(ids) < count:
            raise SystemExit(f"not enough records left for {task} in {label}")
        return ids

    def concurrent_run(self, label, task, workers, count):
        ids = self.take(label, task, count)
        shares = [ids[number::workers] for number in range(workers)]
        results = self.pools[label].request("concurrent", task=task, shares=shares)["workers"]
        operations = [operation for result in results for operation in result["operations"]]
        wall = max(result["end"] for result in results) - min(result["start"] for result in results)
        done = sum(1 for operation in operations if not operation["error"])
        return {
            "seconds": wall,
            "throughput": done / wall,
            "retries": sum(operation["attempts"] - 1 for operation in operations),
            "failures": [operation["error"] for operation in operations if operation["error"]],
            "longest": max(operation["seconds"] for operation in operations),
        }

    def warm_up(self):
        """One operation of each task by every worker, and one small bulk create: the
        caches of the forked workers fill as a server's do with its first requests."""
        largest = max(self.args.worker_counts)
        for task in TASKS:
            for label in LABELS:
                run = self.concurrent_run(label, task, largest, largest)
                if run["failures"]:
                    raise SystemExit(f"warming up {task} failed in {label}: {run['failures'][0]}")
        for label in LABELS:
            self.pools[label].request("bulk", orders=100)

    def measure_concurrency(self, task, workers):
        operations = self.args.operations
        runs = self.alternate(
            self.args.concurrency_rounds,
            lambda label, _number: self.concurrent_run(label, task, workers, operations),
        )
        summary = {label: summarize_concurrency(runs[label]) for label in LABELS}
        ratios = round_ratios(runs, "throughput")
        ratio = balanced_ratio(ratios)
        extra_retries = summary[WITH]["retries"] > summary[WITHOUT]["retries"]
        holds = (
            not summary[WITH]["failures"]
            and not extra_retries
            and ratio >= TARGETS["throughput_ratio"]
        )
        measure = {
            "kind": "concurrency",
            "figure": f"{operations} {TASKS[task]}, {workers} worker{'s' if workers > 1 else ''}",
            "summary": summary,
            "runs": runs,
            "ratio": ratio,
            "round_ratios": ratios,
            "ratio_of_medians": summary[WITH]["throughput"] / summary[WITHOUT]["throughput"],
            "holds": holds,
        }
        self.measures.append(measure)
        self.say_measure(measure)

    def measure_bulk(self):
        count = self.args.bulk_orders

        def bulk(label, _number):
            result = self.pools[label].request("bulk", orders=count)
            # the next round does not pay for the dead rows of this one
            bench.vacuum(DATABASES[label])
            return result

        self.add_timed(
            "bulk",
            f"{count:,} confirmed orders of one salesperson on one day in one create",
            self.alternate(self.args.rounds, bulk),
            TARGETS["bulk_ratio"],
        )

    def measure_flow(self, flow):
        for label in LABELS:  # round 0: warm-up
            self.pools[label].request("flow", flow=flow, round=0)
        rounds = self.args.reassign_rounds if flow == "reassign" else self.args.flow_rounds
        runs = self.alternate(
            rounds,
            lambda label, number: self.pools[label].request("flow", flow=flow, round=number + 1),
        )
        figure = FLOWS[flow].format(customers=self.args.customers)
        self.add_timed("flow", figure, runs, TARGETS["flow_ratio"])

    def add_timed(self, kind, figure, runs, limit):
        summary = {
            label: {
                "seconds": statistics.median(run["seconds"] for run in runs[label]),
                "queries": round(statistics.median(run["queries"] for run in runs[label])),
            }
            for label in LABELS
        }
        ratios = round_ratios(runs, "seconds")
        ratio = balanced_ratio(ratios)
        measure = {
            "kind": kind,
            "figure": figure,
            "summary": summary,
            "runs": runs,
            "ratio": ratio,
            "round_ratios": ratios,
            "ratio_of_medians": summary[WITH]["seconds"] / summary[WITHOUT]["seconds"],
            "limit": limit,
            "holds": ratio <= limit,
        }
        self.measures.append(measure)
        self.say_measure(measure)

    def say_measure(self, measure):
        rounds = ", ".join(f"{ratio:.2f}" for ratio in measure["round_ratios"])
        say(
            f"{measure['figure']}: {describe(measure, WITHOUT)} without, "
            f"{describe(measure, WITH)} with ({measure['ratio']:.2f}×; round by round "
            f"{rounds}; medians {measure['ratio_of_medians']:.2f}×)"
        )


def round_ratios(runs, key):
    """with / without of each round: the two runs of a round are taken one after the
    other (alternate()), so that their ratio does not see the machine's speed drift
    during the run, which the medians of the two columns, taken over all the rounds, do."""
    return [
        with_run[key] / without_run[key]
        for without_run, with_run in zip(runs[WITHOUT], runs[WITH], strict=True)
    ]


def position_medians(ratios):
    """The median ratio of the rounds where the addon runs second (even rounds) and of
    those where it runs first (odd ones; None without any)."""
    second, first = ratios[0::2], ratios[1::2]
    return statistics.median(second), statistics.median(first) if first else None


def balanced_ratio(ratios):
    """The geometric mean of position_medians(). Some flows favour whichever database
    runs first in a round (a partner's email: 1.2x the one way, 0.9x the other), so
    that the median of all the rounds' ratios falls on either side of the gap between
    the two groups by the count of rounds alone; each position weighs half here."""
    second, first = position_medians(ratios)
    return second if first is None else math.sqrt(second * first)


def summarize_concurrency(runs):
    """The median round's throughput; retries and failures of all rounds; the longest
    operation of all."""
    return {
        "throughput": statistics.median(run["throughput"] for run in runs),
        "seconds": statistics.median(run["seconds"] for run in runs),
        "retries": sum(run["retries"] for run in runs),
        "failures": [failure for run in runs for failure in run["failures"]],
        "longest": max(run["longest"] for run in runs),
    }


def measure_report(scale):
    """--scale: the manager report of every salesperson over the last year, for a sales
    manager in a read-only transaction, after the day of writes the measures made; beside
    it, as the figure without the addon, the previous release's queries, which read the
    documents alone, on the same data. Their figures must be the same."""
    from odoo.addons.crm_xyz_addon.tools.manager_report import previous_period
    from odoo.addons.crm_xyz_addon.tools.manager_report_query import jit_disabled

    as_of = date.fromisoformat(scale["as_of"])
    date_from = as_of - timedelta(days=364)
    context = {**CONTEXT, "allowed_company_ids": [scale["company_id"]]}
    registry = Registry(DATABASES[WITH])
    with closing(registry.cursor()) as cr:
        cr.execute("SET TRANSACTION READ ONLY")
        report = api.Environment(cr, scale["manager_user_id"], context)[bench.REPORT_MODEL]
        stats, indicators = bench.web_measure(
            report.env, lambda: report.get_indicators(date_from, as_of)
        )
    previous = bench_report_reference.load_previous_queries(bench.ROOT)
    if previous is None:
        raise SystemExit("the report's reference release is not in the git history")
    module, version = previous
    with closing(registry.cursor()) as cr:
        env = api.Environment(cr, scale["manager_user_id"], context)
        periods = [(date_from, as_of), previous_period(date_from, as_of)]
        with jit_disabled(cr):
            differences, _seconds, previous_seconds = bench_report_reference.compare(
                cr, env["crm.xyz.manager.report.service"], module, periods
            )
        cr.rollback()
    for difference in differences[:20]:
        say(f"report figure differs: {difference}")
    summary = {
        WITHOUT: {"seconds": previous_seconds, "queries": None},
        WITH: {"seconds": stats["seconds"], "queries": stats["queries"]},
    }
    measure = {
        "kind": "report",
        "figure": f"manager report of {len(indicators)} salespeople over a year, read-only "
        f"(without: release {version}'s queries on the documents)",
        "summary": summary,
        "runs": {label: [summary[label]] for label in LABELS},
        "ratio": stats["seconds"] / previous_seconds,
        "differences": len(differences),
        "holds": stats["seconds"] < TARGETS["report_seconds"] and not differences,
    }
    say(f"{measure['figure']}: {describe(measure, WITH)}, {verdict_text(measure)}")
    return measure


# ------------------------------------------------------------------ output
def describe(measure, label):
    summary = measure["summary"][label]
    if measure["kind"] == "concurrency":
        return (
            f"{summary['throughput']:.1f} op/s, {summary['retries']} retries, "
            f"{len(summary['failures'])} failures, longest {summary['longest']:.2f} s"
        )
    if summary["queries"] is None:
        return bench.format_seconds(summary["seconds"])
    return f"{bench.format_seconds(summary['seconds'])}, {summary['queries']:,.0f} queries"


def target_text(measure):
    if measure["kind"] == "concurrency":
        return f"≥ {TARGETS['throughput_ratio']}×, 0 failures, no retry more than without"
    if measure["kind"] == "report":
        return f"< {TARGETS['report_seconds']:.0f} s, the same figures as without"
    return f"≤ {measure['limit']}×"


def verdict_text(measure):
    if measure["kind"] == "report":
        seconds = measure["summary"][WITH]["seconds"]
        missed = (
            [f"{bench.format_seconds(seconds)}"] if seconds >= TARGETS["report_seconds"] else []
        )
        if measure["differences"]:
            missed.append(f"{measure['differences']} figures differ")
        return "MISSED: " + ", ".join(missed) if missed else "holds, same figures"
    if measure["holds"]:
        return "holds"
    if measure["kind"] != "concurrency":
        return f"MISSED by {measure['ratio'] / measure['limit']:.2f}×"
    summary = measure["summary"]
    missed = []
    if summary[WITH]["failures"]:
        missed.append(f"{len(summary[WITH]['failures'])} failures")
    if summary[WITH]["retries"] > summary[WITHOUT]["retries"]:
        missed.append(f"{summary[WITH]['retries'] - summary[WITHOUT]['retries']} more retries")
    if measure["ratio"] < TARGETS["throughput_ratio"]:
        missed.append(f"throughput {measure['ratio']:.2f}×")
    return "MISSED: " + ", ".join(missed)


def render_table(measures):
    lines = [
        "| figure | without the addon | with the addon | ratio | target | verdict |",
        "|---|---:|---:|---:|---|---|",
    ]
    for measure in measures:
        lines.append(
            f"| {measure['figure']} | {describe(measure, WITHOUT)} | {describe(measure, WITH)} "
            f"| {ratio_text(measure)} | {target_text(measure)} | {verdict_text(measure)} |"
        )
    return "\n".join(lines)


def ratio_text(measure):
    """The ratio, and for measures in rounds the median ratio of the rounds where the
    addon runs second and of those where it runs first."""
    ratio = f"{measure['ratio']:.2f}×"
    if "round_ratios" not in measure:
        return ratio
    second, first = position_medians(measure["round_ratios"])
    return ratio if first is None else f"{ratio} (second {second:.2f}, first {first:.2f})"


def render_targets(measures):
    held = sum(measure["holds"] for measure in measures)
    lines = [f"Write-path targets: {held} of {len(measures)} hold."]
    for measure in measures:
        if not measure["holds"]:
            lines.append(f"- {measure['figure']}: {verdict_text(measure)}")
    lines.append("Rounds (without | with), in the order measured:")
    for measure in measures:
        key = "throughput" if measure["kind"] == "concurrency" else "seconds"
        values = {
            label: ", ".join(
                f"{run[key]:.1f}/s" if key == "throughput" else bench.format_seconds(run[key])
                for run in measure["runs"][label]
            )
            for label in LABELS
        }
        ratios = ", ".join(f"{ratio:.2f}" for ratio in measure.get("round_ratios", ()))
        lines.append(
            f"- {measure['figure']}: {values[WITHOUT]} | {values[WITH]}"
            + (f" (ratios {ratios})" if ratios else "")
        )
    failures = {
        failure
        for measure in measures
        if measure["kind"] == "concurrency"
        for label in LABELS
        for failure in measure["summary"][label]["failures"]
    }
    lines += [f"- failure: {failure}" for failure in sorted(failures)[:10]]
    return "\n".join(lines)


def result_rows(measures, customers):
    """The rows of scripts/bench.py's table: the time with the addon, its ratio to the
    same work without it."""
    rows = []
    for measure in measures:
        summary = measure["summary"]
        if measure["kind"] == "concurrency":
            ratio = summary[WITH]["seconds"] / summary[WITHOUT]["seconds"]
            note = (
                f"with: {describe(measure, WITH)}; without: {describe(measure, WITHOUT)}; "
                f"throughput {measure['ratio']:.2f}×"
            )
            queries = None
        else:
            ratio = measure["ratio"]
            note = f"without: {describe(measure, WITHOUT)}"
            queries = summary[WITH]["queries"]
        rows.append(
            {
                "scale": customers,
                "figure": f"write path: {measure['figure']}",
                "seconds": summary[WITH]["seconds"],
                "ratio": ratio,
                "queries": queries,
                "note": f"{note}; {verdict_text(measure)}",
            }
        )
    return rows


def save_results(table, verdict):
    """Append the section to the benchmark's results, in place of an earlier one."""
    path = bench.RESULTS / "results.md"
    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    text = path.read_text() if path.exists() else ""
    text = text.split(RESULTS_SECTION, 1)[0].rstrip()
    text = f"{text}\n\n" if text else ""
    path.write_text(f"{text}{RESULTS_SECTION}\n\n{table}\n\n{verdict}\n")
    say(f"rows appended to {path}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
