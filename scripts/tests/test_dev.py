"""The development commands find what they started and leave the machine as they found it:
`dev.py stop` stops the server of `run` without its pid file, and the test command stops
the PostgreSQL cluster it started and removes the one it created in a temporary folder, its
hot standby with it; the replica check reads the statements of PostgreSQL's log.

Run by `./scripts/test` (or `python3 -m unittest discover -s scripts/tests` from scripts/).
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import dev
import replica_check

# a process that listens on a port until it is stopped, as Odoo's HTTP server does
LISTENER = """
import socket, sys, time
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
print("listening", flush=True)
time.sleep(600)
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestStopFindsTheServerOfRun(unittest.TestCase):
    def start(self, conf):
        """A server with the command line `run` gives Odoo (dev.odoo_cmd) on a free port."""
        port = free_port()
        cmd = dev.odoo_cmd(conf, "-d", "crm_xyz_demo", f"--http-port={port}")
        # the listener reads its port first; the rest of the line is Odoo's, as ps shows it
        proc = subprocess.Popen(
            [sys.executable, "-c", LISTENER, str(port), *cmd[1:]],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(proc.kill)
        self.assertEqual(proc.stdout.readline().strip(), "listening")
        return proc, port

    def test_without_the_pid_file(self):
        proc, port = self.start(dev.LOCAL / "odoo.conf")
        dev.pid_file(port).unlink(missing_ok=True)
        self.assertEqual(dev.stop_server(port), [proc.pid])
        self.assertIsNotNone(proc.wait(timeout=20))

    def test_with_a_stale_pid_file(self):
        proc, port = self.start(dev.LOCAL / "odoo.conf")
        dev.LOCAL.mkdir(exist_ok=True)
        dev.pid_file(port).write_text("999999999\n")
        self.assertEqual(dev.stop_server(port), [proc.pid])
        self.assertIsNotNone(proc.wait(timeout=20))
        self.assertFalse(dev.pid_file(port).exists())

    def test_another_checkouts_server_is_left_alone(self):
        proc, port = self.start(Path(tempfile.gettempdir()) / "another-checkout" / "odoo.conf")
        self.assertEqual(dev.stop_server(port), [])
        time.sleep(0.2)
        self.assertIsNone(proc.poll())


# PostgreSQL's binaries: ./scripts/test installs them before it runs these tests
class TestTheTestCommandLeavesTheClusterAsItFoundIt(unittest.TestCase):
    def setUp(self):
        # a folder the server account can reach, as the temporary folder of pg_dirs is
        self.base = Path(tempfile.mkdtemp(prefix="crm_xyz_dev_test-"))
        os.chmod(self.base, 0o755)
        self.addCleanup(shutil.rmtree, self.base, ignore_errors=True)
        self.saved = dev.pg_dirs, dev.PG_PORT, dev.LOCAL
        self.addCleanup(self.restore)
        dev.PG_PORT = free_port()

    def restore(self):
        dev.stop_standby()
        dev.stop_cluster()
        dev.pg_dirs, dev.PG_PORT, dev.LOCAL = self.saved

    def use_cluster_in(self, folder, local):
        """The cluster of the commands in `folder`; `local`: the checkout's .local."""
        dev.LOCAL = local
        dev.pg_dirs = lambda: (folder / "data", folder / "run", folder / "postgresql.log")
        return folder / "data"

    def running(self, data):
        return (data / "PG_VERSION").exists() and dev.pg_running(dev.pg_bindir(), data)

    def test_a_cluster_made_in_a_temporary_folder_is_stopped_and_removed(self):
        data = self.use_cluster_in(self.base / "tmp-cluster", self.base / "checkout" / ".local")
        with dev.cluster_of_command():
            dev.start_cluster()
            self.assertTrue(self.running(data))
        self.assertFalse(data.parent.exists())

    def test_a_running_cluster_is_kept_and_one_it_started_is_stopped(self):
        local = self.base / "checkout" / ".local"
        data = self.use_cluster_in(local / "postgres", local)
        dev.start_cluster()
        # the developer's own cluster, running: kept running
        with dev.cluster_of_command():
            dev.start_cluster()
        self.assertTrue(self.running(data))
        # stopped before the command: started by it, stopped after it, kept on disk
        dev.stop_cluster()
        with dev.cluster_of_command():
            dev.start_cluster()
            self.assertTrue(self.running(data))
        self.assertFalse(self.running(data))
        self.assertTrue((data / "PG_VERSION").exists())
        # a failing command leaves it the same way
        with self.assertRaises(dev.Failure), dev.cluster_of_command():
            dev.start_cluster()
            raise dev.Failure("a step failed")
        self.assertFalse(self.running(data))

    def test_a_standby_it_started_is_stopped_and_removed_with_a_temporary_cluster(self):
        saved_port = dev.STANDBY_PORT
        self.addCleanup(setattr, dev, "STANDBY_PORT", saved_port)
        dev.STANDBY_PORT = free_port()
        data = self.use_cluster_in(self.base / "tmp-cluster", self.base / "checkout" / ".local")
        with dev.cluster_of_command():
            dev.start_cluster()
            dev.psql("CREATE TABLE written_on_the_primary (id int)")
            dev.start_standby()
            dev.wait_for_standby()
            standby, _run, _log = dev.standby_dirs()
            self.assertEqual(standby.parent.parent, data.parent)
            # a hot standby of the cluster: in recovery, with what the cluster wrote
            self.assertEqual(dev.psql("SELECT pg_is_in_recovery()", standby=True).stdout, "t\n")
            found = dev.psql("SELECT to_regclass('written_on_the_primary')", standby=True)
            self.assertEqual(found.stdout, "written_on_the_primary\n")
        self.assertFalse(dev.standby_running())
        self.assertFalse(data.parent.exists())


class TestStatementsOfTheLog(unittest.TestCase):
    def test_statements_across_lines(self):
        log = (
            "2026-01-01 10:00:00.123 UTC [12] LOG:  statement: SELECT 1\n"
            "2026-01-01 10:00:00.124 UTC [12] LOG:  statement: WITH a AS (\n"
            "\t    SELECT 2\n"
            "\t) SELECT * FROM a\n"
            "2026-01-01 10:00:00.125 UTC [13] LOG:  checkpoint starting: time\n"
            "2026-01-01 10:00:00.126 UTC [12] LOG:  statement: COMMIT\n"
        )
        self.assertEqual(
            replica_check.statements(log),
            ["SELECT 1", "WITH a AS (\n\t    SELECT 2\n\t) SELECT * FROM a", "COMMIT"],
        )
        self.assertTrue(replica_check.TRANSACTION_RE.match("COMMIT"))
        self.assertTrue(replica_check.TRANSACTION_RE.match("DISCARD ALL"))
        self.assertFalse(replica_check.TRANSACTION_RE.match("SELECT 1"))


if __name__ == "__main__":
    unittest.main()
