"""What the manager report reads instead of a year of documents: summaries of past
days, rebuilt set-based every night, read together with what changed since.

Some indicators need, for every customer or every salesperson of a company,
what the documents only give by a long scan (a year or two of orders, every
contact). The nightly refresh (``crm.xyz.report.summary``) writes narrow rows
for them, from the documents as they are at its snapshot:

* **sale days** (retention asks whether each customer bought in two windows of
  days): ``crm_xyz_summary_sale_days``, per company, source and customer
  (commercial partner), the local days (``datemultirange``) it bought on:
  confirmed orders on the date of the order in the company's time zone
  (source 'order'), posted customer invoices on their invoice date (source
  'invoice');
* **customers** (every indicator counts for the salesperson of a customer;
  completeness asks for an email, a phone, an address, on the customer or one
  of its active contacts): ``crm_xyz_summary_customer``, one row per
  commercial partner: its company, salesperson, active flag and contact data
  as ``CONTACT_DATA_*`` bits;
* **daily sales** (completed orders, revenue, profit):
  ``crm_xyz_summary_daily_sales``, per company, salesperson and local day, the
  confirmed orders, the completed ones, their untaxed amount and margin in
  company currency (each order converted and rounded as the report sums them);
* **daily payments**: ``crm_xyz_summary_daily_payments``, per company,
  salesperson and payment date, the sum of the received payments
  (``crm_xyz_received_payment``).

Nothing here runs when Odoo writes its documents: no trigger, no shared row.
The summaries cover the days before the refresh's day (``summary_day``, the
company's date when it ran); a read takes them as they are, except for what
may have changed since the refresh's snapshot, which it reads from the
documents themselves:

* every day from ``summary_day`` on (today's documents, whoever writes them);
* the customers and days of the documents written since (``write_date`` at or
  after ``since``: the start of the oldest transaction still running when the
  refresh took its snapshot, so that nothing it could not see is missed);
* what a write moved away or deleted, which ``write_date`` cannot show: the
  day and customer an order, an invoice, a contact or a payment had before,
  appended by the ORM to ``crm_xyz_summary_change`` (one row per write,
  never a shared row; CHANGE_* below).

A company without a valid refresh (none yet, or its time zone, currency or
rounding changed since) is read from the documents alone. SQL that bypasses
the ORM on a past day sets no ``write_date``: the report sees it from the next
refresh on.
"""

from odoo.tools import SQL

# ------------------------------------------------------------------ tables
SALE_DAYS_TABLE = "crm_xyz_summary_sale_days"
CUSTOMER_TABLE = "crm_xyz_summary_customer"
DAILY_SALES_TABLE = "crm_xyz_summary_daily_sales"
DAILY_PAYMENTS_TABLE = "crm_xyz_summary_daily_payments"
CHANGE_TABLE = "crm_xyz_summary_change"

# no foreign key to Odoo's tables: nothing of the report runs when they are written
# (a row of a deleted partner or company is left until the next refresh, and the
# change log says which customers to read again)
TABLES = {
    SALE_DAYS_TABLE: f"""
        CREATE TABLE {SALE_DAYS_TABLE} (
            company_id integer NOT NULL,
            source varchar NOT NULL CHECK (source IN ('order', 'invoice')),
            partner_id integer NOT NULL,
            sale_days datemultirange NOT NULL,
            PRIMARY KEY (company_id, source, partner_id)
        )""",
    CUSTOMER_TABLE: f"""
        CREATE TABLE {CUSTOMER_TABLE} (
            partner_id integer PRIMARY KEY,
            company_id integer,
            user_id integer,
            active boolean NOT NULL,
            contact_data smallint NOT NULL
        )""",
    DAILY_SALES_TABLE: f"""
        CREATE TABLE {DAILY_SALES_TABLE} (
            company_id integer NOT NULL,
            day date NOT NULL,
            user_id integer NOT NULL,
            order_count integer NOT NULL,
            completed_count integer NOT NULL,
            revenue numeric,
            profit numeric,
            PRIMARY KEY (company_id, day, user_id)
        )""",
    DAILY_PAYMENTS_TABLE: f"""
        CREATE TABLE {DAILY_PAYMENTS_TABLE} (
            company_id integer NOT NULL,
            day date NOT NULL,
            user_id integer NOT NULL,
            amount numeric NOT NULL,
            PRIMARY KEY (company_id, day, user_id)
        )""",
    # appended by the ORM's writes, read back from ``since`` on, purged by the refresh
    CHANGE_TABLE: f"""
        CREATE TABLE {CHANGE_TABLE} (
            id bigserial PRIMARY KEY,
            changed_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
            kind varchar NOT NULL,
            company_id integer,
            day date,
            partner_id integer
        )""",
}
CHANGE_INDEX = (
    "crm_xyz_summary_change_changed_at_idx",
    CHANGE_TABLE,
    ("changed_at",),
    None,
)

