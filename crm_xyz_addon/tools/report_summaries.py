"""What the manager report reads instead of a year of documents: summaries of past
days, rebuilt set-based every night, read together with what changed since.

Some indicators need, for every customer or every salesperson of a company,
what the documents only give by a long scan (a year or two of orders, every
contact). The nightly refresh (``crm.xyz.report.summary``) writes narrow rows
for them, from the documents as they are at its snapshot:

* **orders** (completed orders, revenue, profit; retention):
  ``crm_xyz_summary_order``, one row per confirmed order: its company,
  customer (commercial partner), local day, salesperson, completed flag, untaxed
  amount and margin in company currency (rounded as the report sums them);
* **daily sales**: ``crm_xyz_summary_daily_sales``, the orders summed per
  company, local day and salesperson;
* **sale days** (retention asks whether each customer bought in two windows of
  days): ``crm_xyz_summary_sale_days``, per company, source and customer, the
  local days (``datemultirange``) it bought on: the summary's orders (source
  'order'), posted customer invoices on their invoice date (source 'invoice');
* **customers** (every indicator counts for the salesperson of a customer;
  completeness asks for an email, a phone, an address, on the customer or one
  of its active contacts): ``crm_xyz_summary_customer``, one row per
  commercial partner: its company, salesperson, active flag and contact data
  as ``CONTACT_DATA_*`` bits;
* **daily payments**: ``crm_xyz_summary_daily_payments``, per company, payment
  date and salesperson, the sum of the received payments
  (``crm_xyz_received_payment``).

Nothing here runs when Odoo writes its documents: no trigger, no shared row.
The summaries cover the days before the refresh's day (``summary_day``, the
company's date when it ran). A read takes them as they are, and corrects them
with what may have changed since the refresh's snapshot, read from the
documents themselves:

* every day from ``summary_day`` on (today's documents, whoever writes them);
* the documents written since: ``write_date`` at or after ``since``, the start
  of the oldest transaction still running when the refresh took its snapshot,
  so that nothing it could not see is missed. A changed order counts as it is
  now instead of as the summary has it (its row of ``crm_xyz_summary_order``
  says what to take away); a customer whose invoices or contact data changed is
  read again from the documents;
* what ``write_date`` cannot show, appended by the ORM to
  ``crm_xyz_summary_change`` (one row per write, never a shared row; CHANGE_*
  below): the orders deleted, the customers a contact, an invoice or a merge
  moved documents from or to, the days of payments undone or rewritten.

A company without a valid refresh (none yet, or its time zone, currency or
rounding changed since) is read from the documents alone. SQL that bypasses
the ORM on a past day sets no ``write_date``: the report sees it from the next
refresh on.
"""

from odoo.tools import SQL

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG

from .company_sales import (
    CONFIRMED_ORDER,
    DAY_START_UTC,
    LOCAL_DAY,
    ORDER_AMOUNT,
    POSTED_INVOICE,
    company_customer_windows,
    company_day_start_utc,
)

# ------------------------------------------------------------------ tables
ORDER_TABLE = "crm_xyz_summary_order"
SALE_DAYS_TABLE = "crm_xyz_summary_sale_days"
CUSTOMER_TABLE = "crm_xyz_summary_customer"
RANGE_TABLE = "crm_xyz_summary_salesperson_range"
DAILY_SALES_TABLE = "crm_xyz_summary_daily_sales"
DAILY_PAYMENTS_TABLE = "crm_xyz_summary_daily_payments"
CHANGE_TABLE = "crm_xyz_summary_change"

