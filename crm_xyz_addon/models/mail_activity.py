from odoo import fields, models

IMPORTANCE_LEVELS = [("high", "High"), ("normal", "Normal"), ("low", "Low")]


class MailActivity(models.Model):
    _inherit = "mail.activity"

    importance = fields.Selection(
        IMPORTANCE_LEVELS,
        required=True,
        default="normal",
        help='Shown on the salesperson agenda: important contacts are marked with "!", '
        'unimportant ones with "↓".',
    )