# What the change log holds: a past day of a company's orders or payments whose
# figures a write may have changed (the day an order or a payment had before it
# moved or was deleted), or a customer (commercial partner) whose sale days and row
# may have changed (the customer an order, an invoice or a contact had before).
CHANGE_ORDER_DAY = "order_day"
CHANGE_PAYMENT_DAY = "payment_day"
CHANGE_CUSTOMER = "customer"

# indexes on Odoo's tables: (name, table, columns, predicate). ``write_date`` finds
# what was written since a refresh; the posted customer invoices of a customer are
# read by customer (retention of customers written since)
DOCUMENT_INDEXES = (
    ("crm_xyz_summary_order_written_idx", "sale_order", ("write_date",), None),
    ("crm_xyz_summary_move_written_idx", "account_move", ("write_date",), None),
    ("crm_xyz_summary_partner_written_idx", "res_partner", ("write_date",), None),
    (
        "crm_xyz_sale_days_invoice_idx",
        "account_move",
        ("company_id", "commercial_partner_id", "invoice_date"),
        "state = 'posted' AND move_type = 'out_invoice'",
    ),
)

# ------------------------------------------------------------------ expressions
# the time zone of a company, from its partner ``company_partner`` ('UTC' without one)
COMPANY_TZ = "COALESCE(NULLIF(company_partner.tz, ''), 'UTC')"
# the decimal places of the currency ``currency`` (res.currency.decimal_places)
CURRENCY_DIGITS = """CASE WHEN currency.rounding > 0 AND currency.rounding < 1
                          THEN CEIL(-LOG(currency.rounding::numeric))::integer ELSE 0 END"""
# the contact data of a partner ``member`` as bits: an email, a phone (or a mobile),
# an address
CONTACT_DATA_EMAIL, CONTACT_DATA_PHONE, CONTACT_DATA_ADDRESS = 1, 2, 4
CONTACT_DATA_COMPLETE = CONTACT_DATA_EMAIL | CONTACT_DATA_PHONE | CONTACT_DATA_ADDRESS
PARTNER_CONTACT_DATA = f"""(
    CASE WHEN TRIM(member.email) <> '' THEN {CONTACT_DATA_EMAIL} ELSE 0 END
    | CASE WHEN TRIM(member.phone) <> '' OR TRIM(member.mobile) <> ''
           THEN {CONTACT_DATA_PHONE} ELSE 0 END
    | CASE WHEN TRIM(member.street) <> '' AND TRIM(member.city) <> ''
                AND member.country_id IS NOT NULL
           THEN {CONTACT_DATA_ADDRESS} ELSE 0 END)"""


def local_day(column, tz):
    """The company's local day of the UTC datetime ``column`` (SQL), ``tz`` a time zone."""
    return SQL("((%s AT TIME ZONE 'UTC') AT TIME ZONE %s)::date", column, tz)


def day_start_utc(day, tz):
    """The UTC instant (naive) at which the local day ``day`` (SQL) starts in ``tz``."""
    return SQL("((%s)::timestamp AT TIME ZONE %s) AT TIME ZONE 'UTC'", day, tz)


