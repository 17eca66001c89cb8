from odoo import models

from ..tools import warning_query


class ResUsers(models.Model):
    _inherit = "res.users"

    def unlink(self):
        # A deleted user's activities go with him (mail_activity.user_id cascades) and the
        # early-warning episodes forget him (user_id and won_back_user_id are set null).
        # PostgreSQL clears those two keys of an episode one after the other, and checks
        # the episode's other keys on the second: its follow-up, deleted in the same
        # statement, would still be referenced then. The follow-ups are cleared first.
        self.env.flush_all()
        self.env.cr.execute(warning_query.FORGET_FOLLOW_UPS_OF_USERS, [self.ids])
        self.env["crm.xyz.warning"].invalidate_model(["activity_id"])
        return super().unlink()
