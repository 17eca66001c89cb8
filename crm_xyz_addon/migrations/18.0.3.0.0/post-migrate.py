"""18.0.3.0.0: build the manager report's new summaries soon (see pre-migrate.py)."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env.ref("crm_xyz_addon.ir_cron_crm_xyz_report_refresh")._trigger()
