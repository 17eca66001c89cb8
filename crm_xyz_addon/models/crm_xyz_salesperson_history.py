from odoo import api, fields, models
from odoo.tools import SQL


class CrmXyzSalespersonHistory(models.Model):
    """Who was the salesperson of a customer, and since when.

    One row per change of the salesperson (``user_id``) of a commercial
    partner, written by the server only: when a customer is reassigned, the
    manager report still counts its past for the salesperson of the time. A
    row lasts until the next row of the same customer; the first row of a
    customer also covers the time before it (documents imported or dated
    before the customer was created belong to its first salesperson).
    """

    _name = "crm.xyz.salesperson.history"
    _description = "Salesperson of a Customer over Time"
    _order = "partner_id, date_from desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        readonly=True,
        ondelete="set null",
        help="Empty: the customer had no salesperson from this date.",
    )
    date_from = fields.Datetime(string="Since", required=True, readonly=True, index=True)
    # the range each row covers, kept by _refresh_ranges() whenever the rows of a
    # customer change: the manager report joins a customer's rows by date without
    # numbering them first
    date_to = fields.Datetime(
        string="Until",
        readonly=True,
        help="The start of the next salesperson of the customer; empty: still his.",
    )
    valid_from = fields.Datetime(
        string="Counts From",
        readonly=True,
        help="Empty for the customer's first salesperson: he also counts for what is dated "
        "before the customer was written down.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        rows = super().create(vals_list)
        self._refresh_ranges(rows.partner_id.ids)
        return rows

    def write(self, vals):
        partner_ids = set(self.partner_id.ids)
        result = super().write(vals)
        if {"partner_id", "date_from"} & set(vals):
            self._refresh_ranges(partner_ids | set(self.partner_id.ids))
        return result

    def unlink(self):
        partner_ids = self.partner_id.ids
        result = super().unlink()
        self._refresh_ranges(partner_ids)
        return result

    @api.model
    def _refresh_ranges(self, partner_ids=None):
        """Set ``valid_from`` and ``date_to`` of the rows of ``partner_ids`` (None:
        every customer) from their order by date: the rows whose range changed."""
        if partner_ids is not None and not partner_ids:
            return
        self.flush_model(["partner_id", "date_from"])
        of_partners = (
            SQL("TRUE") if partner_ids is None else SQL("partner_id = ANY(%s)", list(partner_ids))
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_xyz_salesperson_history history
                   SET valid_from = ranges.valid_from, date_to = ranges.date_to,
                       -- the manager report reads the ranges written since its summaries
                       write_date = NOW() AT TIME ZONE 'UTC'
                  FROM (SELECT id,
                               CASE WHEN ROW_NUMBER() OVER customer_rows > 1
                                    THEN date_from END AS valid_from,
                               LEAD(date_from) OVER customer_rows AS date_to
                          FROM crm_xyz_salesperson_history
                         WHERE %s
                        WINDOW customer_rows AS (PARTITION BY partner_id
                                                 ORDER BY date_from, id)) AS ranges
                 WHERE history.id = ranges.id
                   AND (history.valid_from IS DISTINCT FROM ranges.valid_from
                        OR history.date_to IS DISTINCT FROM ranges.date_to)
                """,
                of_partners,
            )
        )
        if self.env.cr.rowcount:
            self.invalidate_model(["valid_from", "date_to"])

    def init(self):
        # the rows written since the manager report's summaries were refreshed
        self.env.cr.execute(
            SQL(
                """CREATE INDEX IF NOT EXISTS crm_xyz_salesperson_history_write_date_idx
                       ON crm_xyz_salesperson_history (write_date)"""
            )
        )
        # the salesperson each customer has now, from its creation (or from now when a
        # row disagrees with it: changed while the addon was not installed); one pass
        # over the partners, idempotent at every upgrade
        self.env.cr.execute(
            SQL(
                """
                WITH last_rows AS (
                    SELECT DISTINCT ON (partner_id) partner_id, user_id, date_from
                      FROM crm_xyz_salesperson_history
                     ORDER BY partner_id, date_from DESC, id DESC
                )
                INSERT INTO crm_xyz_salesperson_history
                       (partner_id, user_id, date_from,
                        create_uid, create_date, write_uid, write_date)
                SELECT partner.id, partner.user_id,
                       CASE WHEN last_rows.partner_id IS NULL
                            THEN COALESCE(partner.create_date, NOW() AT TIME ZONE 'UTC')
                            -- never before the last row: it stays the last one
                            ELSE GREATEST(NOW() AT TIME ZONE 'UTC', last_rows.date_from) END,
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM res_partner partner
                  LEFT JOIN last_rows ON last_rows.partner_id = partner.id
                 WHERE partner.id = partner.commercial_partner_id
                   AND CASE WHEN last_rows.partner_id IS NULL
                            THEN partner.user_id IS NOT NULL
                            ELSE last_rows.user_id IS DISTINCT FROM partner.user_id END
                """,
                uid=self.env.uid,
            )
        )
        self._refresh_ranges()

    @api.model
    def _record_changes(self, partners):
        """Write down the salesperson of those of ``partners`` that are commercial
        partners, where he differs from the last one written down (or none is).

        A customer that never had a salesperson gets no row; one whose
        salesperson is removed gets a row without salesperson.
        """
        if not partners:
            return
        partners.flush_recordset(["user_id", "commercial_partner_id"])
        self.flush_model()
        now = fields.Datetime.now()
        # The new row is each customer's last (never dated before the last one, and the
        # newest id), so the ranges change only there and on the row it follows: set
        # them here rather than renumber every row of every customer (_refresh_ranges),
        # which costs a reassignment of thousands of customers a second pass.
        self.env.cr.execute(
            SQL(
                """
                WITH last_rows AS (
                    SELECT DISTINCT ON (partner_id) id, partner_id, user_id, date_from
                      FROM crm_xyz_salesperson_history
                     WHERE partner_id = ANY(%(partner_ids)s)
                     ORDER BY partner_id, date_from DESC, id DESC
                ), changes AS (
                    SELECT partner.id AS partner_id, partner.user_id,
                           -- never before the last row: it stays the last one
                           GREATEST(%(now)s, last_rows.date_from) AS date_from,
                           last_rows.id AS last_id
                      FROM res_partner partner
                      LEFT JOIN last_rows ON last_rows.partner_id = partner.id
                     WHERE partner.id = ANY(%(partner_ids)s)
                       AND partner.id = partner.commercial_partner_id
                       AND CASE WHEN last_rows.partner_id IS NULL
                                THEN partner.user_id IS NOT NULL
                                ELSE last_rows.user_id IS DISTINCT FROM partner.user_id END
                ), added AS (
                    INSERT INTO crm_xyz_salesperson_history
                           (partner_id, user_id, date_from, valid_from,
                            create_uid, create_date, write_uid, write_date)
                    SELECT partner_id, user_id, date_from,
                           -- the first row also counts for what is dated before it
                           CASE WHEN last_id IS NOT NULL THEN date_from END,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM changes
                )
                -- the row the new one follows lasts until it
                UPDATE crm_xyz_salesperson_history history
                   SET date_to = changes.date_from, write_date = %(now)s
                  FROM changes
                 WHERE history.id = changes.last_id
                """,
                partner_ids=partners.ids,
                now=now,
                uid=self.env.uid,
            )
        )
        # the rows of the customers concerned, whether added or closed
        self.invalidate_model()
