import logging
import time

from odoo import api, fields, models
from odoo.modules import module as odoo_module
from odoo.tools import SQL, sql

from ..tools import company_sales, report_summaries

_logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key: one refresh at a time
REFRESH_LOCK_KEY = 73_002


class CrmXyzReportSummary(models.Model):
    """When the manager report's summaries were refreshed for a company, and what
    they cover (see ``tools/report_summaries.py``).

    The nightly refresh rebuilds the summaries of every company from the documents,
    in one transaction, and writes one row per company: the summaries hold the days
    before ``summary_day``; what was written from ``since`` on is read from the
    documents. A row whose time zone, currency or rounding is no longer the
    company's is not used: the report then reads the documents alone until the
    next refresh. Only the server writes the rows; it also owns the summary tables.
    """

    _name = "crm.xyz.report.summary"
    _description = "Manager Report Summaries"
    _order = "company_id"
    _rec_name = "company_id"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, ondelete="cascade"
    )
    summary_day = fields.Date(
        string="Covers Days Before",
        required=True,
        readonly=True,
        help="The summaries hold the days before this one; the report reads the later "
        "days from the documents.",
    )
    since = fields.Datetime(
        string="Changes Read From",
        required=True,
        readonly=True,
        help="The documents written from this moment on are read from the documents "
        "themselves: the start of the oldest transaction still running at the refresh.",
    )
    refreshed_at = fields.Datetime(readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 2))
    tz = fields.Char(string="Time Zone", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    digits = fields.Integer(string="Currency Decimal Places", readonly=True)

    _sql_constraints = [
        ("company_unique", "UNIQUE (company_id)", "A company has one row of summaries."),
    ]

    def init(self):
        for name, definition in report_summaries.TABLES.items():
            if not sql.table_exists(self.env.cr, name):
                self.env.cr.execute(SQL(definition))
        for name, table, columns, predicate in (
            *report_summaries.DOCUMENT_INDEXES,
            *report_summaries.SUMMARY_INDEXES,
        ):
            self.env.cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON %s (%s)%s",
                    SQL.identifier(name),
                    SQL.identifier(table),
                    SQL(", ").join(SQL.identifier(column) for column in columns),
                    SQL(" WHERE %s", SQL(predicate)) if predicate else SQL(),
                )
            )

    # ------------------------------------------------------------ reading
    @api.model
    def _read_params(self, company):
        """The parameters with which the report reads ``company``'s figures
        (``report_summaries.read_params``): its summaries when they are valid."""
        tz = company_sales.company_tz(company)
        digits = company.currency_id.decimal_places
        summary = self.sudo().search([("company_id", "=", company.id)], limit=1)
        valid = (
            summary
            and summary.tz == tz
            and summary.currency_id == company.currency_id
            and summary.digits == digits
        )
        return report_summaries.read_params(
            company.id,
            tz,
            digits,
            {"since": summary.since, "summary_day": summary.summary_day} if valid else None,
        )

    # ------------------------------------------------------------ refresh
    @api.model
    def _cron_refresh(self):
        """Scheduled action: rebuild the summaries of every company.

        The summaries must not miss a change their snapshot cannot see: the start of
        the oldest transaction running is read first, in a transaction of its own,
        and the summaries are built in the next one, whose snapshot follows it.
        """
        if odoo_module.current_test:
            return self._refresh()
        # commits: the reading and the build each need a transaction of their own
        self.env.cr.commit()
        since = self._oldest_transaction_start()
        self.env.cr.commit()
        return self._refresh(since)

    @api.model
    def _oldest_transaction_start(self):
        """The start (UTC) of the oldest transaction running in the database, this
        one included: whatever a later snapshot cannot see was written by a
        transaction that started then or later (the ORM's ``write_date``)."""
        self.env.cr.execute(
            SQL(
                """SELECT LEAST(NOW(), MIN(activity.xact_start)) AT TIME ZONE 'UTC'
                     FROM pg_stat_activity activity
                    WHERE activity.datname = current_database()"""
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _refresh(self, since=None):
        """Rebuild the summaries of every company from the documents, in this
        transaction; the documents written from ``since`` on (default: the start of
        the oldest transaction running now) are read from the documents by the
        report. Returns the number of companies, or None when another refresh is
        running (it does the job)."""
        started = time.monotonic()
        since = since or self._oldest_transaction_start()
        self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", REFRESH_LOCK_KEY))
        if not self.env.cr.fetchone()[0]:
            _logger.info("the manager report's summaries are being refreshed already")
            return None
        self.env.flush_all()
        companies = self.env["res.company"].sudo().with_context(active_test=False).search([])
        run = self.env["crm.xyz.run"]
        plan = [
            {
                "id": company.id,
                "summary_day": run._company_today(company),
                "tz": company_sales.company_tz(company),
                "digits": company.currency_id.decimal_places,
                "currency_id": company.currency_id.id,
            }
            for company in companies
        ]
        for query in report_summaries.refresh_queries(plan, since):
            self.env.cr.execute(query)
        for table in report_summaries.TABLES:
            self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        now = fields.Datetime.now()
        existing = {summary.company_id.id: summary for summary in self.sudo().search([])}
        duration = time.monotonic() - started
        for company in plan:
            values = {
                "summary_day": company["summary_day"],
                "since": since,
                "refreshed_at": now,
                "duration": duration,
                "tz": company["tz"],
                "currency_id": company["currency_id"],
                "digits": company["digits"],
            }
            if company["id"] in existing:
                existing[company["id"]].write(values)
            else:
                self.sudo().create({"company_id": company["id"], **values})
        # written now: the caller may commit through the cursor alone
        self.env.flush_all()
        _logger.info(
            "refreshed the manager report's summaries of %s companies in %.1fs",
            len(plan),
            duration,
        )
        return len(plan)
