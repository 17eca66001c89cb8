"""18.0.2.4.0: the purchase model of the early warning (BG/NBD).

Each customer's classification row keeps what the model reads: its first sale
day and its number of sale days. They are filled here for the rows of the
previous release, as of each company's last run (from the customers' sale days
that the database keeps), so that the next nightly run finds them unchanged and
does not rewrite every customer. The new settings take their defaults; nothing
a user entered changes.

Follow-ups are now scheduled within a cap per salesperson and night, an episode
waiting for its follow-up until a later night: the episodes of the previous
release had theirs (or none, by its rules) and are marked so, not scheduled again.
"""

import logging

from odoo.addons.crm_xyz_addon.tools.purchase_model_query import FILL_FIGURES
from odoo.addons.crm_xyz_addon.tools.warning_query import MARK_EARLIER_EPISODES_FOLLOWED

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(FILL_FIGURES)
    _logger.info("crm_xyz_addon: the purchase model's figures of %s customers filled", cr.rowcount)
    cr.execute(MARK_EARLIER_EPISODES_FOLLOWED)
