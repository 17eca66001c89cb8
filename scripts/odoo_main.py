"""Odoo's command line, as its `odoo-bin` starts it.

The scripts start Odoo through this file rather than `python3 -m odoo`: Odoo's
multi-process server re-runs the file it was started from for its websocket
worker, and a package's ``__main__.py`` cannot be run as a file.
"""

import os

# the server's time zone is UTC, as odoo-bin sets it before anything reads the clock
os.environ["TZ"] = "UTC"

import odoo

if __name__ == "__main__":
    odoo.cli.main()