def order_amount(column, digits):
    """An amount of an order ``so`` in company currency, rounded as the report sums it."""
    return SQL(
        "ROUND(COALESCE(%s, 0) / NULLIF(so.currency_rate, 0), %s)",
        SQL.identifier("so", column),
        digits,
    )


# ------------------------------------------------------------------ the refresh
def refresh_queries(companies, since):
    """The statements that rebuild every summary, for ``companies``: a list of dicts
    ``{"id", "summary_day", "tz", "digits"}``, every company of the database (the
    customers are shared). ``since`` is stored by the caller with them."""
    company_values = SQL(
        """SELECT * FROM unnest(%s::integer[], %s::date[], %s::varchar[], %s::integer[])
             AS company(company_id, summary_day, tz, digits)""",
        [company["id"] for company in companies],
        [company["summary_day"] for company in companies],
        [company["tz"] for company in companies],
        [company["digits"] for company in companies],
    )
    return [
        SQL("DELETE FROM %s", SQL.identifier(table))
        for table in (SALE_DAYS_TABLE, CUSTOMER_TABLE, DAILY_SALES_TABLE, DAILY_PAYMENTS_TABLE)
    ] + [
        SQL(
            """
            INSERT INTO %(table)s (company_id, source, partner_id, sale_days)
            SELECT sale.company_id, 'order', sale.partner_id,
                   range_agg(daterange(sale.day, sale.day, '[]'))
              FROM (SELECT DISTINCT so.company_id, member.commercial_partner_id AS partner_id,
                           %(day)s AS day
                      FROM (%(companies)s) AS company
                      JOIN sale_order so ON so.company_id = company.company_id
                      JOIN res_partner member ON member.id = so.partner_id
                     WHERE so.state = 'sale'
                       AND so.date_order < %(day_start)s
                       AND member.commercial_partner_id IS NOT NULL) AS sale
             GROUP BY sale.company_id, sale.partner_id
            """,
            table=SQL.identifier(SALE_DAYS_TABLE),
            companies=company_values,
            day=local_day(SQL("so.date_order"), SQL("company.tz")),
            day_start=day_start_utc(SQL("company.summary_day"), SQL("company.tz")),
        ),
        SQL(
            """
            INSERT INTO %(table)s (company_id, source, partner_id, sale_days)
            SELECT sale.company_id, 'invoice', sale.partner_id,
                   range_agg(daterange(sale.day, sale.day, '[]'))
              FROM (SELECT DISTINCT am.company_id, am.commercial_partner_id AS partner_id,
                           am.invoice_date AS day
                      FROM (%(companies)s) AS company
                      JOIN account_move am ON am.company_id = company.company_id
                     WHERE am.state = 'posted'
                       AND am.move_type = 'out_invoice'
                       AND am.invoice_date < company.summary_day
                       AND am.commercial_partner_id IS NOT NULL) AS sale
             GROUP BY sale.company_id, sale.partner_id
            """,
            table=SQL.identifier(SALE_DAYS_TABLE),
            companies=company_values,
        ),
        SQL(
            "INSERT INTO %s (partner_id, company_id, user_id, active, contact_data) %s",
            SQL.identifier(CUSTOMER_TABLE),
            direct_customers(),
        ),
        SQL(
            """
            INSERT INTO %(table)s
                   (company_id, day, user_id, order_count, completed_count, revenue, profit)
            SELECT so.company_id, %(day)s, so.user_id,
                   COUNT(*), COUNT(*) FILTER (WHERE so.xyz_completed),
                   SUM(%(revenue)s), SUM(%(profit)s)
              FROM (%(companies)s) AS company
              JOIN sale_order so ON so.company_id = company.company_id
             WHERE so.state = 'sale'
               AND so.user_id IS NOT NULL
               AND so.date_order < %(day_start)s
             GROUP BY 1, 2, 3
            """,
            table=SQL.identifier(DAILY_SALES_TABLE),
            companies=company_values,
            day=local_day(SQL("so.date_order"), SQL("company.tz")),
            day_start=day_start_utc(SQL("company.summary_day"), SQL("company.tz")),
            revenue=order_amount("amount_untaxed", SQL("company.digits")),
            profit=order_amount("margin", SQL("company.digits")),
        ),
        SQL(
            """
            INSERT INTO %(table)s (company_id, day, user_id, amount)
            SELECT payment.company_id, payment.date, payment.user_id, SUM(payment.amount)
              FROM (%(companies)s) AS company
              JOIN crm_xyz_received_payment payment ON payment.company_id = company.company_id
             WHERE payment.user_id IS NOT NULL
               AND payment.amount IS NOT NULL
               AND payment.date < company.summary_day
             GROUP BY 1, 2, 3
            """,
            table=SQL.identifier(DAILY_PAYMENTS_TABLE),
            companies=company_values,
        ),
        # what the change log held before the snapshot is in the summaries now
        SQL("DELETE FROM %s WHERE changed_at < %s", SQL.identifier(CHANGE_TABLE), since),
    ]


