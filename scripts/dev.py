#!/usr/bin/env python3
"""Development stack of crm_xyz_addon: a private PostgreSQL cluster, Odoo 18, tests.

Commands (see README.md):
    run      start Odoo with the addon and its demo data at http://localhost:8069
             (run --lang ru_RU: Russian for admin and the demo users; --lang en_US back)
    test     run every test of the addons in a fresh database, then the replica check
             (every screen read from a hot standby over HTTP, scripts/replica_check.py)
             and the install / upgrade / uninstall checks; ends with "N passed, N failed"
             (test --replica: the replica check alone, on a fresh database with demo data;
             test --core: Odoo's own tests of the modules the addons extend,
             without and with the addons; fails if the addons add a failure)
    reset    stop the private cluster and its standby and delete them (databases,
             filestore, logs)
    shell    an Odoo shell on the demo database
    replica  as run, with a hot standby of the private cluster (pg_basebackup -R, on
             its own port) that serves Odoo's read-only calls (db_replica_host/_port)
    stop     stop the Odoo server of `run` / `replica`, the standby and the private cluster
    screenshots  regenerate the README's pictures (docs/images) from the demo database
             (screenshots --lang ru_RU: the Russian ones, *_ru.png)
    bench    run the scale benchmark (scripts/bench.py)
             (bench --write-path: what the addon adds to Odoo's own writes, against
             a database without it, scripts/bench_write_path.py)
    i18n     refresh the .pot templates from the code and merge them into ru.po

Environment variables (all optional):
    ODOO_PYTHON   the Python interpreter that imports Odoo 18 [python3]
    ODOO_PATH     an Odoo 18 source tree to put on that interpreter's path
    XYZ_PG_PORT   port of the private PostgreSQL cluster [54329]
    XYZ_PG_STANDBY_PORT port of its hot standby (replica, test, bench) [XYZ_PG_PORT + 1]
    XYZ_HTTP_PORT port of the Odoo server started by `run` [8069]
    XYZ_DEMO_DB   database of `run`, `shell` and `screenshots` [crm_xyz_demo]
    XYZ_SCREENSHOTS_HTTP_PORT port of the Odoo server of `screenshots` [a free one]
    XYZ_TEST_HTTP_PORT port of the Odoo server during tests [8169]
    XYZ_TEST_DB   database of the tests, also names their log folder [crm_xyz_test]
"""

import ast
import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import i18n_update
import replica_check
import upgrade_check

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
# the product, and the demo data that `run` and `test` install with it
PRODUCT_ADDONS = ("crm_xyz_addon", "crm_xyz_addon_stock")
DEMO_ADDON = "crm_xyz_addon_demo"
ADDONS = (*PRODUCT_ADDONS, DEMO_ADDON)
DEMO_DB = os.environ.get("XYZ_DEMO_DB", "crm_xyz_demo")
# the accounts of the demo data (README.md, "Demo data"): login = password
DEMO_USERS = (
    ("admin", "Administrator, everything"),
    ("anna.manager", "Anna Lindqvist, sales manager"),
    ("boris", "Boris Novak, salesman"),
    ("clara", "Clara Whitmore, salesman"),
    ("dmitri", "Dmitri Sokolov, salesman"),
    ("elena", "Elena Tanaka, salesman"),
)
TEST_DB = os.environ.get("XYZ_TEST_DB", "crm_xyz_test")
NODEMO_DB = f"{TEST_DB}_nodemo" if "XYZ_TEST_DB" in os.environ else "crm_xyz_nodemo"
# test --core: Odoo's own test suites of the modules the addons extend, run on a database
# without the addons and on one with them
CORE_MODULES = (
    "crm",
    "sale",
    "sale_crm",
    "sale_margin",
    "sale_management",
    "calendar",
    "sale_stock",
)
CORE_PREFIX = TEST_DB if "XYZ_TEST_DB" in os.environ else "crm_xyz"
CORE_BASE_DB = f"{CORE_PREFIX}_core_base"
CORE_ADDONS_DB = f"{CORE_PREFIX}_core_addons"
DB_USER = "odoo"
PG_PORT = int(os.environ.get("XYZ_PG_PORT", "54329"))
STANDBY_PORT = int(os.environ.get("XYZ_PG_STANDBY_PORT", str(PG_PORT + 1)))
# the replication slot of the standby on the private cluster: it keeps the WAL the
# standby has not received yet, up to MAX_SLOT_WAL_KEEP (then the standby is made again)
STANDBY_SLOT = "crm_xyz_standby"
MAX_SLOT_WAL_KEEP = "4GB"
HTTP_PORT = int(os.environ.get("XYZ_HTTP_PORT", "8069"))
TEST_HTTP_PORT = int(os.environ.get("XYZ_TEST_HTTP_PORT", "8169"))
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

# Odoo log lines look like "2026-01-01 10:00:00,000 123 WARNING db logger: message"
LOG_LEVEL_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) ")
RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
# "... ERROR db odoo.addons.crm.tests.test_crm_lead: FAIL: TestCrmLead.test_x", or for
# a failed setUpClass "... ERROR db unittest.suite: ERROR: setUpClass (odoo.addons.crm...)"
FAILED_TEST_RE = re.compile(r" ERROR \S+ (\S+): (FAIL|ERROR): (.+?)\s*$")
ADDON_PATH_RE = re.compile(r"odoo\.addons\.([\w.]+)")
# "... INFO db odoo.tests.stats: crm: 412 tests 95.20s 301234 queries"
TEST_STATS_RE = re.compile(r" odoo\.tests\.stats: (\w+): (\d+) tests ")
SKIP_RE = re.compile(r" INFO \S+ \S+: skipped ")
# the progress of an installation at --log-level=info, and a server ready to answer
LOADING_MODULE_RE = re.compile(r" odoo\.modules\.loading: Loading module (\w+) \((\d+)/(\d+)\)")
DEMO_GENERATION_RE = re.compile(
    r"odoo\.modules\.loading: loading crm_xyz_addon_demo/demo/\w+_generate"
)
DEMO_STEP_RE = re.compile(r"\.crm_xyz_demo: demo data: (\w+) in ([\d.]+) s")
SERVER_READY_RE = re.compile(r" odoo\.modules\.registry: Registry loaded in ")
LANG_RE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?(@\w+)?$")


class Failure(Exception):
    """A prerequisite or a step failed: the message says what to do."""


def say(message):
    print(f"[dev] {message}", flush=True)


def duration(seconds):
    return f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {seconds % 60:.0f} s"


class Steps:
    """The numbered steps of a long command, each said with the time it took."""

    def __init__(self, total, started=None):
        self.total = total
        self.done = 0
        self.started = started or time.monotonic()

    def finish(self, message):
        self.done += 1
        say(f"{self.done}/{self.total} {message} ({duration(time.monotonic() - self.started)})")
        self.started = time.monotonic()

    @staticmethod
    def detail(message):
        print(f"[dev]       {message}", flush=True)


