from odoo import api, fields, models

from ..tools import manager_report_query as queries


class CrmXyzCompletenessSnapshot(models.Model):
    """The contact data completeness of a salesperson's customers on a day.

    Contact data keeps no history, so the nightly classification run writes
    down each salesperson's figures: the manager report reads a past period's
    completeness from here. Only the server writes the rows.
    """

    _name = "crm.xyz.completeness.snapshot"
    _description = "Contact Data Completeness Snapshot"
    _order = "date desc, id desc"
    _rec_name = "user_id"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    user_id = fields.Many2one(
        "res.users", string="Salesperson", required=True, readonly=True, ondelete="cascade"
    )
    date = fields.Date(required=True, readonly=True, index=True)
    customer_count = fields.Integer(string="Customers", readonly=True)
    complete_count = fields.Integer(string="Customers with Complete Contact Data", readonly=True)

    _sql_constraints = [
        (
            "company_user_date_unique",
            "UNIQUE (company_id, user_id, date)",
            "A salesperson has one completeness snapshot per company and day.",
        ),
    ]

    @api.model
    def _take(self, company, as_of):
        """Write down today's completeness of every salesperson of ``company``.

        Only for the company's today: contact data keeps no history, so an
        analysis of a past date cannot know how complete it was then. A second
        call on the same day replaces the figures.
        """
        if as_of != company._xyz_today():
            return
        team_ids = (
            self.env["crm.xyz.manager.report.service"].with_company(company)._team_users().ids
        )
        self.env.flush_all()
        self.env.cr.execute(
            queries.take_completeness_snapshot_query(
                {
                    **self.env["crm.xyz.report.summary"]._read_params(company),
                    "date": as_of,
                    "team_ids": team_ids,
                    "uid": self.env.uid,
                }
            )
        )
        self.invalidate_model()