def direct_customers(of_customers=None):
    """Rows (partner_id, company_id, user_id, active, contact_data) of the commercial
    partners, from res_partner: every one, or those whose id the SQL ``of_customers``
    selects (read one by one: a few, written since a refresh). The contact data is
    that of the customer and its active contacts."""
    if of_customers is None:
        return SQL(
            """
            SELECT customer.id, customer.company_id, customer.user_id, customer.active,
                   COALESCE(members.data, 0)
              FROM res_partner customer
              LEFT JOIN (SELECT member.commercial_partner_id AS customer_id,
                                BIT_OR(%(contact_data)s) AS data
                           FROM res_partner member
                          WHERE member.active
                          GROUP BY member.commercial_partner_id) AS members
                ON members.customer_id = customer.id
             WHERE customer.id = customer.commercial_partner_id
            """,
            contact_data=SQL(PARTNER_CONTACT_DATA),
        )
    return SQL(
        """
        SELECT customer.id, customer.company_id, customer.user_id, customer.active,
               COALESCE((SELECT BIT_OR(%(contact_data)s)
                           FROM res_partner member
                          WHERE member.commercial_partner_id = customer.id
                            AND member.active), 0)
          FROM res_partner customer
         WHERE customer.id IN (%(of_customers)s)
           AND customer.id = customer.commercial_partner_id
        """,
        contact_data=SQL(PARTNER_CONTACT_DATA),
        of_customers=of_customers,
    )


# ------------------------------------------------------------------ reading
# The parameters of a read (``read_params``): company_id, tz, digits, and
#   all_direct           no valid refresh: everything from the documents
#   since                what was written from then on is read from the documents
#   summary_day          the summaries cover the days before it...
#   summary_start_utc    ...whose orders are dated before this UTC instant


def read_params(company_id, tz, digits, summary=None):
    """The parameters of a read for a company, from its refresh ``summary`` (a dict
    ``{"since", "summary_day"}``, None: read everything from the documents)."""
    from .classification_query import company_day_start_utc

    if summary is None:
        return {"company_id": company_id, "tz": tz, "digits": digits, "all_direct": True}
    return {
        "company_id": company_id,
        "tz": tz,
        "digits": digits,
        "all_direct": False,
        "since": summary["since"],
        "summary_day": summary["summary_day"],
        "summary_start_utc": company_day_start_utc(summary["summary_day"], tz),
    }


def _logged(kind, column, params, of_company=True):
    """The ``column`` of the change log's rows of ``kind`` since the refresh."""
    return SQL(
        """SELECT change.%(column)s FROM %(table)s change
            WHERE change.kind = %(kind)s AND change.changed_at >= %(since)s%(company)s""",
        column=SQL.identifier(column),
        table=SQL.identifier(CHANGE_TABLE),
        kind=kind,
        since=params["since"],
        company=SQL(" AND change.company_id = %s", params["company_id"]) if of_company else SQL(),
    )


