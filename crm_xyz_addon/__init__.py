from odoo.tools import SQL

from . import models
from . import wizards
from . import reports
from . import controllers
from .tools.agenda_query import AGENDA_INDEXES


def uninstall_hook(env):
    """Drop the indexes the agenda created on other addons' tables (Odoo does not track them)."""
    for name, _table, _columns, _predicate in AGENDA_INDEXES:
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
