from odoo import api, fields, models

from ..tools import warning_query
from .res_partner import RELATIONSHIP_STAGES

WARNING_REASONS = [("at_risk", "At risk"), ("stage_down", "Stage down")]
END_REASONS = [("sale", "Bought again"), ("stage_up", "Stage back up")]


class CrmXyzWarning(models.Model):
    """An episode of a customer drifting away: it became at risk, or its automatic stage
    went down, until it buys again or its stage comes back up.

    The analysis opens and closes the episodes (set-based, see ``warning_query``) and
    puts one follow-up activity per episode on the salesperson's agenda; the manager
    report counts the episodes ended by a sale as customers won back.

    The follow-up is an activity of the episode itself, not of the customer: the
    customer may be shared between companies, and anyone who reads a record reads its
    activities and chatter. An episode, its follow-up and the message left when it is
    done are read only by the sales users of the episode's company (and the follow-up
    by its salesperson, always a member of it); the agenda shows it as a contact with
    the customer.
    """

    _name = "crm.xyz.warning"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Customer Early Warning"
    _order = "date_start desc, id desc"
    _rec_name = "partner_id"
    # whoever may read the episode may work on its follow-up (mark it done, reschedule
    # it), as on the customer's own activities; the episode's fields stay read-only
    _mail_post_access = "read"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, ondelete="cascade"
    )
    user_id = fields.Many2one(
        "res.users", string="Salesperson", readonly=True, help="The salesperson at the warning."
    )
    reason = fields.Selection(WARNING_REASONS, required=True, readonly=True)
    date_start = fields.Date(string="Warned On", required=True, readonly=True)
    old_stage = fields.Selection(RELATIONSHIP_STAGES, readonly=True)
    new_stage = fields.Selection(RELATIONSHIP_STAGES, readonly=True)
    days_since_sale = fields.Integer(readonly=True)
    typical_interval = fields.Float(string="Usually Every (days)", readonly=True, digits=(16, 1))
    activity_id = fields.Many2one("mail.activity", string="Follow-up", readonly=True)
    date_end = fields.Date(string="Ended On", readonly=True, index=True)
    end_reason = fields.Selection(END_REASONS, readonly=True)
    won_back_date = fields.Date(
        string="Won Back On", readonly=True, help="The sale that ended the episode."
    )
    won_back_user_id = fields.Many2one(
        "res.users",
        string="Won Back By",
        readonly=True,
        help="The customer's salesperson at the time of the sale that ended the episode.",
    )

    def init(self):
        # one open episode per customer and company: what makes a follow-up never twice
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS crm_xyz_warning_one_open_episode
                   ON crm_xyz_warning (partner_id, company_id) WHERE date_end IS NULL"""
        )

    @api.model
    def _follow_up(self, company, as_of):
        """After the analysis of `company` as of `as_of`: close the episodes that ended,
        open the new ones and schedule their follow-ups. Returns (follow-ups scheduled,
        new episodes without a salesperson)."""
        if not company.xyz_followup_enabled:
            return 0, 0
        # sudo: only the analysis writes the episodes, for every salesperson
        self = self.sudo()  # noqa: PLW0642
        cr = self.env.cr
        params = {
            "company_id": company.id,
            "as_of": as_of,
            "uid": self.env.uid,
            "now": fields.Datetime.now(),
            # a follow-up goes to a salesperson who works in the company, with sales rights
            "salesman_group_id": self.env.ref("sales_team.group_sale_salesman").id,
        }
        cr.execute(warning_query.CLOSE_EPISODES, params)
        cr.execute(warning_query.OPEN_EPISODES, params)
        opened = cr.fetchall()
        self.invalidate_model()
        episodes = self.browse([episode_id for episode_id, _has_open in opened])
        already_followed = {episode_id for episode_id, has_open in opened if has_open}
        to_schedule = episodes.filtered(
            lambda episode: episode.user_id and episode.id not in already_followed
        )
        unassigned = len(episodes.filtered(lambda episode: not episode.user_id))
        to_schedule._schedule_activities(company)
        return len(to_schedule), unassigned

    def _schedule_activities(self, company):
        if not self:
            return
        activity_type = company.xyz_followup_activity_type_id or self.env.ref(
            "mail.mail_activity_data_call", raise_if_not_found=False
        )
        model_id = self.env["ir.model"]._get_id(self._name)
        values = []
        for episode in self:
            # in the salesperson's language: the activity is his
            summary, note = episode.with_context(lang=episode.user_id.lang)._describe()
            values.append(
                {
                    # on the episode, which only the company's sales users read
                    "res_model_id": model_id,
                    "res_id": episode.id,
                    "activity_type_id": activity_type.id,
                    "user_id": episode.user_id.id,
                    "date_deadline": episode.date_start,
                    "summary": summary,
                    "note": note,
                    "importance": "high",
                }
            )
        # sudo: the analysis schedules for every salesperson; no e-mail for each one
        activities = (
            self.env["mail.activity"]
            .sudo()
            .with_context(mail_activity_quick_update=True)
            .create(values)
        )
        # one statement for all the episodes, not a write each
        self.env.cr.execute(
            """UPDATE crm_xyz_warning w SET activity_id = v.activity_id
                 FROM unnest(%s::int[], %s::int[]) AS v(id, activity_id)
                WHERE w.id = v.id""",
            [self.ids, activities.ids],
        )
        self.invalidate_recordset(["activity_id"])

    def _describe(self):
        """(summary, note) of the follow-up: why, with the figures."""
        self.ensure_one()
        _ = self.env._
        labels = dict(self._fields["old_stage"]._description_selection(self.env))
        if self.reason == "at_risk":
            summary = _(
                "At risk: no order for %(days)s days, usually every %(interval)s",
                days=self.days_since_sale,
                interval=round(self.typical_interval),
            )
            note = _(
                "%(customer)s usually buys every %(interval)s days and has not ordered for "
                "%(days)s days. Call to find out why.",
                customer=self.partner_id.display_name,
                interval=round(self.typical_interval, 1),
                days=self.days_since_sale,
            )
        else:
            stages = {"old": labels.get(self.old_stage, ""), "new": labels.get(self.new_stage, "")}
            summary = _("Stage down: %(old)s → %(new)s", **stages)
            note = _(
                "The analysis of %(date)s moved %(customer)s from %(old)s to %(new)s.",
                date=self.date_start,
                customer=self.partner_id.display_name,
                **stages,
            )
        return summary, note