def changed_partner_customers(params):
    """The commercial partners whose row may differ from the summary: those of the
    partners written since the refresh, and those partners had before (logged)."""
    return SQL(
        """SELECT partner.commercial_partner_id FROM res_partner partner
            WHERE partner.write_date >= %(since)s
            UNION
           %(logged)s""",
        since=params["since"],
        logged=_logged(CHANGE_CUSTOMER, "partner_id", params, of_company=False),
    )


def changed_customers(params, source):
    """The customers whose sale days of ``source`` may differ from the summary:
    changed_partner_customers() (a contact moved takes its orders along), and the
    customers of the company's documents dated from the refresh's day on or written
    since it."""
    if source == "invoice":
        documents = SQL(
            """SELECT am.commercial_partner_id FROM account_move am
                WHERE am.company_id = %(company_id)s
                  AND am.move_type = 'out_invoice'
                  AND (am.write_date >= %(since)s OR am.invoice_date >= %(summary_day)s)""",
            **params,
        )
    else:
        documents = SQL(
            """SELECT member.commercial_partner_id FROM sale_order so
                 JOIN res_partner member ON member.id = so.partner_id
                WHERE so.company_id = %(company_id)s
                  AND (so.write_date >= %(since)s OR so.date_order >= %(summary_start_utc)s)""",
            **params,
        )
    return SQL("%s UNION %s", changed_partner_customers(params), documents)


def customers(params):
    """Rows (partner_id, company_id, user_id, active, contact_data) of every commercial
    partner as it is now: the summary's rows, but those changed since, read from
    res_partner (``CUSTOMERS_CHANGED`` is a CTE of their ids, made by the caller
    with changed_partner_customers())."""
    if params["all_direct"]:
        return direct_customers()
    return SQL(
        """
        SELECT summary.partner_id, summary.company_id, summary.user_id, summary.active,
               summary.contact_data
          FROM %(table)s summary
         WHERE summary.partner_id NOT IN (SELECT partner_id FROM %(changed)s)
         UNION ALL
        %(direct)s
        """,
        table=SQL.identifier(CUSTOMER_TABLE),
        changed=CUSTOMERS_CHANGED,
        direct=direct_customers(SQL("SELECT partner_id FROM %s", CUSTOMERS_CHANGED)),
    )


# the CTE of the commercial partners changed since the refresh (customers())
CUSTOMERS_CHANGED = SQL.identifier("customers_changed")


