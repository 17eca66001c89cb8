from odoo import fields, models

from ..models.mail_activity import IMPORTANCE_LEVELS


class MailActivitySchedule(models.TransientModel):
    _inherit = "mail.activity.schedule"

    importance = fields.Selection(
        IMPORTANCE_LEVELS,
        required=True,
        default="normal",
    )

    def _action_schedule_activities(self):
        # activity_schedule() creates the activities in this environment
        scheduler = self.with_context(default_importance=self.importance)
        return super(MailActivitySchedule, scheduler)._action_schedule_activities()
