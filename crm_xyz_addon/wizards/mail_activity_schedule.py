from odoo import fields, models

from ..models.mail_activity import IMPORTANCE_LEVELS


class MailActivitySchedule(models.TransientModel):
    _inherit = "mail.activity.schedule"

    # required in the dialog only: no NOT NULL on a core table
    importance = fields.Selection(IMPORTANCE_LEVELS, default="normal")

    def _action_schedule_activities(self):
        # activity_schedule() creates the activities in this environment
        scheduler = self.with_context(default_importance=self.importance or "normal")
        return super(MailActivitySchedule, scheduler)._action_schedule_activities()
