from odoo.tools import SQL

from . import models
from . import wizards
from . import reports
from . import controllers
from .tools.agenda_query import AGENDA_INDEXES
from .tools.purchase_model_query import DROP_WHILE_ALIVE_FUNCTION
from .tools.report_summaries import uninstall_report_summaries
from .tools.manager_report_query import REPORT_INDEXES, fill_completed_orders


def pre_init_hook(env):
    """Fill the stored flag of completed orders by SQL before the ORM would compute it."""
    fill_completed_orders(env.cr)


def uninstall_hook(env):
    """Drop the indexes the agenda and the manager report created on other addons'
    tables, the sale days of the customers with their triggers, and the purchase
    model's function (Odoo does not track them)."""
    names = [index[0] for index in AGENDA_INDEXES] + [index[0] for index in REPORT_INDEXES]
    for name in names:
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
    uninstall_report_summaries(env.cr)
    env.cr.execute(DROP_WHILE_ALIVE_FUNCTION)
