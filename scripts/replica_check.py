"""Every screen of crm_xyz_addon read from a real hot standby, over HTTP, with no fallback.

Run by the test command (`./scripts/test`, in its life cycle; alone with
`./scripts/test --replica`) on the test database with its demo data. It starts
the hot standby of the private cluster (scripts/dev.py: pg_basebackup -R, its
own port) and Odoo with --db_replica_host/--db_replica_port, as production
would, then logs in as the salesman Boris and the sales manager Anna and makes
the web client's calls of each screen (scripts/web_screens.py) through
/web/dataset/call_kw with a session cookie.

Both servers log every statement of the test database meanwhile (log_statement
= all, set on the database), so that each screen is proved to have run on the
standby: its statements are in the standby's log, at least one of them on the
table that holds its data, and the cluster's log shows, for its calls, nothing
but Odoo's own bookkeeping (the registry check of each request, which Odoo
always makes on the primary, and transaction control). Odoo's fallback to the
primary (a read-only call that wrote, retried on a read/write cursor) is logged
by odoo.http; the check fails on it and on any WARNING or ERROR of Odoo.

Then the nightly analysis runs on the primary (as the sales manager, over
HTTP) while the salesman reads his agenda and the manager report from the
standby: the check prints the longest read and how soon after the run's commit
the standby shows its results.
"""

import http.cookiejar
import json
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import date, timedelta

import web_screens

USERS = (("boris", "salesman"), ("anna.manager", "sales manager"))
# what odoo.http and the registry log when a read-only call falls back to the primary
FALLBACK_RE = re.compile(r"retrying with a read/write cursor|Failed to open a readonly cursor")
# "2026-01-01 10:00:00.123 UTC [1234] LOG:  statement: SELECT ...", the statement's
# next lines following as they are
ENTRY_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\] \w+:  ")
STATEMENT_RE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\] LOG:  statement: "
)
# transaction control, and the reset of a connection given back to Odoo's pool
TRANSACTION_RE = re.compile(
    r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|DISCARD ALL)\b", re.IGNORECASE
)
# Odoo's check of its registry, on the primary before each request (odoo/http.py,
# Request._open_registry: "sequence data is not replicated")
REGISTRY_CHECK_RE = re.compile(r"\bbase_registry_signaling\b")
REQUEST_RE = re.compile(r'"POST /web/dataset/call_kw/')


class RpcError(Exception):
    pass


class WebClient:
    """A user of the web client: a session cookie and JSON-RPC calls, as the browser makes
    them (web_screens' client)."""

    def __init__(self, url, db, login):
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.calls = 0
        info = self._post(
            "/web/session/authenticate", {"db": db, "login": login, "password": login}
        )
        self.uid = info["uid"]
        self.login = login
        self.context = {
            **info["user_context"],
            "allowed_company_ids": [info["user_companies"]["current_company"]],
        }

    def _post(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1})
        request = urllib.request.Request(
            self.url + path, body.encode(), {"Content-Type": "application/json"}
        )
        with self.opener.open(request, timeout=300) as response:
            answer = json.load(response)
        if "error" in answer:
            error = answer["error"].get("data", {})
            raise RpcError(f"{path}: {error.get('name')}: {error.get('message')}")
        return answer["result"]

    def call(self, model, method, args, kwargs):
        self.calls += 1
        return self._post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )


class LogFile:
    """The part of a log file written since a mark."""

    def __init__(self, path):
        self.path = path

    def mark(self):
        return self.path.stat().st_size if self.path.exists() else 0

    def since(self, offset):
        with open(self.path, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")


def statements(text):
    """The statements logged in `text` (log_statement = all), each as one string."""
    found, current = [], None
    for line in text.splitlines():
        if ENTRY_RE.match(line):
            if current is not None:
                found.append(current)
            current = STATEMENT_RE.sub("", line) if STATEMENT_RE.match(line) else None
        elif current is not None:
            current += "\n" + line
    if current is not None:
        found.append(current)
    return found


class OdooServer:
    """Odoo serving the test database with the standby as its replica; its log is kept in
    memory and in a file."""

    def __init__(self, dev, conf, db, logfile):
        self.lines = []
        self.lock = threading.Lock()
        self.proc = dev.start_server(
            conf,
            dev.TEST_HTTP_PORT,
            db,
            extra=[
                *dev.replica_options(),
                "--max-cron-threads=0",
                "--workers=0",
                "--log-level=info",
            ],
        )
        self.out = open(logfile, "w")  # noqa: SIM115 (closed by stop())
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()

    def _drain(self):
        for line in self.proc.stdout:
            self.out.write(line)
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def mark(self):
        with self.lock:
            return len(self.lines)

    def since(self, mark):
        with self.lock:
            return self.lines[mark:]

    def wait_for_requests(self, mark, count, timeout=30):
        """Wait until Odoo logged `count` call_kw requests since `mark` (it logs a request
        once answered: what it logged for them is in the log then)."""
        deadline = time.monotonic() + timeout
        while sum(bool(REQUEST_RE.search(line)) for line in self.since(mark)) < count:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.drain.join(timeout=10)
        self.out.close()


class ReplicaCheck:
    def __init__(self, dev, conf, db, logs):
        self.dev, self.conf, self.db, self.logs = dev, conf, db, logs
        self.problems = []
        self.rows = []
        self.primary_log = LogFile(dev.pg_dirs()[2])
        self.standby_log = LogFile(dev.standby_dirs()[2])
        self.url = f"http://127.0.0.1:{dev.TEST_HTTP_PORT}"

    def fail(self, message):
        self.problems.append(message)
        print(f"[replica] FAILED: {message}", flush=True)

    # ------------------------------------------------------------ screens
    def check_screen(self, server, client, role, screen, today):
        state = {}
        try:
            screen.prepare(client, state, today)
        except RpcError as error:
            self.fail(f"{screen.label} as {role}: {error}")
            return
        offsets = (
            self.primary_log.mark(),
            self.standby_log.mark(),
            server.mark(),
            client.calls,
        )
        started = time.perf_counter()
        try:
            shown = screen.load(client, state)
        except RpcError as error:
            self.fail(f"{screen.label} as {role}: {error}")
            return
        seconds = time.perf_counter() - started
        calls = client.calls - offsets[3]
        if not server.wait_for_requests(offsets[2], calls):
            self.fail(f"{screen.label} as {role}: Odoo did not log its {calls} requests")
        on_primary = statements(self.primary_log.since(offsets[0]))
        on_standby = statements(self.standby_log.since(offsets[1]))
        odoo_lines = server.since(offsets[2])
        served = [text for text in on_standby if not TRANSACTION_RE.match(text)]
        bookkeeping = [
            text
            for text in on_primary
            if TRANSACTION_RE.match(text) or REGISTRY_CHECK_RE.search(text)
        ]
        other = [text for text in on_primary if text not in bookkeeping]
        label = f"{screen.label} as {role}"
        if not served:
            self.fail(f"{label}: no statement on the standby")
        for mark in screen.marks:
            if not any(re.search(mark, text) for text in served):
                self.fail(f"{label}: no statement on the standby matches {mark}")
        if other:
            self.fail(
                f"{label}: {len(other)} statements on the primary, e.g. "
                + " | ".join(" ".join(text.split())[:160] for text in other[:3])
            )
        fallbacks = [line for line in odoo_lines if FALLBACK_RE.search(line)]
        if fallbacks:
            self.fail(f"{label}: Odoo fell back to the primary: {fallbacks[0]}")
        self.rows.append(
            {
                "user": client.login,
                "screen": screen.label,
                "shown": shown,
                "calls": calls,
                "standby": len(served),
                "primary": len(other),
                "registry_checks": sum(bool(REGISTRY_CHECK_RE.search(t)) for t in bookkeeping),
                "fallbacks": len(fallbacks),
                "seconds": seconds,
            }
        )

    # ------------------------------------------------------------ the nightly run
    def reads_during_run(self, salesman, manager, today):
        """The analysis on the primary while the salesman reads from the standby."""
        screens = {screen.key: screen for screen in web_screens.screens()}
        agenda, report = screens["agenda"], screens["manager_report"]
        agenda_state, report_state = {}, {}
        agenda.prepare(salesman, agenda_state, today)
        report.prepare(salesman, report_state, today)
        before = self.dev.psql("SELECT COALESCE(MAX(id), 0) FROM crm_xyz_run", self.db)
        last_run = int(before.stdout.strip() or 0)
        poller = subprocess.Popen(
            self._psql_command(
                f"""
                DO $$
                BEGIN
                    WHILE NOT EXISTS (SELECT 1 FROM crm_xyz_run WHERE id > {last_run}) LOOP
                        IF clock_timestamp() > statement_timestamp() + interval '120 s' THEN
                            RAISE EXCEPTION 'no new run on the standby';
                        END IF;
                        PERFORM pg_sleep(0.002);
                    END LOOP;
                    RAISE NOTICE 'crm_xyz_seen % %', extract(epoch FROM clock_timestamp()),
                        extract(epoch FROM pg_last_xact_replay_timestamp());
                END $$
                """
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        reads, stop = [], threading.Event()

        def read_loop():
            while not stop.is_set():
                for name, call in (
                    ("agenda", lambda: agenda.load(salesman, agenda_state)),
                    ("report", lambda: web_screens.report_open(salesman, report_state)),
                ):
                    began = time.time()
                    try:
                        call()
                    except RpcError as error:
                        reads.append((name, began, time.time(), str(error)))
                    else:
                        reads.append((name, began, time.time(), None))

        reader = threading.Thread(target=read_loop, name="standby-reader")
        reader.start()
        time.sleep(0.5)
        run_started = time.time()
        try:
            result = manager.call(
                "crm.xyz.run",
                "run_analysis",
                [],
                {"as_of": str(today - timedelta(days=1)), "context": manager.context},
            )
        except RpcError as error:
            self.fail(f"the nightly analysis as the sales manager: {error}")
            result = None
        run_answered = time.time()
        time.sleep(0.5)
        stop.set()
        reader.join()
        try:
            _out, err = poller.communicate(timeout=130)
        except subprocess.TimeoutExpired:
            poller.kill()
            _out, err = poller.communicate()
        seen = re.search(r"crm_xyz_seen ([\d.]+) ([\d.]+)", err)
        failed_reads = [read for read in reads if read[3]]
        for name, _began, _ended, error in failed_reads[:3]:
            self.fail(f"a read of the {name} during the run failed: {error}")
        during = [read for read in reads if read[2] > run_started and read[1] < run_answered]
        if result is None:
            return None
        if not seen:
            self.fail(f"the standby never showed the run: {err.strip()[:300]}")
            return None
        seen_at, committed_at = float(seen.group(1)), float(seen.group(2))
        same = self._classification_digest(standby=False) == self._classification_digest(
            standby=True
        )
        if not same:
            self.fail("the standby's classes differ from the primary's after the run")
        longest = {
            name: max(
                (ended - began for read_name, began, ended, _e in during if read_name == name),
                default=None,
            )
            for name in ("agenda", "report")
        }
        return {
            "run_seconds": run_answered - run_started,
            "customers": result["customer_count"],
            "changed": result["changed_count"],
            "reads": len(during),
            "longest": longest,
            "lag": seen_at - committed_at,
            "after_answer": seen_at - run_answered,
            "same_classes": same,
        }

    def _psql_command(self, sql):
        _data, run, _log = self.dev.standby_dirs()
        return [
            str(self.dev.pg_bindir() / "psql"),
            "-h",
            str(run),
            "-p",
            str(self.dev.STANDBY_PORT),
            "-U",
            self.dev.DB_USER,
            "-d",
            self.db,
            "-tAc",
            sql,
        ]

    def _classification_digest(self, standby):
        return self.dev.psql(
            "SELECT md5(string_agg(concat_ws(':', company_id, partner_id, relationship_stage_auto,"
            " abc_class_auto, xyz_class_auto, classification_cv), ',' ORDER BY company_id,"
            " partner_id)) FROM crm_xyz_classification",
            self.db,
            standby=standby,
        ).stdout.strip()

    # ------------------------------------------------------------ all of it
    def run(self):
        dev = self.dev
        # left running afterwards, as the cluster is: the next check needs no new copy
        dev.start_standby()
        # every statement of the database in both servers' logs; and the commits of the
        # nightly run as production makes them (PostgreSQL's default, which the private
        # cluster turns off for speed): flushed, hence sent to the standby, at once
        for setting in ("log_statement = 'all'", "synchronous_commit = on"):
            dev.psql(f'ALTER DATABASE "{self.db}" SET {setting}')
        server = None
        try:
            dev.wait_for_standby()
            server = OdooServer(dev, self.conf, self.db, self.logs / "replica_server.log")
            today = date.today()
            clients = {}
            for login, role in USERS:
                try:
                    clients[role] = WebClient(self.url, self.db, login)
                except (RpcError, urllib.error.URLError) as error:
                    self.fail(f"logging in as {login}: {error}")
            for role, client in clients.items():
                for screen in web_screens.screens():
                    if screen.managers_only and role != "sales manager":
                        continue
                    self.check_screen(server, client, role, screen, today)
            nightly = None
            if len(clients) == len(USERS):
                nightly = self.reads_during_run(
                    clients["salesman"], clients["sales manager"], today
                )
            bad = [
                line
                for line in server.since(0)
                if dev.LOG_LEVEL_RE.match(line)
                and dev.LOG_LEVEL_RE.match(line).group(1) in ("WARNING", "ERROR", "CRITICAL")
            ]
            for line in bad[:10]:
                self.fail(f"Odoo logged: {line}")
        finally:
            if server:
                server.stop()
            for setting in ("log_statement", "synchronous_commit"):
                dev.psql(f'ALTER DATABASE "{self.db}" RESET {setting}')
        self.report(nightly)
        return self.problems

    def report(self, nightly):
        print(
            "\n| user | screen | shown | calls | statements on the standby "
            "| on the primary: registry checks, others | fallbacks | time |"
        )
        print("|---|---|---|---:|---:|---:|---:|---:|")
        for row in self.rows:
            print(
                f"| {row['user']} | {row['screen']} | {row['shown']} | {row['calls']} "
                f"| {row['standby']} | {row['registry_checks']}, {row['primary']} "
                f"| {row['fallbacks']} | {row['seconds'] * 1000:.0f} ms |"
            )
        if nightly:
            longest = ", ".join(
                f"{name} {seconds * 1000:.0f} ms"
                for name, seconds in nightly["longest"].items()
                if seconds is not None
            )
            print(
                f"\nnightly analysis on the primary ({nightly['customers']} customers, "
                f"{nightly['changed']} changed) in {nightly['run_seconds']:.2f} s, while the "
                f"salesman read {nightly['reads']} times from the standby; longest read: "
                f"{longest or 'none during the run'}; the standby showed the run "
                f"{nightly['lag'] * 1000:.0f} ms after its commit ("
                + (
                    f"{nightly['after_answer'] * 1000:.0f} ms after its answer"
                    if nightly["after_answer"] >= 0
                    else "before its answer reached the sales manager"
                )
                + ")"
                + (", with the same classes as the primary" if nightly["same_classes"] else "")
            )
        print(flush=True)


def run(dev, conf, db, logs):
    """The check on `db`; returns the problems found (none: it passed)."""
    dev.say(
        f"replica check: the screens of the addon read from a hot standby (port "
        f"{dev.STANDBY_PORT}) over HTTP, as a salesman and as a sales manager"
    )
    return ReplicaCheck(dev, conf, db, logs).run()