# no foreign key to Odoo's tables: nothing of the report runs when they are written
# (a row of a deleted partner or company is left until the next refresh, and the
# change log says which customers to read again)
TABLES = {
    ORDER_TABLE: f"""
        CREATE TABLE {ORDER_TABLE} (
            order_id integer PRIMARY KEY,
            company_id integer NOT NULL,
            customer_id integer,
            day date NOT NULL,
            user_id integer,
            completed boolean NOT NULL,
            revenue numeric,
            profit numeric
        )""",
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
    # the customer's salesperson history (crm_xyz_salesperson_history) in ranges, with
    # the customer's company and active flag
    RANGE_TABLE: f"""
        CREATE TABLE {RANGE_TABLE} (
            customer_id integer NOT NULL,
            company_id integer,
            active boolean NOT NULL,
            user_id integer,
            valid_from timestamp NOT NULL,
            valid_to timestamp NOT NULL
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
            partner_id integer,
            order_id integer
        )""",
}
# indexes of the summary tables: (name, table, columns, predicate)
SUMMARY_INDEXES = (
    ("crm_xyz_summary_change_changed_at_idx", CHANGE_TABLE, ("changed_at",), None),
    # a customer's orders, written in this order by the refresh (retention)
    ("crm_xyz_summary_order_customer_idx", ORDER_TABLE, ("company_id", "customer_id"), None),
)

# What the change log holds: an order deleted (``order_id``); a customer (commercial
# partner, ``partner_id``) that a contact left or joined, or that was merged or
# deleted, whose sale days and row are read again from the documents; a customer an
# invoice left (its invoice sale days only); a past day of a company's payments whose
# rows were rewritten or deleted (``company_id``, ``day``).
CHANGE_ORDER = "order"
CHANGE_CUSTOMER = "customer"
CHANGE_INVOICE_CUSTOMER = "invoice_customer"
CHANGE_PAYMENT_DAY = "payment_day"

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
    return SQL(LOCAL_DAY.format(moment="%s", tz="%s"), column, tz)


def day_start_utc(day, tz):
    """The UTC instant (naive) at which the local day ``day`` (SQL) starts in ``tz``."""
    return SQL(DAY_START_UTC.format(day="%s", tz="%s"), day, tz)


