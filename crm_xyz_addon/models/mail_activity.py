from odoo import fields, models

IMPORTANCE_LEVELS = [("high", "High"), ("normal", "Normal"), ("low", "Low")]


class MailActivity(models.Model):
    _inherit = "mail.activity"

    # Optional in the database: NOT NULL on a core table breaks the inserts made while
    # this addon is not loaded (Odoo's at_install tests of crm run before it loads). The
    # forms require it; readers take an empty importance as normal.
    importance = fields.Selection(
        IMPORTANCE_LEVELS,
        default="normal",
        help='Shown on the salesperson agenda: important contacts are marked with "!", '
        'unimportant ones with "↓".',
    )
