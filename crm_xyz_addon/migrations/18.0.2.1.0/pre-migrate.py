"""18.0.2.1.0: sale orders keep whether they are completed (``xyz_completed``).

The manager report counted completed orders by reading every line of a
year's orders; the flag is now stored on the order and kept by the ORM. It is
filled here by SQL, before the ORM would compute it order by order.
"""

import logging

from odoo.addons.crm_xyz_addon.tools.manager_report_query import fill_completed_orders

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    fill_completed_orders(cr)
    _logger.info("crm_xyz_addon: completed orders flagged")