def customer_windows(params):
    """Rows (partner_id, in_first, in_second): each customer of the company that bought
    in one of two windows of local days, and in which: the purchases of
    ``params["source"]`` (confirmed orders, or posted invoices: credit notes make no
    customer) as ``classification_query.company_customer_windows`` reads them from
    the documents. The windows are ``(start_window_floor, start_as_of]`` and
    ``(end_window_floor, date_to]``; for orders also given as UTC instants
    (``window_start_utc``, ``start_end_utc``, ``end_window_start_utc``,
    ``end_utc``). A company's own partners are not customers."""
    from .classification_query import company_customer_windows

    source = params["source"]
    window_params = {
        "company_id": params["company_id"],
        "first_floor": params["start_window_floor"],
        "first_last": params["start_as_of"],
        "second_floor": params["end_window_floor"],
        "as_of": params["date_to"],
        "first_start_utc": params["window_start_utc"],
        "first_end_utc": params["start_utc"],
        "second_start_utc": params["end_window_start_utc"],
        "cutoff_utc": params["end_utc"],
    }
    if params["all_direct"]:
        return SQL(company_customer_windows(source), **window_params)
    changed = SQL.identifier("window_customers_changed")
    if source == "invoice":
        direct = SQL(
            """
            SELECT am.commercial_partner_id AS partner_id,
                   BOOL_OR(am.invoice_date <= %(first_last)s) AS in_first,
                   BOOL_OR(am.invoice_date > %(second_floor)s) AS in_second
              FROM account_move am
             WHERE am.company_id = %(company_id)s
               AND am.state = 'posted'
               AND am.move_type = 'out_invoice'
               AND am.commercial_partner_id IN (SELECT partner_id FROM %(changed)s)
               AND am.invoice_date > %(first_floor)s
               AND am.invoice_date <= %(as_of)s
             GROUP BY am.commercial_partner_id
            """,
            changed=changed,
            **window_params,
        )
    else:
        direct = SQL(
            """
            SELECT member.commercial_partner_id AS partner_id,
                   BOOL_OR(so.date_order < %(first_end_utc)s) AS in_first,
                   BOOL_OR(so.date_order >= %(second_start_utc)s) AS in_second
              FROM res_partner member
              JOIN sale_order so ON so.partner_id = member.id
             WHERE member.commercial_partner_id IN (SELECT partner_id FROM %(changed)s)
               AND so.company_id = %(company_id)s
               AND so.state = 'sale'
               AND so.date_order >= %(first_start_utc)s
               AND so.date_order < %(cutoff_utc)s
             GROUP BY member.commercial_partner_id
            """,
            changed=changed,
            **window_params,
        )
    return SQL(
        """
        WITH %(changed)s AS MATERIALIZED (%(changed_customers)s)
        SELECT customer.partner_id, customer.in_first, customer.in_second
          FROM (SELECT days.partner_id,
                       days.sale_days && daterange(%(first_floor)s, %(first_last)s, '(]')
                           AS in_first,
                       days.sale_days && daterange(%(second_floor)s, %(as_of)s, '(]')
                           AS in_second
                  FROM %(table)s days
                 WHERE days.company_id = %(company_id)s
                   AND days.source = %(source)s
                   AND days.partner_id NOT IN (SELECT partner_id FROM %(changed)s)
                 UNION ALL
                %(direct)s) AS customer
         WHERE (customer.in_first OR customer.in_second)
           AND customer.partner_id NOT IN (SELECT partner_id FROM res_company)
        """,
        changed=changed,
        changed_customers=SQL(
            "SELECT changed.* FROM (%s) AS changed(partner_id)", changed_customers(params, source)
        ),
        table=SQL.identifier(SALE_DAYS_TABLE),
        source=source,
        direct=direct,
        **window_params,
    )


def _direct_ranges(params, changed_days):
    """Rows (start_utc, end_utc) of the period's instants read from the documents: the
    days from the refresh's day on, and the days ``changed_days`` (SQL of dates)."""
    return SQL(
        """
        SELECT GREATEST(%(start_utc)s, %(summary_start_utc)s), %(end_utc)s
         WHERE %(summary_start_utc)s < %(end_utc)s
         UNION ALL
        SELECT %(day_start)s, %(next_day_start)s
          FROM (SELECT DISTINCT changed.day FROM (%(changed_days)s) AS changed(day)) AS changed
         WHERE changed.day >= %(date_from)s AND changed.day <= %(date_to)s
           AND changed.day < %(summary_day)s
        """,
        start_utc=params["start_utc"],
        end_utc=params["end_utc"],
        summary_start_utc=params["summary_start_utc"],
        summary_day=params["summary_day"],
        date_from=params["date_from"],
        date_to=params["date_to"],
        day_start=day_start_utc(SQL("changed.day"), params["tz"]),
        next_day_start=day_start_utc(SQL("changed.day + 1"), params["tz"]),
        changed_days=changed_days,
    )


def changed_order_days(params):
    """The company's local days whose orders may differ from the summary: the days of
    the orders written since the refresh, and the days they had before (logged)."""
    return SQL(
        """SELECT %(day)s FROM sale_order so
            WHERE so.company_id = %(company_id)s AND so.write_date >= %(since)s
            UNION
           %(logged)s""",
        day=local_day(SQL("so.date_order"), params["tz"]),
        company_id=params["company_id"],
        since=params["since"],
        logged=_logged(CHANGE_ORDER_DAY, "day", params),
    )


