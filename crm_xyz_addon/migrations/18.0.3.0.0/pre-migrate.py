"""18.0.3.0.0: nothing of the manager report runs when Odoo writes its documents.

18.0.2.2.0 kept four summary tables exact by triggers on sale_order,
account_move, res_partner, res_company, res_currency (and on the received
payments). They go, with their trigger functions, and so do the covering
indexes on sale_order that only the report read. The new summaries of past
days (``tools/report_summaries.py``) are created empty by
``crm.xyz.report.summary`` and built by its scheduled action, which
post-migrate.py starts; until then the report reads the documents alone.
Nothing a user entered is in them: they are computed from the documents.

The purchase model of the early warning reads each customer's first sale day and
number of sale days from its classification row. They are filled here, before
the former sale days' table goes, for the rows of the previous release, as of
each company's last run, so that the next nightly run finds them unchanged and
does not rewrite every customer.
"""

import logging

from odoo.tools import SQL

from odoo.addons.crm_xyz_addon.tools.purchase_model_query import fill_figures

_logger = logging.getLogger(__name__)

# the customers' sale days of 18.0.2.2.0, per company, source and customer
FORMER_SALE_DAYS_TABLE = "crm_xyz_customer_sale_days"
# what 18.0.2.2.0 created: (trigger, table)
TRIGGERS = (
    ("crm_xyz_daily_payments_delete", "crm_xyz_received_payment"),
    ("crm_xyz_daily_payments_insert", "crm_xyz_received_payment"),
    ("crm_xyz_daily_payments_update", "crm_xyz_received_payment"),
    ("crm_xyz_daily_sales_currency_update", "res_currency"),
    ("crm_xyz_daily_sales_order_delete", "sale_order"),
    ("crm_xyz_daily_sales_order_insert", "sale_order"),
    ("crm_xyz_daily_sales_order_update", "sale_order"),
    ("crm_xyz_report_customer_delete", "res_partner"),
    ("crm_xyz_report_customer_insert", "res_partner"),
    ("crm_xyz_report_customer_update", "res_partner"),
    ("crm_xyz_report_summaries_company_tz_update", "res_partner"),
    ("crm_xyz_report_summaries_company_update", "res_company"),
    ("crm_xyz_sale_days_invoice_delete", "account_move"),
    ("crm_xyz_sale_days_invoice_insert", "account_move"),
    ("crm_xyz_sale_days_invoice_update", "account_move"),
    ("crm_xyz_sale_days_order_delete", "sale_order"),
    ("crm_xyz_sale_days_order_insert", "sale_order"),
    ("crm_xyz_sale_days_order_update", "sale_order"),
    ("crm_xyz_sale_days_partner_update", "res_partner"),
)
FUNCTIONS = (
    "crm_xyz_account_move_sale_days",
    "crm_xyz_company_report_summaries",
    "crm_xyz_rebuild_daily_sales",
    "crm_xyz_rebuild_sale_days",
    "crm_xyz_received_payment_daily",
    "crm_xyz_refresh_daily_sales",
    "crm_xyz_refresh_report_customer",
    "crm_xyz_refresh_sale_days",
    "crm_xyz_res_partner_report_customer",
    "crm_xyz_res_partner_sale_days",
    "crm_xyz_sale_order_daily_sales",
    "crm_xyz_sale_order_sale_days",
)
TABLES = (
    "crm_xyz_customer_sale_days",
    "crm_xyz_report_customer",
    "crm_xyz_salesperson_daily_sales",
    "crm_xyz_salesperson_daily_payments",
)
INDEXES = (
    "crm_xyz_report_confirmed_order_date_idx",
    "crm_xyz_report_confirmed_order_partner_idx",
)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """ALTER TABLE crm_xyz_classification
               ADD COLUMN IF NOT EXISTS classification_first_sale_date date,
               ADD COLUMN IF NOT EXISTS classification_sale_days integer"""
    )
    cr.execute("SELECT to_regclass(%s)", [FORMER_SALE_DAYS_TABLE])
    if cr.fetchone()[0]:
        cr.execute(fill_figures(FORMER_SALE_DAYS_TABLE))
        _logger.info(
            "crm_xyz_addon: the purchase model's figures of %s customers filled", cr.rowcount
        )
    for trigger, table in TRIGGERS:
        cr.execute(
            SQL("DROP TRIGGER IF EXISTS %s ON %s", SQL.identifier(trigger), SQL.identifier(table))
        )
    for function in FUNCTIONS:
        cr.execute(SQL("DROP FUNCTION IF EXISTS %s CASCADE", SQL.identifier(function)))
    for table in TABLES:
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
    for index in INDEXES:
        cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(index)))
    _logger.info(
        "crm_xyz_addon: %s triggers, %s functions, %s tables and %s indexes of the manager "
        "report's former summaries dropped",
        len(TRIGGERS),
        len(FUNCTIONS),
        len(TABLES),
        len(INDEXES),
    )
