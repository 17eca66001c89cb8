from odoo import models

from ..tools.manager_report_query import create_report_indexes


class MailMessage(models.Model):
    _inherit = "mail.message"

    def init(self):
        result = super().init()
        # the manager report counts the activities done in a period among all the messages
        create_report_indexes(self.env.cr, self._table)
        return result