def salesperson_orders(params):
    """Rows (user_id, completed, revenue, profit): the confirmed orders of the period
    of the salespeople ``user_ids``, in company currency, each order rounded: the
    summary's days, and the others from the orders."""
    order_sums = SQL(
        """SELECT so.user_id, so.xyz_completed::int AS completed,
                  %(revenue)s AS revenue, %(profit)s AS profit
             FROM sale_order so""",
        revenue=order_amount("amount_untaxed", params["digits"]),
        profit=order_amount("margin", params["digits"]),
    )
    if params["all_direct"]:
        return SQL(
            """%(orders)s
                WHERE so.company_id = %(company_id)s AND so.state = 'sale'
                  AND so.date_order >= %(start_utc)s AND so.date_order < %(end_utc)s
                  AND so.user_id = ANY(%(user_ids)s)""",
            orders=order_sums,
            **_pick(params, "company_id", "start_utc", "end_utc", "user_ids"),
        )
    changed = SQL.identifier("order_days_changed")
    return SQL(
        """
        WITH %(changed)s AS MATERIALIZED (%(changed_days)s),
        direct_ranges AS MATERIALIZED (%(direct_ranges)s)
        SELECT daily.user_id, daily.completed_count, daily.revenue, daily.profit
          FROM %(table)s daily
         WHERE daily.company_id = %(company_id)s
           AND daily.day >= %(date_from)s AND daily.day <= %(date_to)s
           AND daily.day NOT IN (SELECT day FROM %(changed)s)
           AND daily.user_id = ANY(%(user_ids)s)
         UNION ALL
        %(orders)s
          JOIN direct_ranges ON so.date_order >= direct_ranges.start_utc
                            AND so.date_order < direct_ranges.end_utc
         WHERE so.company_id = %(company_id)s AND so.state = 'sale'
           AND so.user_id = ANY(%(user_ids)s)
        """,
        changed=changed,
        changed_days=SQL("SELECT changed.* FROM (%s) AS changed(day)", changed_order_days(params)),
        direct_ranges=SQL(
            "SELECT ranges.* FROM (%s) AS ranges(start_utc, end_utc)",
            _direct_ranges(params, SQL("SELECT day FROM %s", changed)),
        ),
        table=SQL.identifier(DAILY_SALES_TABLE),
        orders=order_sums,
        **_pick(params, "company_id", "date_from", "date_to", "user_ids"),
    )


def changed_payment_days(params):
    """The days whose received payments may differ from the summary: those of the rows
    recorded since the refresh, and those the replaced or deleted rows had (logged)."""
    return SQL(
        """SELECT payment.date FROM crm_xyz_received_payment payment
            WHERE payment.company_id = %(company_id)s AND payment.recorded_at >= %(since)s
            UNION
           %(logged)s""",
        company_id=params["company_id"],
        since=params["since"],
        logged=_logged(CHANGE_PAYMENT_DAY, "day", params),
    )


def salesperson_payments(params):
    """Rows (user_id, amount): the received payments of the period of the salespeople
    ``user_ids`` (crm_xyz_received_payment): the summary's days, the others from
    the received payments."""
    if params["all_direct"]:
        return SQL(
            """SELECT payment.user_id, payment.amount FROM crm_xyz_received_payment payment
                WHERE payment.company_id = %(company_id)s
                  AND payment.date >= %(date_from)s AND payment.date <= %(date_to)s
                  AND payment.user_id = ANY(%(user_ids)s)""",
            **_pick(params, "company_id", "date_from", "date_to", "user_ids"),
        )
    changed = SQL.identifier("payment_days_changed")
    return SQL(
        """
        WITH %(changed)s AS MATERIALIZED (
            SELECT changed.* FROM (%(changed_days)s) AS changed(day)
        )
        SELECT daily.user_id, daily.amount
          FROM %(table)s daily
         WHERE daily.company_id = %(company_id)s
           AND daily.day >= %(date_from)s AND daily.day <= %(date_to)s
           AND daily.day NOT IN (SELECT day FROM %(changed)s)
           AND daily.user_id = ANY(%(user_ids)s)
         UNION ALL
        SELECT payment.user_id, payment.amount
          FROM crm_xyz_received_payment payment
         WHERE payment.company_id = %(company_id)s
           AND payment.date >= %(date_from)s AND payment.date <= %(date_to)s
           AND (payment.date >= %(summary_day)s
                OR payment.date IN (SELECT day FROM %(changed)s))
           AND payment.user_id = ANY(%(user_ids)s)
        """,
        changed=changed,
        changed_days=changed_payment_days(params),
        table=SQL.identifier(DAILY_PAYMENTS_TABLE),
        **_pick(params, "company_id", "date_from", "date_to", "summary_day", "user_ids"),
    )