# --------------------------------------------------------------------- Odoo
def odoo_python():
    return os.environ.get("ODOO_PYTHON", "python3")


def odoo_env():
    env = dict(os.environ)
    if os.environ.get("ODOO_PATH"):
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [os.environ["ODOO_PATH"], env.get("PYTHONPATH")])
        )
    return env


def check_odoo():
    """Return Odoo's own addons directories; fail clearly without Odoo 18."""
    probe = (
        "import os, odoo, odoo.release, odoo.addons;"
        "print(odoo.release.series);"
        "paths = list(odoo.addons.__path__);"
        "extra = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), 'addons');"
        "paths += [extra] if os.path.isdir(os.path.join(extra, 'sale')) else [];"
        "print(','.join(paths))"
    )
    python = odoo_python()
    if not shutil.which(python) and not Path(python).exists():
        raise Failure(f"{python} not found: set ODOO_PYTHON to the Python that runs Odoo 18.")
    proc = subprocess.run(
        [python, "-c", probe], capture_output=True, text=True, env=odoo_env(), check=False
    )
    if proc.returncode:
        raise Failure(
            f"{python} cannot import odoo: install Odoo 18 (see README.md, 'Getting Odoo 18') "
            "or set ODOO_PYTHON / ODOO_PATH."
        )
    series, paths = proc.stdout.split()[:2]
    if series != "18.0":
        raise Failure(f"{python} imports Odoo {series}, this addon needs Odoo 18.0.")
    return paths.split(",")


