from odoo import Command, api, fields, models
from odoo.tools.misc import split_every

from ..tools import warning_query
from ..tools.vocabulary import STAGE_SELECTION

WARNING_REASONS = [("at_risk", "At risk"), ("stage_down", "Stage down")]
END_REASONS = [("sale", "Bought again"), ("stage_up", "Stage back up")]
# follow-ups created at once (the first analysis of a large company schedules thousands)
ACTIVITY_BATCH = 1000


class CrmXyzWarning(models.Model):
    """An episode of a customer drifting away: it became at risk, or its automatic stage
    went down, until it buys again or its stage comes back up.

    The analysis opens and closes the episodes (set-based, see ``warning_query``) and
    puts follow-up activities on the salesperson's agenda, at most a number per
    salesperson each night, the most valuable customers first: the others wait for the
    next nights as long as their episode is open. The manager report counts the episodes
    ended by a sale as customers won back.

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
    # indexed: deleting or merging customers looks up all their episodes (the unique
    # index below holds the open ones only)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Salesperson", readonly=True, help="The salesperson at the warning."
    )
    reason = fields.Selection(WARNING_REASONS, required=True, readonly=True)
    date_start = fields.Date(string="Warned On", required=True, readonly=True)
    old_stage = fields.Selection(STAGE_SELECTION, readonly=True)
    new_stage = fields.Selection(STAGE_SELECTION, readonly=True)
    days_since_sale = fields.Integer(readonly=True)
    typical_interval = fields.Float(string="Usually Every (days)", readonly=True, digits=(16, 1))
    p_alive = fields.Float(
        string="P(alive)",
        readonly=True,
        help="The customer's P(alive) when the purchase model flagged it at risk.",
    )
    activity_id = fields.Many2one("mail.activity", string="Follow-up", readonly=True)
    followup_date = fields.Date(
        string="Follow-up Scheduled On",
        readonly=True,
        help="Empty while the episode waits for a follow-up: the salesperson had as many "
        "new follow-ups that night as the settings allow.",
    )
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
    def _follow_up(self, company, as_of, run=None):
        """After the analysis of `company` as of `as_of` (the run `run`, whose purchase
        model orders the customers): close the episodes that ended, open the new ones
        and schedule follow-ups, at most the company's cap per salesperson.

        Returns (follow-ups scheduled, new episodes without a salesperson, open episodes
        left waiting for a follow-up).
        """
        if not company.xyz_followup_enabled:
            return 0, 0, 0
        # sudo: only the analysis writes the episodes, for every salesperson
        self = self.sudo()  # noqa: PLW0642
        cr = self.env.cr
        model = run._model() if run else None
        params = {
            "company_id": company.id,
            "as_of": as_of,
            "uid": self.env.uid,
            "now": fields.Datetime.now(),
            # a follow-up goes to a salesperson who works in the company, with sales rights
            "salesman_group_id": self.env.ref("sales_team.group_sale_salesman").id,
            "risk_method": (run and run.xyz_risk_method) or "rule",
            "horizon": company._xyz_model_settings()["xyz_expected_purchases_days"],
            "cap": company._xyz_followup_cap(),
            **{
                f"bgnbd_{name}": getattr(model, name) if model else None
                for name in ("r", "alpha", "a", "b")
            },
        }
        cr.execute(warning_query.CLOSE_EPISODES, params)
        cr.execute(warning_query.OPEN_EPISODES, params)
        unassigned = sum(1 for _episode_id, user_id in cr.fetchall() if not user_id)
        cr.execute(warning_query.FOLLOWED_ALREADY, params)
        cr.execute(warning_query.EPISODES_TO_SCHEDULE, params)
        to_schedule = cr.fetchall()
        self.invalidate_model()
        self._schedule_activities(company, as_of, to_schedule)
        cr.execute(warning_query.WAITING_EPISODES, params)
        waiting = cr.fetchone()[0]
        return len(to_schedule), unassigned, waiting

    @api.model
    def _schedule_activities(self, company, as_of, to_schedule):
        """One follow-up activity per episode of `to_schedule` (episode id, salesperson,
        days since the customer's last sale), due on `as_of`, for that salesperson."""
        for batch in split_every(ACTIVITY_BATCH, to_schedule):
            self._schedule_batch(company, as_of, batch)
            # a first analysis schedules thousands: the cache holds one batch at a time
            self.env.invalidate_all()

    @api.model
    def _schedule_batch(self, company, as_of, to_schedule):
        activity_type = company._xyz_risk_settings()["xyz_followup_activity_type_id"]
        model_id = self.env["ir.model"]._get_id(self._name)
        # read together: each episode's figures and customer in a few queries
        episodes = self.browse([episode_id for episode_id, _user, _days in to_schedule])
        users = self.env["res.users"].browse({user_id for _id, user_id, _days in to_schedule})
        languages = {user.id: user.lang for user in users}
        # in the salesperson's language: the activity is his (one environment per language)
        in_language = {lang: self.with_context(lang=lang) for lang in set(languages.values())}
        stage_labels = {
            lang: dict(self._fields["old_stage"]._description_selection(model.env))
            for lang, model in in_language.items()
        }
        self._follow_episodes(episodes, users, to_schedule)
        values = []
        for episode, (_id, user_id, days) in zip(episodes, to_schedule, strict=True):
            lang = languages[user_id]
            summary, note = episode.with_env(in_language[lang].env)._describe(
                days, stage_labels[lang]
            )
            values.append(
                {
                    # on the episode, which only the company's sales users read
                    "res_model_id": model_id,
                    "res_id": episode.id,
                    "activity_type_id": activity_type.id,
                    "user_id": user_id,
                    "date_deadline": as_of,
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
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE crm_xyz_warning w
                  SET activity_id = v.activity_id, user_id = v.user_id, followup_date = %s
                 FROM unnest(%s::int[], %s::int[], %s::int[]) AS v(id, activity_id, user_id)
                WHERE w.id = v.id""",
            [as_of, episodes.ids, activities.ids, [user_id for _id, user_id, _days in to_schedule]],
        )
        self.invalidate_model(["activity_id", "user_id", "followup_date"])

    @api.model
    def _follow_episodes(self, episodes, users, to_schedule):
        """Make each salesperson a follower of his episodes of `to_schedule`, as creating
        their follow-ups would, but in one batch: mail.activity subscribes the assignees
        one salesperson at a time, a creation each (most of the cost of the thousands of
        follow-ups of a first analysis)."""
        partners = {user.id: user.partner_id.id for user in users}
        self.env.cr.execute(
            """SELECT res_id, partner_id FROM mail_followers
                WHERE res_model = %s AND res_id = ANY(%s)""",
            [self._name, episodes.ids],
        )
        following = set(self.env.cr.fetchall())
        subtypes = self.env["mail.message.subtype"].default_subtypes(self._name)[0]
        # sudo: the analysis subscribes every salesperson
        self.env["mail.followers"].sudo().create(
            [
                {
                    "res_model": self._name,
                    "res_id": episode_id,
                    "partner_id": partners[user_id],
                    "subtype_ids": [Command.set(subtypes.ids)],
                }
                for episode_id, user_id, _days in to_schedule
                if (episode_id, partners[user_id]) not in following
            ]
        )

    def _describe(self, days=None, labels=None):
        """(summary, note) of the follow-up: why, with the figures (`days` since the last
        sale when it is scheduled, those of the warning by default; `labels` of the stages
        in the language of the environment, when the caller has them)."""
        self.ensure_one()
        _ = self.env._
        if labels is None:
            labels = dict(self._fields["old_stage"]._description_selection(self.env))
        days = self.days_since_sale if days is None else days
        if self.reason == "at_risk" and self.p_alive:
            # flagged by the purchase model
            summary = _(
                "At risk: no order for %(days)s days, %(p_alive)s%% likely to still buy",
                days=days,
                p_alive=round(100 * self.p_alive),
            )
            note = _(
                "%(customer)s has not ordered for %(days)s days: by the purchase model of all "
                "your customers, it is %(p_alive)s%% likely to still buy from you. Call to "
                "find out why.",
                customer=self.partner_id.display_name,
                days=days,
                p_alive=round(100 * self.p_alive),
            )
        elif self.reason == "at_risk":
            summary = _(
                "At risk: no order for %(days)s days, usually every %(interval)s",
                days=days,
                interval=round(self.typical_interval),
            )
            note = _(
                "%(customer)s usually buys every %(interval)s days and has not ordered for "
                "%(days)s days. Call to find out why.",
                customer=self.partner_id.display_name,
                interval=round(self.typical_interval, 1),
                days=days,
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