def _pick(params, *names):
    return {name: params[name] for name in names}


# ------------------------------------------------------------------ the change log
def log_order_changes(order_ids):
    """Log the day and customer the orders ``order_ids`` have in the database, before a
    write moves them or they are deleted: only those dated before today (a summary
    holds no later day)."""
    return SQL(
        """
        WITH old AS (
            SELECT so.company_id, %(day)s AS day, member.commercial_partner_id AS partner_id,
                   (now() AT TIME ZONE %(tz)s)::date AS today
              FROM sale_order so
              JOIN res_company company ON company.id = so.company_id
              JOIN res_partner company_partner ON company_partner.id = company.partner_id
              LEFT JOIN res_partner member ON member.id = so.partner_id
             WHERE so.id = ANY(%(order_ids)s)
        )
        INSERT INTO %(table)s (kind, company_id, day, partner_id)
        SELECT %(order_day)s, old.company_id, old.day, NULL FROM old WHERE old.day < old.today
         UNION ALL
        SELECT %(customer)s, NULL, NULL, old.partner_id FROM old
         WHERE old.day < old.today AND old.partner_id IS NOT NULL
        """,
        day=local_day(SQL("so.date_order"), SQL(COMPANY_TZ)),
        tz=SQL(COMPANY_TZ),
        order_ids=list(order_ids),
        table=SQL.identifier(CHANGE_TABLE),
        order_day=CHANGE_ORDER_DAY,
        customer=CHANGE_CUSTOMER,
    )


def log_invoice_changes(move_ids):
    """Log the customer the customer invoices ``move_ids`` have in the database, before a
    write moves them or they are deleted (only those dated before today)."""
    return SQL(
        """
        INSERT INTO %(table)s (kind, partner_id)
        SELECT DISTINCT %(customer)s, am.commercial_partner_id
          FROM account_move am
         WHERE am.id = ANY(%(move_ids)s)
           AND am.move_type = 'out_invoice'
           AND am.commercial_partner_id IS NOT NULL
           AND am.invoice_date < (now() AT TIME ZONE 'UTC')::date + 1
        """,
        table=SQL.identifier(CHANGE_TABLE),
        customer=CHANGE_CUSTOMER,
        move_ids=list(move_ids),
    )


def log_partner_changes(partner_ids):
    """Log the commercial partners that the partners ``partner_ids`` have in the
    database (and the partners themselves), before a write may move them to another
    commercial partner, or they are deleted or merged."""
    return SQL(
        """
        INSERT INTO %(table)s (kind, partner_id)
        SELECT DISTINCT %(customer)s, customer_id
          FROM res_partner partner,
               LATERAL (VALUES (partner.id), (partner.commercial_partner_id)) AS c(customer_id)
         WHERE partner.id = ANY(%(partner_ids)s) AND customer_id IS NOT NULL
        """,
        table=SQL.identifier(CHANGE_TABLE),
        customer=CHANGE_CUSTOMER,
        partner_ids=list(partner_ids),
    )


def log_payment_changes(partial_ids):
    """Log the days the received payments of the reconciliations ``partial_ids`` have,
    before they are rewritten or deleted."""
    return SQL(
        """
        INSERT INTO %(table)s (kind, company_id, day)
        SELECT DISTINCT %(payment_day)s, payment.company_id, payment.date
          FROM crm_xyz_received_payment payment
         WHERE payment.partial_id = ANY(%(partial_ids)s)
        """,
        table=SQL.identifier(CHANGE_TABLE),
        payment_day=CHANGE_PAYMENT_DAY,
        partial_ids=list(partial_ids),
    )