def order_amount(column, digits):
    """An amount of an order ``so`` in company currency, rounded as the report sums it
    (an empty one as 0)."""
    return SQL(
        ORDER_AMOUNT.format(value="COALESCE(%s, 0)", digits="%s"),
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
        for table in (
            ORDER_TABLE,
            SALE_DAYS_TABLE,
            CUSTOMER_TABLE,
            RANGE_TABLE,
            DAILY_SALES_TABLE,
            DAILY_PAYMENTS_TABLE,
        )
    ] + [
        # in the order of a customer's rows: retention reads a few customers' rows
        SQL(
            """
            INSERT INTO %(table)s
                   (order_id, company_id, customer_id, day, user_id, completed, revenue, profit)
            SELECT so.id, so.company_id, member.commercial_partner_id, %(day)s, so.user_id,
                   COALESCE(so.xyz_completed, FALSE), %(revenue)s, %(profit)s
              FROM (%(companies)s) AS company
              JOIN sale_order so ON so.company_id = company.company_id
              LEFT JOIN res_partner member ON member.id = so.partner_id
             WHERE %(confirmed_order)s
               AND so.date_order < %(day_start)s
             ORDER BY so.company_id, member.commercial_partner_id, so.date_order
            """,
            confirmed_order=SQL(CONFIRMED_ORDER),
            table=SQL.identifier(ORDER_TABLE),
            companies=company_values,
            day=local_day(SQL("so.date_order"), SQL("company.tz")),
            day_start=day_start_utc(SQL("company.summary_day"), SQL("company.tz")),
            revenue=order_amount("amount_untaxed", SQL("company.digits")),
            profit=order_amount("margin", SQL("company.digits")),
        ),
        SQL(
            """
            INSERT INTO %(table)s (company_id, source, partner_id, sale_days)
            SELECT sale.company_id, 'order', sale.customer_id,
                   range_agg(daterange(sale.day, sale.day, '[]'))
              FROM (SELECT DISTINCT company_id, customer_id, day FROM %(orders)s
                     WHERE customer_id IS NOT NULL) AS sale
             GROUP BY sale.company_id, sale.customer_id
            """,
            table=SQL.identifier(SALE_DAYS_TABLE),
            orders=SQL.identifier(ORDER_TABLE),
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
                     WHERE %(posted_invoice)s
                       AND am.invoice_date < company.summary_day
                       AND am.commercial_partner_id IS NOT NULL) AS sale
             GROUP BY sale.company_id, sale.partner_id
            """,
            posted_invoice=SQL(POSTED_INVOICE),
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
            INSERT INTO %(table)s (customer_id, user_id, valid_from, valid_to, company_id, active)
            %(ranges)s
            """,
            table=SQL.identifier(RANGE_TABLE),
            ranges=_ranges_of(
                SQL.identifier(CUSTOMER_TABLE), SQL(", customer.company_id, customer.active")
            ),
        ),
        SQL(
            """
            INSERT INTO %(table)s
                   (company_id, day, user_id, order_count, completed_count, revenue, profit)
            SELECT company_id, day, user_id, COUNT(*), COUNT(*) FILTER (WHERE completed),
                   SUM(revenue), SUM(profit)
              FROM %(orders)s
             WHERE user_id IS NOT NULL
             GROUP BY 1, 2, 3
            """,
            table=SQL.identifier(DAILY_SALES_TABLE),
            orders=SQL.identifier(ORDER_TABLE),
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
            WHERE change.kind = %(kind)s AND change.changed_at >= %(since)s
              AND change.%(column)s IS NOT NULL%(company)s""",
        column=SQL.identifier(column),
        table=SQL.identifier(CHANGE_TABLE),
        kind=kind,
        since=params["since"],
        company=SQL(" AND change.company_id = %s", params["company_id"]) if of_company else SQL(),
    )


def changed_partner_customers(params):
    """The commercial partners whose row may differ from the summary: those of the
    partners written since the refresh, and the customers the log names (a contact
    left or joined them, they were merged or deleted)."""
    return SQL(
        """SELECT partner.commercial_partner_id FROM res_partner partner
            WHERE partner.write_date >= %(since)s AND partner.commercial_partner_id IS NOT NULL
            UNION
           %(logged)s""",
        since=params["since"],
        logged=_logged(CHANGE_CUSTOMER, "partner_id", params, of_company=False),
    )


def report_customers(params):
    """Rows (partner_id, user_id, contact_data) of the report's customers as they are
    now (REPORT_CUSTOMER): the summary's rows, but those changed since, read from
    res_partner (the caller's CTEs: ``CUSTOMERS_CHANGED``, their ids, from
    changed_partner_customers(), and ``CHANGED_REPORT_CUSTOMERS``, their rows, from
    changed_report_customers()). Filtered on the tables themselves: the joins on them
    are planned with their statistics."""
    of_company = SQL(REPORT_CUSTOMER, params["company_id"])
    if params["all_direct"]:
        return SQL(
            "SELECT customer.partner_id, customer.user_id, customer.contact_data "
            "FROM (%s) AS customer(partner_id, company_id, user_id, active, contact_data) "
            "WHERE %s",
            direct_customers(),
            of_company,
        )
    return SQL(
        """
        SELECT customer.partner_id, customer.user_id, customer.contact_data
          FROM %(table)s customer
         WHERE NOT EXISTS (SELECT 1 FROM %(changed)s changed
                            WHERE changed.partner_id = customer.partner_id)
           AND %(of_company)s
         UNION ALL
        SELECT * FROM %(changed_rows)s
        """,
        table=SQL.identifier(CUSTOMER_TABLE),
        changed=CUSTOMERS_CHANGED,
        changed_rows=CHANGED_REPORT_CUSTOMERS,
        of_company=of_company,
    )


def changed_report_customers(params):
    """Rows (partner_id, user_id, contact_data) of the report's customers among those
    changed since the refresh (``CUSTOMERS_CHANGED``), read from res_partner."""
    return SQL(
        """SELECT customer.partner_id, customer.user_id, customer.contact_data
             FROM (%s) AS customer(partner_id, company_id, user_id, active, contact_data)
            WHERE %s""",
        direct_customers(SQL("SELECT partner_id FROM %s", CUSTOMERS_CHANGED)),
        SQL(REPORT_CUSTOMER, params["company_id"]),
    )


# the report's customers: active, shared between companies or of the report's company
# (%s), other than a company's own partner
REPORT_CUSTOMER = """customer.active
    AND (customer.company_id IS NULL OR customer.company_id = %s)
    AND NOT EXISTS (SELECT 1 FROM res_company WHERE res_company.partner_id = customer.partner_id)"""


def _ranges_of(customers, extra=None):
    """Rows (customer_id, user_id, valid_from, valid_to, *extra) of the customers of
    the relation ``customers`` (with partner_id and user_id; ``extra``: more of its
    columns, aliased ``customer``): who was the salesperson of each from
    ``valid_from`` (included) to ``valid_to`` (excluded), UTC. From the salesperson
    history; its first row of a customer reaches back to the beginning (documents
    dated before the customer was recorded belong to its first salesperson). A
    customer without any row (its salesperson set by SQL, or never set) has its
    salesperson of now, at any time."""
    return SQL(
        """
        SELECT customer.partner_id AS customer_id,
               CASE WHEN history.id IS NULL THEN customer.user_id
                    ELSE history.user_id END AS user_id,
               COALESCE(history.valid_from, '-infinity'::timestamp) AS valid_from,
               COALESCE(history.date_to, 'infinity'::timestamp) AS valid_to%(extra)s
          FROM %(customers)s customer
          LEFT JOIN crm_xyz_salesperson_history history
            ON history.partner_id = customer.partner_id
         WHERE history.id IS NOT NULL OR customer.user_id IS NOT NULL
        """,
        customers=customers,
        extra=extra or SQL(),
    )


def salesperson_ranges(params):
    """Rows (customer_id, user_id, valid_from, valid_to) of the report's customers
    (``report_customers``, a CTE of the caller): the summary's ranges, but those of
    the customers changed since or whose salesperson history changed since, read
    again (_ranges_of())."""
    if params["all_direct"]:
        return _ranges_of(SQL("report_customers"))
    return SQL(
        """
        WITH history_changed AS MATERIALIZED (
            SELECT history.partner_id FROM crm_xyz_salesperson_history history
             WHERE history.write_date >= %(since)s
            EXCEPT
            SELECT partner_id FROM %(customers_changed)s
        )
        SELECT ranges.customer_id, ranges.user_id, ranges.valid_from, ranges.valid_to
          FROM %(table)s ranges
         WHERE ranges.active
           AND (ranges.company_id IS NULL OR ranges.company_id = %(company_id)s)
           AND NOT EXISTS (SELECT 1 FROM res_company
                            WHERE res_company.partner_id = ranges.customer_id)
           AND NOT EXISTS (SELECT 1 FROM %(customers_changed)s changed
                            WHERE changed.partner_id = ranges.customer_id)
           AND NOT EXISTS (SELECT 1 FROM history_changed changed
                            WHERE changed.partner_id = ranges.customer_id)
         UNION ALL
        %(read_again)s
        """,
        customers_changed=CUSTOMERS_CHANGED,
        table=SQL.identifier(RANGE_TABLE),
        read_again=_ranges_of(
            SQL(
                """(SELECT * FROM %(changed_rows)s
                     UNION ALL
                    SELECT customer.partner_id, customer.user_id, customer.contact_data
                      FROM %(customers)s customer
                     WHERE customer.partner_id IN (SELECT partner_id FROM history_changed)
                       AND %(of_company)s)""",
                changed_rows=CHANGED_REPORT_CUSTOMERS,
                customers=SQL.identifier(CUSTOMER_TABLE),
                of_company=SQL(REPORT_CUSTOMER, params["company_id"]),
            )
        ),
        **_pick(params, "since", "company_id"),
    )


# the CTEs of the commercial partners changed since the refresh, and of their rows
# among the report's customers (report_customers())
CUSTOMERS_CHANGED = SQL.identifier("customers_changed")
CHANGED_REPORT_CUSTOMERS = SQL.identifier("changed_report_customers")
# the CTE of the orders changed since the refresh (changed_orders())
ORDERS_CHANGED = SQL.identifier("orders_changed")


def changed_orders(params):
    """The orders, of any company, whose row of the summary may be wrong: written since
    the refresh, or deleted (logged). They count as they are now."""
    return SQL(
        """SELECT so.id FROM sale_order so WHERE so.write_date >= %(since)s
            UNION
           %(logged)s""",
        since=params["since"],
        logged=_logged(CHANGE_ORDER, "order_id", params, of_company=False),
    )


def _orders_changed_cte(params):
    return SQL(
        "%s AS MATERIALIZED (SELECT changed.* FROM (%s) AS changed(id))",
        ORDERS_CHANGED,
        changed_orders(params),
    )


def customer_windows(params):
    """Rows (partner_id, in_first, in_second): each customer of the company that bought
    in one of two windows of local days, and in which: the purchases of
    ``params["source"]`` (confirmed orders, or posted invoices: credit notes make no
    customer) as ``company_sales.company_customer_windows`` reads them from
    the documents. The windows are ``(start_window_floor, start_as_of]`` and
    ``(end_window_floor, date_to]``; for orders also given as UTC instants
    (``window_start_utc``, ``start_utc``, ``end_window_start_utc``, ``end_utc``).
    A company's own partners are not customers."""
    source = params["source"]
    window_params = _window_params(params)
    if params["all_direct"]:
        return SQL(company_customer_windows(source), **window_params)
    changed, read_again = _window_customers_changed(params, window_params)
    return SQL(
        """
        WITH %(changed)s
        SELECT customer.partner_id, customer.in_first, customer.in_second
          FROM (SELECT days.partner_id,
                       days.sale_days && daterange(%(first_floor)s, %(first_last)s, '(]')
                           AS in_first,
                       days.sale_days && daterange(%(second_floor)s, %(as_of)s, '(]')
                           AS in_second
                  FROM %(table)s days
                 WHERE days.company_id = %(company_id)s
                   AND days.source = %(source)s
                   AND NOT EXISTS (SELECT 1 FROM window_customers_changed changed
                                    WHERE changed.partner_id = days.partner_id)
                 UNION ALL
                %(read_again)s) AS customer
         WHERE (customer.in_first OR customer.in_second)
           AND NOT EXISTS (SELECT 1 FROM res_company
                            WHERE res_company.partner_id = customer.partner_id)
        """,
        changed=changed,
        read_again=read_again,
        table=SQL.identifier(SALE_DAYS_TABLE),
        source=source,
        **window_params,
    )


def _window_params(params):
    """The parameters of company_customer_windows() from the report's."""
    return {
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


def _window_customers_changed(params, window_params):
    if params["source"] == "invoice":
        return _invoice_customers_changed(params, window_params)
    return _order_customers_changed(params, window_params)


def window_customers_changed(params):
    """The customers whose sale days of ``params["source"]`` customer_windows() reads
    again from the documents (rows ``(partner_id,)``)."""
    changed, _read_again = _window_customers_changed(params, _window_params(params))
    return SQL("WITH %s SELECT partner_id FROM window_customers_changed", changed)


def _invoice_customers_changed(params, window_params):
    """The CTE ``window_customers_changed`` of the customers whose invoice sale days may
    differ from the summary (their invoices written since the refresh or dated from
    its day on, and the customers the log names), and their windows read again from
    their posted invoices."""
    changed = SQL(
        """
        window_customers_changed AS MATERIALIZED (
            SELECT am.commercial_partner_id AS partner_id FROM account_move am
             WHERE am.company_id = %(company_id)s AND am.move_type = 'out_invoice'
               AND (am.write_date >= %(since)s OR am.invoice_date >= %(summary_day)s)
               AND am.commercial_partner_id IS NOT NULL
             UNION
            %(moved)s
             UNION
            %(invoice_moved)s
        )
        """,
        moved=_logged(CHANGE_CUSTOMER, "partner_id", params, of_company=False),
        invoice_moved=_logged(CHANGE_INVOICE_CUSTOMER, "partner_id", params, of_company=False),
        **_pick(params, "company_id", "since", "summary_day"),
    )
    read_again = SQL(
        company_customer_windows("invoice", "SELECT partner_id FROM window_customers_changed"),
        **window_params,
    )
    return changed, read_again


def _order_customers_changed(params, window_params):
    """The CTE ``window_customers_changed`` of the customers whose order sale days may
    differ from the summary, and their windows read again.

    Two kinds: the customers the log names (a contact left or joined them: which
    orders are theirs changed), read again from all their orders; the customers of
    the orders changed since the refresh or dated from its day on (before and after
    the change), whose other orders keep their row of the summary: read again from
    those rows and the orders changed.
    """
    changed = SQL(
        """
        %(orders_changed)s,
        moved_customers AS MATERIALIZED (%(moved)s),
        window_customers_changed AS MATERIALIZED (
            SELECT snapshot.customer_id AS partner_id
              FROM %(orders)s snapshot
             WHERE snapshot.order_id IN (SELECT id FROM %(orders_changed_cte)s)
               AND snapshot.company_id = %(company_id)s
               AND snapshot.customer_id IS NOT NULL
             UNION
            SELECT member.commercial_partner_id
              FROM %(orders_changed_cte)s changed
              JOIN sale_order so ON so.id = changed.id
              JOIN res_partner member ON member.id = so.partner_id
             WHERE so.company_id = %(company_id)s
               AND member.commercial_partner_id IS NOT NULL
             UNION
            SELECT member.commercial_partner_id
              FROM sale_order so
              JOIN res_partner member ON member.id = so.partner_id
             WHERE so.company_id = %(company_id)s
               AND so.date_order >= %(summary_start_utc)s
               AND member.commercial_partner_id IS NOT NULL
             UNION
            SELECT partner_id FROM moved_customers
        )
        """,
        orders_changed=_orders_changed_cte(params),
        orders_changed_cte=ORDERS_CHANGED,
        moved=SQL(
            "SELECT logged.* FROM (%s) AS logged(partner_id)",
            _logged(CHANGE_CUSTOMER, "partner_id", params, of_company=False),
        ),
        orders=SQL.identifier(ORDER_TABLE),
        **_pick(params, "company_id", "summary_start_utc"),
    )
    day = local_day(SQL("so.date_order"), params["tz"])
    read_again = SQL(
        """
        SELECT sale.partner_id,
               BOOL_OR(sale.day <= %(first_last)s) AS in_first,
               BOOL_OR(sale.day > %(second_floor)s) AS in_second
          FROM (
            -- the moved customers: all their orders, through their contacts now
            SELECT member.commercial_partner_id AS partner_id, %(day)s AS day
              FROM res_partner member
              JOIN sale_order so ON so.partner_id = member.id
             WHERE member.commercial_partner_id IN (SELECT partner_id FROM moved_customers)
               AND so.company_id = %(company_id)s
               AND %(confirmed_order)s
               AND so.date_order >= %(first_start_utc)s
               AND so.date_order < %(cutoff_utc)s
             UNION ALL
            -- the others: their orders of the summary that did not change...
            SELECT snapshot.customer_id, snapshot.day
              FROM %(orders)s snapshot
             WHERE snapshot.company_id = %(company_id)s
               AND snapshot.customer_id IN (SELECT partner_id FROM window_customers_changed)
               AND snapshot.customer_id NOT IN (SELECT partner_id FROM moved_customers)
               AND snapshot.order_id NOT IN (SELECT id FROM %(orders_changed_cte)s)
               AND snapshot.day > %(first_floor)s AND snapshot.day <= %(as_of)s
             UNION ALL
            -- ... and their orders changed since or dated from the refresh's day on (their
            -- customers are all among window_customers_changed)
            SELECT member.commercial_partner_id, %(day)s
              FROM %(orders_changed_cte)s changed
              JOIN sale_order so ON so.id = changed.id
              JOIN res_partner member ON member.id = so.partner_id
             WHERE so.company_id = %(company_id)s
               AND %(confirmed_order)s
               AND so.date_order >= %(first_start_utc)s
               AND so.date_order < %(cutoff_utc)s
               AND member.commercial_partner_id NOT IN (SELECT partner_id FROM moved_customers)
             UNION ALL
            SELECT member.commercial_partner_id, %(day)s
              FROM sale_order so
              JOIN res_partner member ON member.id = so.partner_id
             WHERE so.company_id = %(company_id)s
               AND %(confirmed_order)s
               AND so.date_order >= GREATEST(%(first_start_utc)s, %(summary_start_utc)s)
               AND so.date_order < %(cutoff_utc)s
               AND member.commercial_partner_id NOT IN (SELECT partner_id FROM moved_customers)
          ) AS sale
         WHERE sale.day > %(first_floor)s AND sale.day <= %(as_of)s
         GROUP BY sale.partner_id
        """,
        confirmed_order=SQL(CONFIRMED_ORDER),
        day=day,
        orders=SQL.identifier(ORDER_TABLE),
        orders_changed_cte=ORDERS_CHANGED,
        summary_start_utc=params["summary_start_utc"],
        **window_params,
    )
    return changed, read_again


def salesperson_orders(params):
    """Rows (user_id, completed, revenue, profit) whose sums per salesperson are the
    confirmed orders of the period of the salespeople ``user_ids``, in company
    currency, each order rounded: the summary's daily sales, less the summary's
    rows of the orders changed since, plus those orders as they are now and the
    orders dated from the refresh's day on."""
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
                WHERE so.company_id = %(company_id)s AND %(confirmed_order)s
                  AND so.date_order >= %(start_utc)s AND so.date_order < %(end_utc)s
                  AND so.user_id = ANY(%(user_ids)s)""",
            confirmed_order=SQL(CONFIRMED_ORDER),
            orders=order_sums,
            **_pick(params, "company_id", "start_utc", "end_utc", "user_ids"),
        )
    return SQL(
        """
        WITH %(orders_changed)s
        SELECT daily.user_id, daily.completed_count, daily.revenue, daily.profit
          FROM %(daily)s daily
         WHERE daily.company_id = %(company_id)s
           AND daily.day >= %(date_from)s AND daily.day <= %(date_to)s
           AND daily.user_id = ANY(%(user_ids)s)
         UNION ALL
        SELECT snapshot.user_id, -snapshot.completed::int, -snapshot.revenue, -snapshot.profit
          FROM %(snapshot)s snapshot
         WHERE snapshot.order_id IN (SELECT id FROM %(orders_changed_cte)s)
           AND snapshot.company_id = %(company_id)s
           AND snapshot.day >= %(date_from)s AND snapshot.day <= %(date_to)s
           AND snapshot.user_id = ANY(%(user_ids)s)
         UNION ALL
        %(orders)s
         WHERE so.id IN (SELECT id FROM %(orders_changed_cte)s)
           AND so.company_id = %(company_id)s AND %(confirmed_order)s
           AND so.date_order >= %(start_utc)s AND so.date_order < %(end_utc)s
           AND so.user_id = ANY(%(user_ids)s)
         UNION ALL
        %(orders)s
         WHERE so.date_order >= GREATEST(%(start_utc)s, %(summary_start_utc)s)
           AND so.date_order < %(end_utc)s
           AND so.id NOT IN (SELECT id FROM %(orders_changed_cte)s)
           AND so.company_id = %(company_id)s AND %(confirmed_order)s
           AND so.user_id = ANY(%(user_ids)s)
        """,
        confirmed_order=SQL(CONFIRMED_ORDER),
        orders_changed=_orders_changed_cte(params),
        orders_changed_cte=ORDERS_CHANGED,
        daily=SQL.identifier(DAILY_SALES_TABLE),
        snapshot=SQL.identifier(ORDER_TABLE),
        orders=order_sums,
        **_pick(
            params,
            "company_id",
            "date_from",
            "date_to",
            "start_utc",
            "end_utc",
            "summary_start_utc",
            "user_ids",
        ),
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
    """Rows (user_id, amount) whose sums per salesperson are the received payments of
    the period of the salespeople ``user_ids`` (crm_xyz_received_payment): the
    summary's days, the others (from the refresh's day on, or changed since) from
    the received payments."""
    if params["all_direct"]:
        return SQL(
            """SELECT payment.user_id, payment.amount FROM crm_xyz_received_payment payment
                WHERE payment.company_id = %(company_id)s
                  AND payment.date >= %(date_from)s AND payment.date <= %(date_to)s
                  AND payment.user_id = ANY(%(user_ids)s)""",
            **_pick(params, "company_id", "date_from", "date_to", "user_ids"),
        )
    return SQL(
        """
        WITH payment_days_changed AS MATERIALIZED (
            SELECT changed.* FROM (%(changed_days)s) AS changed(day)
        )
        SELECT daily.user_id, daily.amount
          FROM %(table)s daily
         WHERE daily.company_id = %(company_id)s
           AND daily.day >= %(date_from)s AND daily.day <= %(date_to)s
           AND daily.day NOT IN (SELECT day FROM payment_days_changed)
           AND daily.user_id = ANY(%(user_ids)s)
         UNION ALL
        SELECT payment.user_id, payment.amount
          FROM crm_xyz_received_payment payment
         WHERE payment.company_id = %(company_id)s
           AND payment.date >= %(date_from)s AND payment.date <= %(date_to)s
           AND (payment.date >= %(summary_day)s
                OR payment.date IN (SELECT day FROM payment_days_changed))
           AND payment.user_id = ANY(%(user_ids)s)
        """,
        changed_days=changed_payment_days(params),
        table=SQL.identifier(DAILY_PAYMENTS_TABLE),
        **_pick(params, "company_id", "date_from", "date_to", "summary_day", "user_ids"),
    )


def _pick(params, *names):
    return {name: params[name] for name in names}


# ------------------------------------------------------------------ the change log
def log_changes(env, query):
    """Append to the change log (``query``, one of the log_* below), unless the addon is
    being uninstalled (its tables are gone while Odoo deletes its records)."""
    if not env.context.get(MODULE_UNINSTALL_FLAG):
        env.cr.execute(query)


def log_order_deletions(order_ids):
    """Log the orders ``order_ids``, about to be deleted: their rows of the summary no
    longer count."""
    return SQL(
        """INSERT INTO %(table)s (kind, order_id)
           SELECT %(kind)s, UNNEST(%(order_ids)s::integer[])""",
        table=SQL.identifier(CHANGE_TABLE),
        kind=CHANGE_ORDER,
        order_ids=list(order_ids),
    )


def log_invoice_changes(move_ids):
    """Log the customer the customer invoices ``move_ids`` have in the database, before a
    write moves them or they are deleted (only those dated before tomorrow: the
    summaries hold no later day)."""
    return SQL(
        """
        INSERT INTO %(table)s (kind, partner_id)
        SELECT DISTINCT %(kind)s, am.commercial_partner_id
          FROM account_move am
         WHERE am.id = ANY(%(move_ids)s)
           AND am.move_type = 'out_invoice'
           AND am.commercial_partner_id IS NOT NULL
           AND am.invoice_date < (now() AT TIME ZONE 'UTC')::date + 1
        """,
        table=SQL.identifier(CHANGE_TABLE),
        kind=CHANGE_INVOICE_CUSTOMER,
        move_ids=list(move_ids),
    )


def log_partner_changes(partner_ids):
    """Log the commercial partners that the partners ``partner_ids`` have in the
    database, and the partners themselves: before and after a write that may move them
    to another commercial partner, before they are deleted or merged."""
    return SQL(
        """
        INSERT INTO %(table)s (kind, partner_id)
        SELECT DISTINCT %(kind)s, customer_id
          FROM res_partner partner,
               LATERAL (VALUES (partner.id), (partner.commercial_partner_id)) AS c(customer_id)
         WHERE partner.id = ANY(%(partner_ids)s) AND customer_id IS NOT NULL
        """,
        table=SQL.identifier(CHANGE_TABLE),
        kind=CHANGE_CUSTOMER,
        partner_ids=list(partner_ids),
    )


def log_payment_changes(partial_ids):
    """Log the days the received payments of the reconciliations ``partial_ids`` have,
    before they are rewritten or deleted."""
    return SQL(
        """
        INSERT INTO %(table)s (kind, company_id, day)
        SELECT DISTINCT %(kind)s, payment.company_id, payment.date
          FROM crm_xyz_received_payment payment
         WHERE payment.partial_id = ANY(%(partial_ids)s)
        """,
        table=SQL.identifier(CHANGE_TABLE),
        kind=CHANGE_PAYMENT_DAY,
        partial_ids=list(partial_ids),
    )
