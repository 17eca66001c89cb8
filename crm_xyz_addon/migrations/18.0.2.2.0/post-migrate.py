"""18.0.2.2.0: the manager report reads what the database keeps ahead for it.

Three tables kept exact by triggers (``tools/report_summaries.py``): the sale
days of each customer (retention), a narrow row per customer (salesperson,
company, contact data: completeness and every attribution) and the daily sales
of each salesperson (completed orders, revenue, profit). Nothing a user entered
changes: they are computed from the orders, invoices and partners. The
manager report service creates and fills them when they are missing (its
``init``, run before this script); this makes sure of it on every upgrade path.
"""

import logging

from odoo.addons.crm_xyz_addon.tools.report_summaries import install_report_summaries

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    install_report_summaries(cr)
    _logger.info("crm_xyz_addon: the manager report's summaries are kept")
