"""18.0.3.0.0, after the update of the models.

* The manager report's new summaries are built soon, by their scheduled action
  (see pre-migrate.py); until then the report reads the documents alone.
* The follow-ups of the early warning live on their episode. They were
  activities of the customer, which anyone who reads the customer reads (a
  shared customer: the users of every company); they are now activities of the
  episode (``crm.xyz.warning``), read by the sales users of its company. The open
  follow-ups, and the done ones their type keeps, move to their episode; the
  agenda still shows them as a contact with the customer.
* Follow-ups are now scheduled within a cap per salesperson and night, an
  episode waiting for its follow-up until a later night: the episodes of the
  previous release had theirs (or none, by its rules) and are marked so, not
  scheduled again.
"""

import logging

from odoo import SUPERUSER_ID, api

from odoo.addons.crm_xyz_addon.tools.warning_query import MARK_EARLIER_EPISODES_FOLLOWED

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute("SELECT id FROM ir_model WHERE model = 'crm.xyz.warning'")
    [model_id] = cr.fetchone()
    cr.execute(
        """UPDATE mail_activity activity
              SET res_model_id = %s, res_model = 'crm.xyz.warning', res_id = episode.id
             FROM crm_xyz_warning episode
            WHERE episode.activity_id = activity.id
              AND activity.res_model = 'res.partner'
              AND activity.res_id = episode.partner_id""",
        [model_id],
    )
    _logger.info("crm_xyz_addon: %s follow-ups moved to their early-warning episode", cr.rowcount)
    cr.execute(MARK_EARLIER_EPISODES_FOLLOWED)
    env = api.Environment(cr, SUPERUSER_ID, {})
    env.ref("crm_xyz_addon.ir_cron_crm_xyz_report_refresh")._trigger()