# --------------------------------------------------------------- packages
def ensure_packages(extra=()):
    """Install with apt-get what the stack needs and the machine lacks; `extra` gives more
    (command, package) pairs that a command needs."""
    missing = [package for command, package in extra if not shutil.which(command)]
    if not pg_bindir():
        missing.append("postgresql")
    if not (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    ):
        missing.append("chromium")
    if not shutil.which("wkhtmltopdf"):
        missing.append("wkhtmltopdf")
    if not missing:
        return
    if not shutil.which("apt-get"):
        raise Failure(f"missing {', '.join(missing)}: install them with your package manager.")
    sudo = [] if IS_ROOT else ["sudo"]
    say(f"installing {' '.join(missing)} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *missing]):
        if subprocess.run(sudo + cmd, env=env, stdout=subprocess.DEVNULL, check=False).returncode:
            raise Failure(
                f"could not install {' '.join(missing)}: run `apt-get install {' '.join(missing)}`."
            )
    if not pg_bindir():
        raise Failure("no PostgreSQL server binaries after installing postgresql.")


# (module to import, package to install): what the tests' tools and the addon's
# external_dependencies need beyond Odoo's own requirements
PYTHON_PACKAGES = (
    ("websocket", "websocket-client", "Odoo's browser tours need it"),
    ("numpy", "numpy", "the purchase model of the early warning"),
    ("scipy", "scipy", "the purchase model of the early warning"),
)


def ensure_python_packages():
    """Python packages that the addon or Odoo's test tools need but Odoo does not require."""
    for module, package, why in PYTHON_PACKAGES:
        probe = subprocess.run(
            [odoo_python(), "-c", f"import {module}"],
            env=odoo_env(),
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            continue
        say(f"installing {package} ({why})")
        if subprocess.run(
            [odoo_python(), "-m", "pip", "install", "-q", package],
            env=odoo_env(),
            check=False,
        ).returncode:
            raise Failure(
                f"could not install {package}: run `{odoo_python()} -m pip install {package}`."
            )


def pg_bindir():
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if candidates:
        return candidates[0].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


# ----------------------------------------------------------------- cluster
def pg_dirs():
    """The cluster lives in .local/postgres unless the server account cannot reach it."""
    base = LOCAL / "postgres"
    if IS_ROOT and not _postgres_can_reach(ROOT):
        # e.g. a checkout under a 0700 temporary folder (as CI clones it): a folder of its
        # own in the system's temporary directory, named after the checkout (the same at
        # each run: Python's hash() of a string changes from one process to the next)
        digest = hashlib.sha1(str(ROOT).encode()).hexdigest()[:10]
        base = Path(tempfile.gettempdir()) / f"crm_xyz_addon-pg-{digest}"
    return base / "data", base / "run", base / "postgresql.log"


@contextlib.contextmanager
def cluster_of_command():
    """The private cluster as one command leaves it: afterwards stopped when the command
    started it, and removed when the command created it in a temporary folder (see
    pg_dirs); a cluster that was already running, the developer's own, is kept running.
    Its hot standby (standby_dirs, inside the cluster's folder) likewise."""
    bindir = pg_bindir()
    data, _run, _log = pg_dirs()
    existed = (data / "PG_VERSION").exists()
    was_running = bool(bindir) and existed and pg_running(bindir, data)
    standby_was_running = standby_running()
    try:
        yield
    finally:
        standby_data, _run, _log = standby_dirs()
        if not standby_was_running and stop_standby():
            say(f"stopped the hot standby in {standby_data}, which this command started")
        if not was_running and stop_cluster():
            say(f"stopped the PostgreSQL cluster in {data}, which this command started")
        if not existed and LOCAL not in data.parents and data.parent.exists():
            shutil.rmtree(data.parent, ignore_errors=True)
            say(f"removed the temporary PostgreSQL cluster in {data.parent}")


def _postgres_can_reach(path):
    return (
        subprocess.run(
            ["runuser", "-u", "postgres", "--", "test", "-x", str(path)], check=False
        ).returncode
        == 0
    )


def as_server_user(cmd):
    return ["runuser", "-u", "postgres", "--", *cmd] if IS_ROOT else cmd


def start_cluster():
    bindir = pg_bindir()
    data, run, logfile = pg_dirs()
    if not (data / "PG_VERSION").exists():
        say(f"creating the private PostgreSQL cluster in {data}")
        data.mkdir(parents=True, exist_ok=True)
        run.mkdir(parents=True, exist_ok=True)
        if IS_ROOT:
            shutil.chown(data.parent, "postgres")
            shutil.chown(data, "postgres")
            shutil.chown(run, "postgres")
        subprocess.run(
            as_server_user(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    DB_USER,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nport = {PG_PORT}\nlisten_addresses = ''\n"
                f"unix_socket_directories = '{run}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "shared_buffers = 512MB\nwork_mem = 64MB\nmaintenance_work_mem = 256MB\n"
            )
    if pg_running(bindir, data):
        return run
    if (run / f".s.PGSQL.{PG_PORT}").exists() or _port_in_use(PG_PORT):
        raise Failure(f"port {PG_PORT} is taken: stop what uses it or set XYZ_PG_PORT.")
    say(f"starting PostgreSQL on {run} port {PG_PORT}")
    subprocess.run(
        as_server_user(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(logfile),
                "-o",
                f"-p {PG_PORT}",
                "-w",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return run


def pg_running(bindir, data):
    return (
        subprocess.run(
            as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "status"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        ).returncode
        == 0
    )


def _stop_server(data):
    """Stop the PostgreSQL server of the data folder `data`; True when it was running."""
    bindir = pg_bindir()
    if bindir and (data / "PG_VERSION").exists() and pg_running(bindir, data):
        subprocess.run(
            as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
        )
        return True
    return False


def stop_cluster():
    """Stop the private cluster; True when it was running."""
    return _stop_server(pg_dirs()[0])


# ----------------------------------------------------------------- standby
def standby_dirs():
    """The hot standby lives beside the cluster it follows: data, socket folder, log."""
    data, _run, _log = pg_dirs()
    base = data.parent / "standby"
    return base / "data", base / "run", base / "postgresql.log"


def start_standby():
    """Start the hot standby of the private cluster (made with pg_basebackup -R the
    first time, or again when it cannot catch up any more) and return its socket
    folder once it accepts connections."""
    bindir = pg_bindir()
    primary_run = start_cluster()
    _configure_replication()
    data, run, logfile = standby_dirs()
    if (data / "PG_VERSION").exists() and pg_running(bindir, data):
        return run
    if (data / "PG_VERSION").exists() and _slot_status() in (None, "lost"):
        say("the standby cannot catch up with the cluster any more: making it again")
        shutil.rmtree(data.parent)
    if not (data / "PG_VERSION").exists():
        _base_backup(bindir, primary_run, data, run, logfile)
    if (run / f".s.PGSQL.{STANDBY_PORT}").exists() or _port_in_use(STANDBY_PORT):
        raise Failure(
            f"port {STANDBY_PORT} is taken: stop what uses it or set XYZ_PG_STANDBY_PORT."
        )
    say(f"starting the hot standby on {run} port {STANDBY_PORT}")
    subprocess.run(
        as_server_user(
            [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(logfile), "-w", "start"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while psql("SELECT pg_is_in_recovery()", standby=True).stdout.strip() != "t":
        if time.monotonic() > deadline:
            raise Failure(f"the standby does not accept connections, see {logfile}")
        time.sleep(0.2)
    return run


def _configure_replication():
    """What streaming replication needs from the private cluster (PostgreSQL's defaults,
    unless changed), plus a bound on the WAL kept for a stopped standby."""
    settings = dict(
        line.split("|", 1)
        for line in psql(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('wal_level', 'max_wal_senders', 'max_replication_slots', 'max_slot_wal_keep_size')"
        ).stdout.split()
    )
    if (
        settings.get("wal_level") == "minimal"
        or settings.get("max_wal_senders") == "0"
        or (settings.get("max_replication_slots") == "0")
    ):
        say("the private cluster: wal_level = replica, max_wal_senders = 10 (restarting it)")
        psql("ALTER SYSTEM SET wal_level = 'replica'")
        psql("ALTER SYSTEM SET max_wal_senders = 10")
        psql("ALTER SYSTEM SET max_replication_slots = 10")
        data, _run, logfile = pg_dirs()
        subprocess.run(
            as_server_user(
                [str(pg_bindir() / "pg_ctl"), "-D", str(data), "-l", str(logfile), "-w", "restart"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if settings.get("max_slot_wal_keep_size") == "-1":
        psql(f"ALTER SYSTEM SET max_slot_wal_keep_size = '{MAX_SLOT_WAL_KEEP}'")
        psql("SELECT pg_reload_conf()")


def _slot_status():
    """The WAL status of the standby's slot on the cluster (None: no slot)."""
    return (
        psql(
            f"SELECT wal_status FROM pg_replication_slots WHERE slot_name = '{STANDBY_SLOT}'"
        ).stdout.strip()
        or None
    )


def _base_backup(bindir, primary_run, data, run, logfile):
    """A copy of the running cluster that follows it: pg_basebackup -R (standby.signal and
    primary_conninfo), a replication slot of its own, and the standby's own settings."""
    say(f"making the hot standby in {data} (pg_basebackup -R of the private cluster)")
    psql(
        f"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
        f" WHERE slot_name = '{STANDBY_SLOT}' AND NOT active"
    )
    data.mkdir(parents=True)
    run.mkdir(parents=True, exist_ok=True)
    if IS_ROOT:
        for path in (data.parent, data, run):
            shutil.chown(path, "postgres")
    data.chmod(0o700)
    started = time.monotonic()
    backup = subprocess.run(
        as_server_user(
            [
                str(bindir / "pg_basebackup"),
                "-h",
                str(primary_run),
                "-p",
                str(PG_PORT),
                "-U",
                DB_USER,
                "-D",
                str(data),
                "-R",
                "-X",
                "stream",
                "-C",
                "-S",
                STANDBY_SLOT,
                "--checkpoint=fast",
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if backup.returncode:
        shutil.rmtree(data.parent, ignore_errors=True)
        raise Failure(
            f"pg_basebackup of the private cluster failed: {backup.stderr.strip()} (it needs "
            "a 'local replication' line in pg_hba.conf, which initdb writes)"
        )
    with open(data / "postgresql.conf", "a") as conf:
        # the last value of a setting wins: these override the primary's copied above
        conf.write(
            f"\n# the hot standby of {ROOT.name} (scripts/dev.py)\n"
            f"port = {STANDBY_PORT}\nunix_socket_directories = '{run}'\n"
            "hot_standby = on\n"
            # queries on the standby keep the rows they read from being vacuumed away
            # on the primary, rather than being cancelled by its cleanup
            "hot_standby_feedback = on\n"
        )
    say(f"standby made in {duration(time.monotonic() - started)}")


def stop_standby():
    """Stop the hot standby; True when it was running."""
    return _stop_server(standby_dirs()[0])


def standby_running():
    bindir = pg_bindir()
    data, _run, _log = standby_dirs()
    return bool(bindir) and (data / "PG_VERSION").exists() and pg_running(bindir, data)


def wait_for_standby(timeout=900):
    """Wait until the standby has replayed everything the cluster wrote until now."""
    target = psql("SELECT pg_current_wal_lsn()").stdout.strip()
    deadline = time.monotonic() + timeout
    while (
        psql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", standby=True).stdout.strip()
        != "t"
    ):
        if time.monotonic() > deadline:
            raise Failure(f"the standby did not replay up to {target} in {timeout} s")
        time.sleep(0.1)


def replica_options():
    """Odoo's options that send its read-only calls to the standby."""
    _data, run, _log = standby_dirs()
    return [f"--db_replica_host={run}", f"--db_replica_port={STANDBY_PORT}"]


def _port_in_use(port, host="127.0.0.1"):
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) == 0


def psql(sql, db="postgres", standby=False):
    """Run sql on the private cluster (or its standby); the completed process."""
    _data, run, _log = standby_dirs() if standby else pg_dirs()
    return subprocess.run(
        [
            str(pg_bindir() / "psql"),
            "-h",
            str(run),
            "-p",
            str(STANDBY_PORT if standby else PG_PORT),
            "-U",
            DB_USER,
            "-d",
            db,
            "-tAc",
            sql,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def db_exists(name):
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").stdout.strip() == "1"


def drop_db(name):
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    shutil.rmtree(LOCAL / "filestore" / "filestore" / name, ignore_errors=True)


# --------------------------------------------------------------------- Odoo
def write_config(odoo_addons, http_port):
    _data, run, _log = pg_dirs()
    LOCAL.mkdir(exist_ok=True)
    conf = LOCAL / "odoo.conf"
    conf.write_text(
        "[options]\n"
        f"addons_path = {','.join([str(ROOT), *odoo_addons])}\n"
        f"data_dir = {LOCAL / 'filestore'}\n"
        f"db_host = {run}\n"
        f"db_port = {PG_PORT}\n"
        f"db_user = {DB_USER}\n"
        "db_password = False\n"
        "admin_passwd = admin\n"
        f"http_port = {http_port}\n"
        "list_db = True\n"
        "max_cron_threads = 1\n"
    )
    return conf


def odoo_cmd(conf, *args, command=None):
    """Odoo's command line; a sub-command (shell, ...) comes before the options."""
    launcher = str(ROOT / "scripts" / "odoo_main.py")
    return [odoo_python(), launcher, *([command] if command else []), "-c", str(conf), *args]


def run_odoo_logged(cmd, logfile, echo=None):
    """Run Odoo, copy its log to logfile, echo the lines echo() selects; return (rc, lines)."""
    lines = []
    with open(logfile, "w") as out:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=odoo_env(),
            cwd=ROOT,
        )
        for line in proc.stdout:
            out.write(line)
            lines.append(line.rstrip("\n"))
            if echo and echo(line):
                print(line, end="", flush=True)
        proc.wait()
    return proc.returncode, lines


def bad_log_lines(lines):
    """ERROR / WARNING / CRITICAL lines and tracebacks Odoo logged."""
    bad = []
    for line in lines:
        match = LOG_LEVEL_RE.match(line)
        if match and match.group(1) in ("WARNING", "ERROR", "CRITICAL"):
            bad.append(line)
    return bad


def check_wkhtmltopdf():
    """Say once when wkhtmltopdf is not the build Odoo needs for complete PDFs."""
    binary = shutil.which("wkhtmltopdf")
    if not binary:
        return
    probe = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    version = probe.stdout.strip() or "wkhtmltopdf"
    if "with patched qt" not in version:
        say(
            f"note: {version} is not the build 'with patched qt': PDF reports print here"
            " without headers and footers (enough for development; for production see"
            " README.md, 'PDF output')"
        )


def prepare(http_port=HTTP_PORT):
    odoo_addons = check_odoo()
    ensure_packages()
    ensure_python_packages()
    check_wkhtmltopdf()
    start_cluster()
    return write_config(odoo_addons, http_port)


# ----------------------------------------------------------------- commands
def demo_db_ready():
    return (
        db_exists(DEMO_DB)
        and psql(
            "SELECT state FROM ir_module_module WHERE name = 'crm_xyz_addon'", DEMO_DB
        ).stdout.strip()
        == "installed"
    )


def demo_logs():
    logs = LOCAL / "logs" / (DEMO_DB if "XYZ_DEMO_DB" in os.environ else "")
    logs.mkdir(parents=True, exist_ok=True)
    return logs


class InstallFollower:
    """Turns Odoo's installation log into a few progress lines: modules, then demo data.

    Called with every line; returns True for the lines to show as they are
    (warnings and errors).
    """

    def __init__(self, steps):
        self.steps = steps
        self.modules = []
        self.demo_started = False
        self.modules_after_demo = []
        self.last_said = 0.0

    def __call__(self, line):
        if match := LOADING_MODULE_RE.search(line):
            name, index, count = match.groups()
            (self.modules_after_demo if self.demo_started else self.modules).append(name)
            # a module every 10 seconds is enough to see that it moves
            if time.monotonic() - self.last_said >= 10 or index in ("1", count):
                self.steps.detail(f"module {name} ({index}/{count})")
                self.last_said = time.monotonic()
        elif DEMO_GENERATION_RE.search(line) and not self.demo_started:
            self.demo_started = True
            self.finish_modules()
        elif match := DEMO_STEP_RE.search(line):
            step, seconds = match.groups()
            self.steps.detail(f"{step.removeprefix('create_').replace('_', ' ')} ({seconds} s)")
        level = LOG_LEVEL_RE.match(line)
        return bool(level and level.group(1) in ("WARNING", "ERROR", "CRITICAL"))

    def finish_modules(self):
        names = self.modules if len(self.modules) <= 4 else [f"{len(self.modules)} modules"]
        self.steps.finish(f"modules installed: {', '.join(names)}")

    def close(self):
        if not self.demo_started:
            self.finish_modules()
        later = (
            f" ({', '.join(self.modules_after_demo)} installed too)"
            if self.modules_after_demo
            else ""
        )
        self.steps.finish(f"demo data generated{later}")


def install_demo_db(conf, steps):
    """Steps 2-4 of a first start: the database, the addons, their demo data."""
    logs = demo_logs()
    drop_db(DEMO_DB)
    create_from_template(conf, DEMO_DB, logs, progress=InstallFollower(steps))
    steps.finish(f"database {DEMO_DB} created (a copy of the template with Odoo's modules)")
    follower = InstallFollower(steps)
    logfile = logs / "run_install.log"
    steps.detail(f"installing {', '.join(ADDONS)}; full log in {logfile.relative_to(ROOT)}")
    rc, _lines = run_odoo_logged(
        odoo_cmd(
            conf,
            "-d",
            DEMO_DB,
            "-i",
            ",".join(ADDONS),
            "--stop-after-init",
            "--no-http",
            "--log-level=info",
            # the demo generator says each of its steps at debug level
            "--log-handler=odoo.addons.crm_xyz_addon_demo.models.crm_xyz_demo:DEBUG",
            "--max-cron-threads=0",
        ),
        logfile,
        echo=follower,
    )
    if rc:
        raise Failure(f"installing the addons into {DEMO_DB} failed, see {logfile}")
    follower.close()


def pop_lang(args):
    """Take --lang CODE (or --lang=CODE) out of the arguments given to Odoo."""
    args, lang = list(args), None
    for index, arg in enumerate(args):
        if arg == "--lang" and index + 1 < len(args):
            lang = args[index + 1]
            del args[index : index + 2]
            break
        if arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
            del args[index]
            break
    if lang is not None and not LANG_RE.match(lang):
        raise Failure(f"--lang {lang}: give a language code such as ru_RU or en_US.")
    return lang, args


def install_language(conf, db, lang, users=()):
    """Activate lang in db with the translations of every installed module (once), and
    make it the language of the given logins; return True when it was installed now."""
    script = (
        f"code = {lang!r}\n"
        "lang = env['res.lang'].with_context(active_test=False).search([('code', '=', code)])\n"
        "if not lang:\n"
        "    print('XYZ_LANG unknown')\n"
        "else:\n"
        "    installed = not lang.active\n"
        "    if installed:\n"
        "        env['res.lang']._activate_lang(code)\n"
        "        env['ir.module.module'].search([('state', '=', 'installed')])"
        "._update_translations([code])\n"
        f"    users = env['res.users'].with_context(active_test=False).search("
        f"[('login', 'in', {list(users)!r})])\n"
        "    users.write({'lang': code})\n"
        "    env.cr.commit()\n"
        "    print('XYZ_LANG', 'installed' if installed else 'active')\n"
    )
    output = odoo_shell(conf, db, script)
    if "XYZ_LANG unknown" in output:
        raise Failure(f"Odoo knows no language {lang}: give a code such as ru_RU or en_US.")
    if "XYZ_LANG " not in output:
        raise Failure(f"setting the language {lang} in {db} failed:\n{output.strip()}")
    return "XYZ_LANG installed" in output


def start_server(conf, port, db, extra=()):
    """Odoo serving db on port, returned once its registry is loaded (the lines it logged
    until then are read and dropped; the caller reads the rest from its stdout)."""
    cmd = odoo_cmd(
        conf,
        "-d",
        db,
        "--db-filter",
        f"^{db}$",
        f"--http-port={port}",
        # the line that says the server is ready, whatever log level extra asks for
        "--log-handler=odoo.modules.registry:INFO",
        *extra,
    )
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=odoo_env(), cwd=ROOT
    )
    startup = []
    for line in proc.stdout:
        startup.append(line)
        if SERVER_READY_RE.search(line):
            return proc
    proc.wait()
    sys.stdout.write("".join(startup[-40:]))
    raise Failure(f"Odoo stopped before serving {db} (exit code {proc.returncode}), see above.")


def pid_file(port):
    return LOCAL / f"odoo_{port}.pid"


def say_logins(url):
    say(f"Odoo is ready at {url} (database {DEMO_DB}); log in as")
    for login, who in DEMO_USERS:
        print(f"[dev]       {f'{login} / {login}':<29} {who}", flush=True)
    say("Ctrl+C (or ./scripts/dev.py stop from another terminal) stops it; its log follows")


def cmd_run(args, replica=False):
    lang, args = pop_lang(args)
    started = time.monotonic()
    conf = prepare()
    if _port_in_use(HTTP_PORT):
        raise Failure(f"port {HTTP_PORT} is taken: stop what uses it or set XYZ_HTTP_PORT.")
    fresh = not demo_db_ready()
    steps = Steps((5 if fresh else 3) + bool(lang) + replica, started)
    steps.finish("PostgreSQL cluster ready")
    if replica:
        # before the demo data, so that the standby follows its installation
        standby_run = start_standby()
        steps.finish(f"hot standby ready on {standby_run} port {STANDBY_PORT}")
    if fresh:
        install_demo_db(conf, steps)
    else:
        steps.finish(f"database {DEMO_DB} with the addons and their demo data is there")
    if lang:
        installed = install_language(conf, DEMO_DB, lang, [login for login, _who in DEMO_USERS])
        steps.finish(
            f"language {lang}{' installed and' if installed else ''} set for "
            + ", ".join(login for login, _who in DEMO_USERS)
        )
    if replica:
        wait_for_standby()
        args = [*replica_options(), *args]
    proc = start_server(conf, HTTP_PORT, DEMO_DB, extra=args)
    pidfile = pid_file(HTTP_PORT)
    pidfile.write_text(f"{proc.pid}\n")
    # `dev.py stop` or a kill stops Odoo, whose last lines still show; Ctrl+C reaches
    # Odoo directly (same process group)
    signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        steps.finish(f"Odoo server started (pid {proc.pid})")
        if replica:
            _data, standby_run, standby_log = standby_dirs()
            say(
                f"its read-only calls go to the standby ({standby_run} port {STANDBY_PORT},"
                f" log {standby_log}), the others to the cluster"
            )
        say_logins(f"http://localhost:{HTTP_PORT}")
        for line in proc.stdout:
            print(line, end="", flush=True)
        return proc.wait()
    finally:
        pidfile.unlink(missing_ok=True)


def cmd_replica(args):
    """`run` with a hot standby that serves Odoo's read-only calls (README, Scaling out)."""
    return cmd_run(args, replica=True)


def cmd_screenshots(args):
    """The README's pictures from the demo database: docs/images/<screen>[_<lang>].png."""
    lang, rest = pop_lang(args)
    lang = lang or "en_US"
    if rest:
        raise Failure(f"screenshots takes --lang only, not {' '.join(rest)}")
    started = time.monotonic()
    # the PDF reports' first pages are rendered by pdftoppm
    ensure_packages(extra=(("pdftoppm", "poppler-utils"),))
    conf = prepare()
    fresh = not demo_db_ready()
    steps = Steps((6 if fresh else 5) + (lang != "en_US"), started)
    steps.finish("PostgreSQL cluster ready")
    if fresh:
        install_demo_db(conf, steps)
    else:
        steps.finish(f"database {DEMO_DB} with the addons and their demo data is there")
        # the pictures show the screens of the code as it is now
        logfile = demo_logs() / "screenshots_update.log"
        rc, _lines = run_odoo_logged(
            odoo_cmd(
                conf,
                "-d",
                DEMO_DB,
                "-u",
                ",".join(ADDONS),
                "--stop-after-init",
                "--no-http",
                "--log-level=warn",
                "--max-cron-threads=0",
            ),
            logfile,
            echo=lambda line: LOG_LEVEL_RE.match(line),
        )
        if rc:
            raise Failure(f"updating the addons in {DEMO_DB} failed, see {logfile}")
        steps.finish("addons updated to the code of this checkout")
    if lang != "en_US":
        install_language(conf, DEMO_DB, lang)
        steps.finish(f"language {lang} installed")
    port = int(os.environ.get("XYZ_SCREENSHOTS_HTTP_PORT") or _free_port())
    if _port_in_use(port):
        raise Failure(f"port {port} is taken: set XYZ_SCREENSHOTS_HTTP_PORT to a free one.")
    logfile = demo_logs() / "screenshots_server.log"
    proc = start_server(conf, port, DEMO_DB, extra=["--max-cron-threads=0"])
    # the server keeps logging: empty its pipe into the log file meanwhile
    with open(logfile, "w") as out:
        drain = threading.Thread(target=lambda: out.writelines(proc.stdout), daemon=True)
        drain.start()
        try:
            steps.finish(f"Odoo server started on port {port}")
            suffix = "" if lang == "en_US" else f"_{lang.split('_')[0]}"
            rc = subprocess.run(
                [
                    odoo_python(),
                    str(ROOT / "scripts" / "screenshots.py"),
                    f"--url=http://localhost:{port}",
                    f"--db={DEMO_DB}",
                    "--out=docs/images",
                    f"--lang={lang}",
                    f"--suffix={suffix}",
                ],
                env=odoo_env(),
                cwd=ROOT,
                check=False,
            ).returncode
        finally:
            proc.terminate()
            proc.wait()
            drain.join(timeout=10)
    if rc:
        raise Failure(f"the screenshots failed, see above and {logfile}")
    steps.finish(f"pictures saved in docs/images (Odoo's log: {logfile.relative_to(ROOT)})")
    return 0


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cmd_shell(_args):
    conf = prepare()
    os.execvpe(
        odoo_python(), odoo_cmd(conf, "-d", DEMO_DB, "--no-http", command="shell"), odoo_env()
    )


def cmd_test(args):
    with cluster_of_command():
        return _run_tests(args)


def _run_tests(args):
    conf = prepare(TEST_HTTP_PORT)
    if _port_in_use(TEST_HTTP_PORT):
        raise Failure(
            f"port {TEST_HTTP_PORT} is taken: stop what uses it or set XYZ_TEST_HTTP_PORT."
        )
    logs = LOCAL / "logs" / (TEST_DB if "XYZ_TEST_DB" in os.environ else "")
    logs.mkdir(parents=True, exist_ok=True)
    if "--core" in args:
        return test_core(conf, logs)
    if "--replica" in args:
        return test_replica(conf, logs)
    only_tests = "--tests-only" in args
    tags = next(
        (a.split("=", 1)[1] for a in args if a.startswith("--test-tags=")),
        ",".join(f"/{name}" for name in ADDONS),
    )
    passed, failed, problems = 0, 0, []

    # 1. every test, in a fresh database with demo data
    drop_db(TEST_DB)
    create_from_template(conf, TEST_DB, logs)
    say(f"installing {', '.join(ADDONS)} into a fresh database {TEST_DB} and running the tests")
    started = time.time()
    rc, lines = run_odoo_logged(
        odoo_cmd(
            conf,
            "-d",
            TEST_DB,
            "-i",
            ",".join(ADDONS),
            "--test-enable",
            f"--test-tags={tags}",
            "--stop-after-init",
            f"--http-port={TEST_HTTP_PORT}",
            "--log-level=test",
            "--max-cron-threads=0",
        ),
        logs / "tests.log",
        echo=lambda line: (
            " ERROR " in line
            or " WARNING " in line
            or " CRITICAL " in line
            or ("crm_xyz_addon" in line and (" INFO " in line or "FAIL" in line))
        ),
    )
    result = next(
        (RESULT_RE.search(line) for line in reversed(lines) if RESULT_RE.search(line)), None
    )
    if not result:
        failed += 1
        problems.append(
            f"the test run gave no result line (exit code {rc}), see {logs / 'tests.log'}"
        )
    else:
        fails, errors, total = map(int, result.groups())
        failed += fails + errors
        passed += total - fails - errors
        if total == 0:
            problems.append("no test ran")
    skipped = [line for line in lines if SKIP_RE.search(line)]
    if skipped:
        failed += len(skipped)
        problems += [f"skipped test: {line}" for line in skipped]
    bad = [line for line in bad_log_lines(lines) if not RESULT_RE.search(line) or result is None]
    if bad:
        problems += [f"Odoo logged: {line}" for line in bad]
    say(f"tests ran in {time.time() - started:.0f} s")

    if not only_tests:
        ok_count, problems_found = lifecycle_checks(conf, logs)
        passed, failed = passed + ok_count, failed + len(problems_found)
        problems += problems_found
        ok_count, problems_found = scripts_tests(logs)
        passed, failed = passed + ok_count, failed + len(problems_found)
        problems += problems_found

    for problem in problems:
        print(f"FAILED: {problem}")
    if problems and failed == 0:
        failed = 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or problems else 0


def scripts_tests(logs):
    """The tests of these scripts (scripts/tests); returns (tests passed, problems)."""
    say("tests of the development scripts")
    logfile = logs / "scripts_tests.log"
    proc = subprocess.run(
        [sys.executable, "-m", "unittest", "discover", "-v", "-s", str(ROOT / "scripts" / "tests")],
        capture_output=True,
        text=True,
        cwd=ROOT / "scripts",
        env={**os.environ, "PYTHONPATH": str(ROOT / "scripts")},
        check=False,
    )
    logfile.write_text(proc.stdout + proc.stderr)
    ran = re.search(r"^Ran (\d+) tests?", proc.stderr, re.MULTILINE)
    total = int(ran.group(1)) if ran else 0
    failures = re.search(r"^FAILED \((.*)\)", proc.stderr, re.MULTILINE)
    bad = sum(int(count) for count in re.findall(r"=(\d+)", failures.group(1))) if failures else 0
    if proc.returncode or not total:
        return total - bad, [f"the tests of the scripts failed ({bad} of {total}), see {logfile}"]
    return total, []


def test_replica(conf, logs):
    """The replica check alone, on a fresh test database with the demo data (no tests)."""
    drop_db(TEST_DB)
    create_from_template(conf, TEST_DB, logs)
    if not _lifecycle_step(conf, TEST_DB, "install with demo", ["-i", ",".join(ADDONS)], logs):
        raise Failure(f"installing the addons into {TEST_DB} failed, see {logs}")
    problems = replica_check.run(sys.modules[__name__], conf, TEST_DB, logs)
    for problem in problems:
        print(f"FAILED: {problem}")
    print(f"{0 if problems else 1} passed, {len(problems) and 1} failed")
    return 1 if problems else 0


def lifecycle_checks(conf, logs):
    """The screens read from a hot standby, upgrades, uninstalls, an install without demo
    data and the upgrade from the previous release; returns (checks passed, problems)."""
    passed, problems = 0, []
    # 2. every screen served by a real standby, over HTTP, with no fallback to the primary
    replica_problems = replica_check.run(sys.modules[__name__], conf, TEST_DB, logs)
    passed += not replica_problems
    problems += [f"replica check: {problem}" for problem in replica_problems]
    # 3. the addon's life cycle: two upgrades, then a clean uninstall
    for step, step_args in (
        ("upgrade 1", ["-u", "crm_xyz_addon"]),
        ("upgrade 2", ["-u", "crm_xyz_addon"]),
    ):
        ok = _lifecycle_step(conf, TEST_DB, step, step_args, logs)
        passed += ok
        problems += [] if ok else [f"{step} logged warnings or failed, see {logs}"]
    ok = _uninstall_step(conf, TEST_DB, logs, "uninstall with demo data")
    passed += ok
    problems += [] if ok else [f"uninstall logged warnings or failed, see {logs}"]
    # 4. install without demo data, then uninstall
    drop_db(NODEMO_DB)
    ok = _lifecycle_step(
        conf,
        NODEMO_DB,
        "install without demo",
        ["-i", ",".join(PRODUCT_ADDONS), "--without-demo=all"],
        logs,
    )
    passed += ok
    problems += [] if ok else [f"install without demo logged warnings or failed, see {logs}"]
    # the benchmark's agreement of the engine and its floor, at 80 customers, untimed
    if ok:
        smoke_ok = _bench_smoke_step(conf, logs)
        passed += smoke_ok
        problems += [] if smoke_ok else [f"benchmark smoke check failed, see {logs}"]
    ok = ok and _uninstall_step(conf, NODEMO_DB, logs, "uninstall without demo data")
    passed += ok
    problems += [] if ok else [f"uninstall without demo data logged warnings or failed, see {logs}"]
    drop_db(NODEMO_DB)
    # 5. upgrade from the previous release keeps overrides, history and runs
    upgrade_problems = upgrade_check.run(sys.modules[__name__], conf, logs)
    passed += not upgrade_problems
    if upgrade_problems:
        problems.append("upgrade from the previous release: " + "; ".join(upgrade_problems[:20]))
    return passed, problems


def _bench_smoke_step(conf, logs):
    say("benchmark smoke check (floor and engine agree at 80 customers)")
    logfile = logs / "bench_smoke.log"
    rc, lines = run_odoo_logged(
        [
            odoo_python(),
            str(ROOT / "scripts" / "bench.py"),
            "--config",
            str(conf),
            "--smoke",
            "--template",
            NODEMO_DB,
        ],
        logfile,
        echo=lambda line: LOG_LEVEL_RE.match(line) and " INFO " not in line,
    )
    return rc == 0 and not bad_log_lines(lines)


def _lifecycle_step(conf, db, step, step_args, logs):
    say(step)
    logfile = logs / f"{step.replace(' ', '_')}.log"
    rc, lines = run_odoo_logged(
        odoo_cmd(conf, "-d", db, *step_args, "--stop-after-init", "--no-http", "--log-level=info"),
        logfile,
        echo=lambda line: LOG_LEVEL_RE.match(line) and " INFO " not in line,
    )
    return rc == 0 and not bad_log_lines(lines)


def _uninstall_step(conf, db, logs, step):
    say(step)
    script = (
        f"modules = env['ir.module.module'].search([('name', 'in', {list(ADDONS)!r}),"
        " ('state', '=', 'installed')])\n"
        "modules.button_immediate_uninstall()\n"
        "env.cr.commit()\n"
        "left = env['ir.model'].search_count([('model', 'like', 'crm.xyz.%')])\n"
        "env.cr.execute(\"SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'crm_xyz%'\")\n"
        "left += env.cr.fetchone()[0]\n"
        # the report's summaries: tables, their triggers and functions
        "env.cr.execute(\"SELECT count(*) FROM pg_tables WHERE tablename LIKE 'crm_xyz%'\")\n"
        "left += env.cr.fetchone()[0]\n"
        "env.cr.execute(\"SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'crm_xyz%'\")\n"
        "left += env.cr.fetchone()[0]\n"
        "env.cr.execute(\"SELECT count(*) FROM pg_proc WHERE proname LIKE 'crm_xyz%'\")\n"
        "left += env.cr.fetchone()[0]\n"
        "print('CRM_XYZ_LEFTOVERS', left)\n"
    )
    logfile = logs / f"{step.replace(' ', '_')}.log"
    rc, output = odoo_shell(conf, db, script, log_level="info", returncode=True)
    logfile.write_text(output)
    lines = output.splitlines()
    bad = bad_log_lines(lines)
    for line in bad:
        print(line)
    return rc == 0 and not bad and "CRM_XYZ_LEFTOVERS 0" in output


def test_core(conf, logs):
    """Odoo's own tests of CORE_MODULES without and with the addons, side by side.

    The addons are installed first, then the core modules are updated with their tests,
    so their at_install tests run on tables that carry the addons' columns. The two
    databases run one after the other (the machine may have few cores).
    """
    runs = {}
    for label, db, with_addons in (
        ("without", CORE_BASE_DB, False),
        ("with", CORE_ADDONS_DB, True),
    ):
        drop_db(db)
        create_from_template(conf, db, logs)
        if with_addons and not _lifecycle_step(
            conf, db, f"install the addons into {db}", ["-i", ",".join(PRODUCT_ADDONS)], logs
        ):
            raise Failure(f"installing the addons into {db} failed, see {logs}")
        say(f"Odoo's tests of {', '.join(CORE_MODULES)} {label} the addons ({db})")
        started = time.time()
        logfile = logs / f"core_{label}_addons.log"
        _rc, lines = run_odoo_logged(
            odoo_cmd(
                conf,
                "-d",
                db,
                "-u",
                ",".join(CORE_MODULES),
                "--test-enable",
                "--test-tags=" + ",".join(f"/{name}" for name in CORE_MODULES),
                "--stop-after-init",
                f"--http-port={TEST_HTTP_PORT}",
                "--log-level=test",
                "--max-cron-threads=0",
            ),
            logfile,
            echo=lambda line: bool(FAILED_TEST_RE.search(line) or RESULT_RE.search(line)),
        )
        runs[label] = _core_results(lines)
        say(f"{label} the addons: {runs[label]['summary']} in {time.time() - started:.0f} s")
    return _core_report(runs["without"], runs["with"], logs)


def _core_results(lines):
    """Failed tests, tests per module and the result line of one run of Odoo's tests."""
    failed = {}
    tests = {}
    for line in lines:
        if match := FAILED_TEST_RE.search(line):
            logger, flavour, description = match.groups()
            where = ADDON_PATH_RE.search(f"{logger} {description}")
            failed[f"{where.group(1) if where else logger}: {description}"] = flavour
        elif match := TEST_STATS_RE.search(line):
            module, count = match.group(1), int(match.group(2))
            tests[module] = tests.get(module, 0) + count
    result = next((m for line in reversed(lines) if (m := RESULT_RE.search(line))), None)
    return {
        "failed": failed,
        "tests": tests,
        "summary": (
            f"{result.group(1)} failed, {result.group(2)} error(s) of {result.group(3)} tests"
            if result
            else "no result line"
        ),
        "complete": result is not None,
    }


def _core_report(without, with_, logs):
    """Print both runs side by side; 1 when the addons add a failure."""
    modules = sorted(set(without["tests"]) | set(with_["tests"]) | set(CORE_MODULES))
    print(f"\n{'module':<18} {'tests without':>14} {'failed':>7} {'tests with':>11} {'failed':>7}")
    for module in modules:

        def failures(run, module=module):
            return sum(1 for test in run["failed"] if test.split(".", 1)[0] == module)

        print(
            f"{module:<18} {without['tests'].get(module, 0):>14} {failures(without):>7}"
            f" {with_['tests'].get(module, 0):>11} {failures(with_):>7}"
        )
    failing = sorted(set(without["failed"]) | set(with_["failed"]))
    if failing:
        print(f"\n{'without':<8} {'with':<8} failing test")
        for test in failing:
            print(
                f"{without['failed'].get(test, 'pass'):<8} {with_['failed'].get(test, 'pass'):<8}"
                f" {test}"
            )
    print(f"\nwithout the addons: {without['summary']}")
    print(f"with the addons:    {with_['summary']}")
    added = sorted(set(with_["failed"]) - set(without["failed"]))
    problems = [f"the addons add a failure: {test}" for test in added]
    problems += [
        f"the run {label} the addons gave no result line, see {logs}"
        for label, run in (("without", without), ("with", with_))
        if not run["complete"]
    ]
    for problem in problems:
        print(f"FAILED: {problem}")
    print(f"logs: {logs / 'core_without_addons.log'}, {logs / 'core_with_addons.log'}")
    return 1 if problems else 0


def odoo_shell(conf, db, script, log_level="warn", returncode=False):
    """Run `script` in an Odoo shell on `db`; return what it printed and logged
    (with the exit code first when `returncode`)."""
    proc = subprocess.run(
        odoo_cmd(conf, "-d", db, "--no-http", f"--log-level={log_level}", command="shell"),
        input=script,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=odoo_env(),
        cwd=ROOT,
        check=False,
    )
    return (proc.returncode, proc.stdout) if returncode else proc.stdout


def dependencies():
    """Modules the addons need, from their manifests, plus Inventory for the companion addon."""
    names = {"sale_stock"}
    for addon in ADDONS:
        manifest_file = ROOT / addon / "__manifest__.py"
        if manifest_file.exists():
            manifest = ast.literal_eval(manifest_file.read_text())
            names.update(manifest.get("depends", []))
    return sorted(names - set(ADDONS))


def create_from_template(conf, name, logs, progress=None):
    """Copy a database holding Odoo's modules the addons depend on, made once and kept.

    Installing those modules takes most of a minute; the addons themselves are
    always installed afresh on the copy. progress(line), if given, follows the
    installation of the template at the info log level.
    """
    deps = dependencies()
    template = "crm_xyz_tpl_" + hashlib.sha1(",".join(deps).encode()).hexdigest()[:10]
    if not db_exists(template) or psql(
        "SELECT count(*) FROM ir_module_module WHERE state = 'installed' AND name IN ("
        + ",".join(f"'{dep}'" for dep in deps)
        + ")",
        template,
    ).stdout.strip() != str(len(deps)):
        drop_db(template)
        say(f"creating the template database {template} with {', '.join(deps)}")
        rc, lines = run_odoo_logged(
            odoo_cmd(
                conf,
                "-d",
                template,
                "-i",
                ",".join(deps),
                "--stop-after-init",
                "--no-http",
                "--log-level=info" if progress else "--log-level=warn",
                "--max-cron-threads=0",
            ),
            logs / "template.log",
            echo=progress,
        )
        if rc or bad_log_lines(lines):
            drop_db(template)
            raise Failure(f"creating the template database failed, see {logs / 'template.log'}")
    result = psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    if result.returncode:
        raise Failure(f"could not copy the template database: {result.stderr.strip()}")
    filestore = LOCAL / "filestore" / "filestore"
    if (filestore / template).exists():
        shutil.copytree(filestore / template, filestore / name, dirs_exist_ok=True)


def cmd_reset(_args):
    stop_standby()
    stop_cluster()
    data, _run, _log = pg_dirs()
    shutil.rmtree(data.parent, ignore_errors=True)
    shutil.rmtree(LOCAL, ignore_errors=True)
    say("removed the private cluster, the filestore and the logs")
    return 0


def _listening_pids(port):
    """Processes listening on a TCP port, from /proc (Linux)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            # local address "0100007F:1F90", state 0A = LISTEN, inode in column 10
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                inodes.add(f"socket:[{fields[9]}]")
    pids = set()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) in inodes for fd in fd_dir.iterdir()):
                pids.add(int(fd_dir.parent.name))
        except OSError:
            continue
    return pids


def _is_our_odoo(pid):
    """An Odoo process started by these scripts in this checkout: Odoo's launcher
    (odoo_cmd: scripts/odoo_main.py, or an `odoo` command) with this checkout's
    configuration."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return False
    launcher = str(ROOT / "scripts" / "odoo_main.py") in args or "odoo" in args
    return launcher and str(LOCAL / "odoo.conf") in args


def _alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def stop_server(port):
    """Stop the Odoo server of this checkout on port: the one `run` wrote a pid file for,
    else the one listening there; return the pids stopped."""
    candidates = set()
    pidfile = pid_file(port)
    if pidfile.exists():
        with contextlib.suppress(ValueError, IndexError):
            candidates.add(int(pidfile.read_text().split()[0]))
    candidates |= _listening_pids(port)
    stopped = []
    for pid in sorted(pid for pid in candidates if _is_our_odoo(pid)):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue  # a worker that its master has stopped already
        deadline = time.monotonic() + 15
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        stopped.append(pid)
    pidfile.unlink(missing_ok=True)
    return stopped


def cmd_stop(_args):
    stopped = stop_server(HTTP_PORT)
    for pid in stopped:
        say(f"stopped the Odoo server on port {HTTP_PORT} (pid {pid})")
    if not stopped:
        say(f"no Odoo server of this checkout was running on port {HTTP_PORT}")
    standby_data, _run, _log = standby_dirs()
    if stop_standby():
        say(f"stopped the hot standby in {standby_data}")
    data, _run, _log = pg_dirs()
    if stop_cluster():
        say(f"stopped the PostgreSQL cluster in {data}")
    else:
        say("the PostgreSQL cluster was not running")
    return 0


def cmd_i18n(_args):
    conf = prepare()
    logs = LOCAL / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    left = i18n_update.run(sys.modules[__name__], conf, logs)
    for catalog, msgids in left.items():
        say(f"{catalog}: {len(msgids)} strings to translate")
        for msgid in msgids:
            print(f"    {msgid!r}")
    return 0


def cmd_bench(args):
    conf = prepare()
    standby = []
    if "--smoke" not in args and "--write-path" not in args:
        # the screens are timed on a hot standby too (left running, as the cluster is)
        standby = ["--standby-host", str(start_standby()), "--standby-port", str(STANDBY_PORT)]
    return subprocess.run(
        [
            odoo_python(),
            str(ROOT / "scripts" / "bench.py"),
            "--config",
            str(conf),
            *standby,
            *args,
        ],
        env=odoo_env(),
        cwd=ROOT,
        check=False,
    ).returncode


COMMANDS = {
    "run": cmd_run,
    "replica": cmd_replica,
    "test": cmd_test,
    "reset": cmd_reset,
    "stop": cmd_stop,
    "shell": cmd_shell,
    "bench": cmd_bench,
    "screenshots": cmd_screenshots,
    "i18n": cmd_i18n,
}


def main(argv):
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    try:
        return COMMANDS[argv[0]](argv[1:]) or 0
    except Failure as failure:
        print(f"error: {failure}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        say("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
