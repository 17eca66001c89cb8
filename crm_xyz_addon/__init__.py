from odoo.tools import SQL

from . import models
from . import wizards
from . import reports
from . import controllers
from .tools import report_summaries
from .tools.agenda_query import AGENDA_INDEXES
from .tools.manager_report_query import (
    FORMER_REPORT_INDEXES,
    REPORT_INDEXES,
    fill_completed_orders,
)
from .tools.purchase_model_query import DROP_WHILE_ALIVE_FUNCTION


def pre_init_hook(env):
    """Fill the stored flag of completed orders by SQL before the ORM would compute it."""
    fill_completed_orders(env.cr)


def post_init_hook(env):
    """Build the manager report's summaries soon, in a transaction of their own (until
    then the report reads the documents alone)."""
    env.ref("crm_xyz_addon.ir_cron_crm_xyz_report_refresh")._trigger()


def uninstall_hook(env):
    """Drop the indexes the agenda and the manager report created on other addons'
    tables, the report's summary tables and the purchase model's function (Odoo does
    not track them)."""
    names = [
        *(index[0] for index in AGENDA_INDEXES),
        *(index[0] for index in REPORT_INDEXES),
        *FORMER_REPORT_INDEXES,
        *(index[0] for index in report_summaries.DOCUMENT_INDEXES),
    ]
    for name in names:
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
    for table in report_summaries.TABLES:
        env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
    env.cr.execute(DROP_WHILE_ALIVE_FUNCTION)
