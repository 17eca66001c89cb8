"""All the SQL of the manager performance report.

Each query computes one group of indicators for every salesperson at once
(``GROUP BY`` the salesperson) and returns rows ``(user_id, value, ...)`` in
the order of its ``*_COLUMNS``. The named parameters are built by
``crm.xyz.manager.report.service._query_params()``:

    company_id, user_ids          the company and the salespeople of the team
    date_from, date_to            the period, inclusive, in the company's time zone
    start_utc, end_utc            the same period as UTC datetimes [start, end)
    now_utc                       the present: meetings after it are not held yet
    tz                            the company's time zone
    source                        the sales the classification analyses: order or invoice
    cutoff_utc, as_of             the end of the period for ``classification_query.company_sales``:
                                  orders before this UTC instant, invoices up to this day
    digits                        decimal places of the company currency
    start_as_of                   the day before the period (customers "at the start")
    start_window_floor            customers at the start bought after this date...
    end_window_floor              ...customers at the end after this one
    window_start_utc              start_window_floor + 1 day as a UTC datetime
    end_window_start_utc          end_window_floor + 1 day as a UTC datetime
    portfolio_at                  the end of the period as a UTC datetime when it is
                                  past, else None (the salespeople set now)

Who a figure counts for:
* a customer is the commercial partner; it belongs to the salesperson it had
  at the time, from the salesperson history (``crm_xyz_salesperson_history``):
  the portfolio and its completeness at the end of the period, an activity or
  a meeting when it was done, the customers at the start of the period (and
  whether they were kept) at the start, the customers at its end at the end;
* a recorded event counts for the salesperson recorded on it: the change of
  stage for the salesperson of the customer at the time of the change, an
  order for its salesperson, a payment for the salesperson of the invoice,
  a customer won back for the salesperson the customer had at the sale that
  ended its early-warning episode (recorded on the episode).
"""

from contextlib import contextmanager

from odoo.tools import SQL, sql

from . import report_summaries

# indexes the report's queries need on other addons' tables: (name, table, columns,
# included columns, predicate); made by crm.xyz.manager.report.service.init() with
# create_report_indexes(), dropped at uninstall
REPORT_INDEXES = (
    # the activities done in a period, among all the messages of the database
    (
        "crm_xyz_report_done_activity_date_idx",
        "mail_message",
        ("date",),
        (),
        "mail_activity_type_id IS NOT NULL",
    ),
    # a period of confirmed orders of a company, read from the index alone (orders)
    (
        "crm_xyz_report_confirmed_order_date_idx",
        "sale_order",
        ("company_id", "date_order"),
        ("user_id", "amount_untaxed", "margin", "currency_rate", "xyz_completed"),
        "state = 'sale'",
    ),
    # the confirmed orders of a company by customer, in date order: whether each
    # customer bought in a window, without sorting a year of orders (retention)
    (
        "crm_xyz_report_confirmed_order_partner_idx",
        "sale_order",
        ("company_id", "partner_id", "date_order"),
        (),
        "state = 'sale'",
    ),
)


def create_report_indexes(cr):
    for name, table, columns, included, predicate in REPORT_INDEXES:
        cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON %s (%s)%s WHERE %s",
                SQL.identifier(name),
                SQL.identifier(table),
                SQL(", ").join(SQL.identifier(column) for column in columns),
                SQL(" INCLUDE (%s)", SQL(", ").join(SQL.identifier(c) for c in included))
                if included
                else SQL(),
                SQL(predicate),
            )
        )


def _customers(params):
    """The customers of the report: the active commercial partners, shared between
    companies or of the report's company, other than a company's own partner;
    from their narrow rows (``report_summaries``): ``partner_id``, ``user_id``,
    ``contact_data``."""
    return SQL(
        """SELECT customer.partner_id, customer.user_id, customer.contact_data
             FROM %(customers)s customer
            WHERE customer.active
              AND (customer.company_id IS NULL OR customer.company_id = %(company_id)s)
              AND customer.partner_id NOT IN (SELECT partner_id FROM res_company)""",
        customers=SQL.identifier(report_summaries.CUSTOMER_TABLE),
        company_id=params["company_id"],
    )


# the salesperson ranges of the report's company, computed once for all the queries of
# a report (they do not depend on the period): a temporary table of the transaction
RANGES_TABLE = SQL.identifier("pg_temp", "crm_xyz_report_salesperson_ranges")


def store_salesperson_ranges(cr, company_id):
    """Compute the salesperson ranges of the company into RANGES_TABLE, for the
    queries whose ``params["ranges_stored"]`` is True to read them from there.

    Returns whether it did: not in a read-only transaction, where no table can
    be made (each query then computes the ranges itself).
    """
    cr.execute(SQL("SELECT current_setting('transaction_read_only') = 'on'"))
    if cr.fetchone()[0]:
        return False
    cr.execute(SQL("DROP TABLE IF EXISTS %s", RANGES_TABLE))
    cr.execute(
        SQL(
            "CREATE TEMPORARY TABLE %s ON COMMIT DROP AS %s",
            RANGES_TABLE,
            salesperson_ranges({"company_id": company_id}),
        )
    )
    # its statistics: the joins on it are planned on its real size
    cr.execute(SQL("ANALYZE %s", RANGES_TABLE))
    return True


def _ranges_cte(params):
    """The CTE ``salesperson_ranges`` of a query: the stored table itself (NOT
    MATERIALIZED: planned with its statistics), else computed once (MATERIALIZED)
    for the query's joins."""
    return SQL(
        "salesperson_ranges AS %s (%s)",
        SQL("NOT MATERIALIZED" if params.get("ranges_stored") else "MATERIALIZED"),
        salesperson_ranges(params),
    )


def salesperson_ranges(params):
    """Rows (customer_id, user_id, valid_from, valid_to): who was the salesperson of
    each customer from ``valid_from`` (included) to ``valid_to`` (excluded), UTC.

    From the salesperson history; its first row of a customer reaches back to
    the beginning (documents dated before the customer was recorded belong to
    its first salesperson). A customer without any row (its salesperson set
    by SQL, or never set) has its salesperson of now, at any time. Read from
    RANGES_TABLE when ``params["ranges_stored"]`` (store_salesperson_ranges()).
    """
    if params.get("ranges_stored"):
        return SQL("SELECT customer_id, user_id, valid_from, valid_to FROM %s", RANGES_TABLE)
    # one pass over the customers, their history rows joined with the ranges the
    # history keeps (crm.xyz.salesperson.history._refresh_ranges)
    return SQL(
        """
        SELECT customer.partner_id AS customer_id,
               CASE WHEN history.id IS NULL THEN customer.user_id
                    ELSE history.user_id END AS user_id,
               COALESCE(history.valid_from, '-infinity'::timestamp) AS valid_from,
               COALESCE(history.date_to, 'infinity'::timestamp) AS valid_to
          FROM (%(customers)s) AS customer
          LEFT JOIN crm_xyz_salesperson_history history
            ON history.partner_id = customer.partner_id
         WHERE history.id IS NOT NULL OR customer.user_id IS NOT NULL
    """,
        customers=_customers(params),
    )


def _owner_at(ranges, moment):
    """The condition that the row ``ranges`` of salesperson_ranges() holds the
    salesperson of its customer just before ``moment`` (the end of a day)."""
    return SQL(
        "%(ranges)s.valid_from < %(moment)s AND %(moment)s <= %(ranges)s.valid_to",
        ranges=SQL.identifier(ranges),
        moment=moment,
    )


def _portfolio(params):
    """Rows (customer_id, user_id, contact_data): the customers of the team.

    A salesperson's customers are those he had at ``portfolio_at`` (None: now).
    ``user_ids`` None: the customers of every salesperson. ``contact_data``:
    the CONTACT_DATA_* bits of the customer and its contacts when
    ``portfolio_at`` is None, else NULL (contact data keeps no history).
    """
    at = params.get("portfolio_at")
    if at is None:
        if params["user_ids"] is None:
            of_users = SQL("customer.user_id IS NOT NULL")
        else:
            of_users = SQL("customer.user_id = ANY(%s)", params["user_ids"])
        return SQL(
            """
            SELECT customer.partner_id AS customer_id, customer.user_id, customer.contact_data
              FROM (%(customers)s) AS customer
             WHERE %(of_users)s
        """,
            customers=_customers(params),
            of_users=of_users,
        )
    if params["user_ids"] is None:
        of_users = SQL("ranges.user_id IS NOT NULL")
    else:
        of_users = SQL("ranges.user_id = ANY(%s)", params["user_ids"])
    return SQL(
        """
        SELECT ranges.customer_id, ranges.user_id, NULL::smallint AS contact_data
          FROM (%(ranges)s) AS ranges
         WHERE %(owner)s
           AND %(of_users)s
    """,
        ranges=salesperson_ranges(params),
        owner=_owner_at("ranges", at),
        of_users=of_users,
    )


PORTFOLIO_COLUMNS = ("customers", "complete_customers")


def portfolio_query(params):
    """Customers of each salesperson and how many of them have complete contact data.

    Complete: an email, a phone or a mobile, and an address with street, city
    and country; the data of the customer's active contacts counts for the
    customer (kept per customer: ``report_summaries``). Contact data keeps no
    history: for a past period (``portfolio_at`` set) the complete customers are
    not counted (None), the report reads its snapshot.
    """
    if params.get("portfolio_at") is not None:
        return SQL(
            """
            SELECT portfolio.user_id, COUNT(*), NULL::bigint
              FROM (%(portfolio)s) AS portfolio
             GROUP BY portfolio.user_id
        """,
            portfolio=_portfolio(params),
        )
    return SQL(
        """
        SELECT portfolio.user_id,
               COUNT(*),
               COUNT(*) FILTER (WHERE portfolio.contact_data = %(complete)s)
          FROM (%(portfolio)s) AS portfolio
         GROUP BY portfolio.user_id
    """,
        portfolio=_portfolio(params),
        complete=report_summaries.CONTACT_DATA_COMPLETE,
    )


CONTACTS_COLUMNS = ("activities_done", "meetings_held")


def contacts_query(params):
    """Activities done in the period and meetings held in it, on each salesperson's customers.

    An activity done leaves a message with its activity type on the customer,
    on one of the company's opportunities or on one of its orders, or on one of
    its early-warning episodes (their follow-ups, a contact with the customer); meeting-type
    activities are left out, their calendar events being counted as meetings.
    A meeting is held in the period when it ended in it (and before now), and
    counts for a customer whose attendee (the customer or one of its contacts)
    did not decline it; it counts once however many of the salesperson's
    customers attend it. Both count for the customer's salesperson at the time
    (of the message, of the end of the meeting).
    """
    return SQL(
        """
        WITH %(ranges)s,
        -- the messages of the activities done in the period, per model the customer
        -- they were done on (one scan each of the done activities of the period:
        -- planned on the statistics of each model's messages)
        done_activities AS (
            SELECT %(customer_of_message)s AS customer_id, message.done_at
              FROM (%(partner_messages)s) AS message
              LEFT JOIN %(customers)s customer ON customer.partner_id = message.res_id
             UNION ALL
            SELECT customer.commercial_partner_id, message.done_at
              FROM (%(lead_messages)s) AS message
              JOIN crm_lead lead
                ON lead.id = message.res_id
               AND (lead.company_id IS NULL OR lead.company_id = %(company_id)s)
              JOIN res_partner customer ON customer.id = lead.partner_id
             UNION ALL
            SELECT customer.commercial_partner_id, message.done_at
              FROM (%(order_messages)s) AS message
              JOIN sale_order sale
                ON sale.id = message.res_id AND sale.company_id = %(company_id)s
              JOIN res_partner customer ON customer.id = sale.partner_id
             UNION ALL
            -- the follow-ups of the company's early warnings, kept on their episode
            SELECT episode.partner_id, message.done_at
              FROM (%(warning_messages)s) AS message
              JOIN crm_xyz_warning episode
                ON episode.id = message.res_id AND episode.company_id = %(company_id)s
        ),
        activities AS (
            SELECT owner.user_id, COUNT(*) AS done
              FROM done_activities
              JOIN salesperson_ranges owner
                ON owner.customer_id = done_activities.customer_id
               AND owner.valid_from <= done_activities.done_at
               AND done_activities.done_at < owner.valid_to
             WHERE owner.user_id = ANY(%(user_ids)s)
             GROUP BY owner.user_id
        ),
        -- the customers at the meetings of the period first (MATERIALIZED: else the
        -- underestimated salesperson ranges drive the join, customer by customer)
        meeting_guests AS MATERIALIZED (
            SELECT event.id AS event_id, %(customer_of_guest)s AS customer_id,
                   event.stop AS held_at
              FROM calendar_event event
              JOIN calendar_attendee attendee
                ON attendee.event_id = event.id AND attendee.state IS DISTINCT FROM 'declined'
              LEFT JOIN %(customers)s customer ON customer.partner_id = attendee.partner_id
             WHERE event.active
               AND event.stop >= %(start_utc)s
               AND event.stop < %(end_utc)s
               AND event.stop <= %(now_utc)s
        ),
        meetings AS (
            SELECT owner.user_id, COUNT(DISTINCT meeting_guests.event_id) AS held
              FROM meeting_guests
              JOIN salesperson_ranges owner
                ON owner.customer_id = meeting_guests.customer_id
               AND owner.valid_from <= meeting_guests.held_at
               AND meeting_guests.held_at < owner.valid_to
             WHERE owner.user_id = ANY(%(user_ids)s)
             GROUP BY owner.user_id
        )
        SELECT COALESCE(activities.user_id, meetings.user_id),
               COALESCE(activities.done, 0),
               COALESCE(meetings.held, 0)
          FROM activities
          FULL JOIN meetings ON meetings.user_id = activities.user_id
    """,
        ranges=_ranges_cte(params),
        customers=SQL.identifier(report_summaries.CUSTOMER_TABLE),
        customer_of_message=_commercial_partner("message.res_id"),
        partner_messages=_done_activity_messages("res.partner", params),
        lead_messages=_done_activity_messages("crm.lead", params),
        order_messages=_done_activity_messages("sale.order", params),
        warning_messages=_done_activity_messages("crm.xyz.warning", params),
        customer_of_guest=_commercial_partner("attendee.partner_id"),
        **params,
    )


def _done_activity_messages(model, params):
    """Rows (res_id, done_at): the activities done in the period on records of
    ``model``, other than meetings (their calendar events count)."""
    return SQL(
        """
        SELECT message.res_id, message.date AS done_at
          FROM mail_message message
          JOIN mail_activity_type activity_type
            ON activity_type.id = message.mail_activity_type_id
         WHERE message.mail_activity_type_id IS NOT NULL
           AND message.model = %(model)s
           AND message.date >= %(start_utc)s AND message.date < %(end_utc)s
           AND activity_type.category IS DISTINCT FROM 'meeting'
    """,
        model=model,
        start_utc=params["start_utc"],
        end_utc=params["end_utc"],
    )


def _commercial_partner(partner_id):
    """The commercial partner of the res_partner whose id is the column ``partner_id``,
    joined to its row ``customer`` of the report's customers when it is one (most
    are: read without looking the partner up), else looked up."""
    return SQL(
        """COALESCE(customer.partner_id,
                    (SELECT member.commercial_partner_id FROM res_partner member
                      WHERE member.id = %(partner_id)s))""",
        partner_id=SQL(partner_id),
    )


STAGE_COLUMNS = ("stage_ups", "stage_downs", "lost_customers")


def stage_changes_query(params):
    """Changes of automatic stage in the period, from the classification history
    (the analysis's rows: a sales manager's overrides are not the customer's doing).

    A change counts for the customer's salesperson at the time of the change
    (the history keeps him); a customer lost twice in the period is one lost
    customer.
    """
    return SQL(
        """
        SELECT history.user_id,
               COUNT(*) FILTER (WHERE history.stage_trend = 'up'),
               COUNT(*) FILTER (WHERE history.stage_trend = 'down'),
               COUNT(DISTINCT history.partner_id) FILTER (
                   WHERE history.new_stage = 'lost'
                     AND history.old_stage IS DISTINCT FROM 'lost')
          FROM crm_xyz_history history
         WHERE history.company_id = %(company_id)s
           AND history.kind = 'analysis'
           AND history.date >= %(date_from)s AND history.date <= %(date_to)s
           AND history.user_id = ANY(%(user_ids)s)
         GROUP BY history.user_id
    """,
        **params,
    )


RETENTION_COLUMNS = (
    "customers_at_start",
    "customers_at_end",
    "new_customers",
    "retained_customers",
)


def customer_windows_query(params):
    """Rows (customer_id, at_start, at_end): the customers of the company at the start
    of the period and at its end, each with a purchase in the analysis window
    that ends on that day.

    The classification's own definition of the sales of a company (for the
    source it analyses: confirmed orders or posted invoices, on the local date
    of the sale, ``classification_query.company_customer_windows``), read from
    the sale days the database keeps per customer (``report_summaries``).
    """
    return report_summaries.customer_windows(params)


def retention_query(params, customer_windows=None):
    """Customers at the start, at the end, and new in the period, of each salesperson.

    A customer "at" a date bought in the analysis window that ends on that
    date (the window of the classification: a customer without a purchase in
    it is lost). The start is the day before the period, the end its last day;
    new customers are the customers at the end who were not customers at the
    start. The sales are those the classification analyses (``params["source"]``:
    confirmed orders or posted invoices).

    A customer at the start counts for his salesperson at the start, who kept
    him (``retained_customers``) if he is still a customer at the end, whoever
    his salesperson then; a customer at the end, new or not, counts for his
    salesperson at the end. A customer handed over during the period is thus
    kept by the first salesperson and not new for the second one.
    ``customer_windows``: the SQL of the customers at the start and at the end
    (default: customer_windows_query()).
    """
    # one pass over the customers and their salesperson ranges: each range that holds
    # the customer at the start or at the end counts for its salesperson then
    return SQL(
        """
        WITH %(ranges)s
        SELECT owner.user_id,
               COUNT(*) FILTER (WHERE status.at_start AND %(owner_at_start)s),
               COUNT(*) FILTER (WHERE status.at_end AND %(owner_at_end)s),
               COUNT(*) FILTER (WHERE status.at_end AND NOT status.at_start
                                      AND %(owner_at_end)s),
               COUNT(*) FILTER (WHERE status.at_start AND status.at_end AND %(owner_at_start)s)
          FROM (%(customer_windows)s) AS status
          JOIN salesperson_ranges owner
            ON owner.customer_id = status.customer_id
           AND (%(owner_at_start)s OR %(owner_at_end)s)
         WHERE owner.user_id = ANY(%(user_ids)s)
         GROUP BY owner.user_id
    """,
        ranges=_ranges_cte(params),
        customer_windows=SQL(
            "SELECT windows.* FROM (%s) AS windows(customer_id, at_start, at_end)",
            customer_windows_query(params) if customer_windows is None else customer_windows,
        ),
        owner_at_start=_owner_at("owner", params["start_utc"]),
        owner_at_end=_owner_at("owner", params["end_utc"]),
        **params,
    )


WON_BACK_COLUMNS = ("won_back",)


def won_back_query(params):
    """Customers won back in the period by each salesperson.

    An early-warning episode (at risk or stage down, ``crm_xyz_warning``) ended
    by a sale dated in the period; it counts for the salesperson of the customer
    at that sale, recorded on the episode. A customer won back twice in the
    period counts once.
    """
    return SQL(
        """
        SELECT episode.won_back_user_id,
               COUNT(DISTINCT episode.partner_id)
          FROM crm_xyz_warning episode
         WHERE episode.company_id = %(company_id)s
           AND episode.end_reason = 'sale'
           AND episode.won_back_date >= %(date_from)s AND episode.won_back_date <= %(date_to)s
           AND episode.won_back_user_id = ANY(%(user_ids)s)
         GROUP BY episode.won_back_user_id
    """,
        **params,
    )


ORDER_COLUMNS = ("completed_orders", "revenue", "profit")

# the orders that are completed: each product line (other than a down payment) fully
# delivered and fully invoiced, a line with a quantity, no product line on a draft
# invoice (qty_invoiced counts draft invoices); one pass over the lines. The rules of
# sale.order._compute_xyz_completed, which keeps the stored flag from then on.
COMPLETED_ORDERS = """
    WITH line_checks AS (
        SELECT line.order_id,
               BOOL_OR(line.product_uom_qty > 0) AS has_quantity,
               BOOL_OR(NOT COALESCE(line.is_downpayment, FALSE)
                       AND (line.qty_delivered < line.product_uom_qty
                            OR line.qty_invoiced < line.product_uom_qty)) AS pending
          FROM sale_order_line line
         WHERE line.display_type IS NULL
         GROUP BY line.order_id
    ),
    draft_invoiced AS (
        SELECT DISTINCT line.order_id
          FROM account_move invoice
          JOIN account_move_line invoice_line ON invoice_line.move_id = invoice.id
          JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = invoice_line.id
          JOIN sale_order_line line ON line.id = rel.order_line_id
         WHERE invoice.state = 'draft'
           AND line.display_type IS NULL
           AND NOT COALESCE(line.is_downpayment, FALSE)
    )
    SELECT line_checks.order_id
      FROM line_checks
     WHERE line_checks.has_quantity
       AND NOT line_checks.pending
       AND line_checks.order_id NOT IN (SELECT order_id FROM draft_invoiced)
"""


def fill_completed_orders(cr):
    """Create sale_order.xyz_completed and fill it by SQL (install, upgrade), where
    the ORM would compute it order by order. Only the completed orders are written
    (NULL reads as not completed). Nothing to do when the column exists: the ORM
    keeps it."""
    if sql.column_exists(cr, "sale_order", "xyz_completed"):
        return
    sql.create_column(cr, "sale_order", "xyz_completed", "boolean")
    flag_completed_orders(cr)


def flag_completed_orders(cr):
    """Set sale_order.xyz_completed of the completed orders (COMPLETED_ORDERS) by SQL,
    as the ORM keeps it: for orders written without the ORM."""
    cr.execute(
        SQL(
            "UPDATE sale_order SET xyz_completed = TRUE WHERE id IN (%s)",
            SQL(COMPLETED_ORDERS),
        )
    )


def orders_query(params):
    """Orders confirmed in the period by each salesperson: completed ones, revenue, profit.

    Untaxed amount and margin in the company currency at the rate of the order
    date; cancelled orders and quotations are left out. An order is completed
    when each of its product lines is fully delivered and fully invoiced by
    posted invoices (a credit note made from the order lowers the invoiced
    quantity again; a draft invoice does not count yet): the stored flag
    ``xyz_completed`` of the order (see COMPLETED_ORDERS). Read from the daily
    sales the database keeps per salesperson (``report_summaries``): the local
    days of the period are exactly its orders.
    """
    return _salesperson_days(
        report_summaries.DAILY_SALES_TABLE,
        SQL(
            """SUM(daily.completed_count), COALESCE(SUM(daily.revenue), 0),
               COALESCE(SUM(daily.profit), 0)"""
        ),
        params,
    )


def _salesperson_days(table, sums, params):
    """Rows (user_id, *sums) of the rows ``daily`` of a table kept per company,
    salesperson and day (``report_summaries``), over the days of the period."""
    return SQL(
        """
        SELECT daily.user_id, %(sums)s
          FROM %(table)s daily
         WHERE daily.company_id = %(company_id)s
           AND daily.day >= %(date_from)s AND daily.day <= %(date_to)s
           AND daily.user_id = ANY(%(user_ids)s)
         GROUP BY daily.user_id
    """,
        sums=sums,
        table=SQL.identifier(table),
        company_id=params["company_id"],
        date_from=params["date_from"],
        date_to=params["date_to"],
        user_ids=params["user_ids"],
    )


PAYMENT_COLUMNS = ("payments",)

# The money received on customer invoices and paid back on credit notes, one row per
# reconciliation (``account_partial_reconcile``) of a payment or bank statement line
# with a posted invoice or credit note: (partial_id, company_id, user_id, date,
# amount). The user is the document's salesperson, the date the payment's, the
# amount in company currency, negative when paid back. A credit note set against an
# invoice is not a payment; exchange differences are left out, so a payment counts
# at the rate of its own date. A payment's journal item carries its payment or
# statement line (``payment_id``, ``statement_line_id``, stored from its entry).
# Kept in crm_xyz_received_payment (crm.xyz.received.payment) for the partials of
# ``partial_ids`` (None: every partial).
RECEIVED_PAYMENTS = """
    SELECT partial.id, invoice.company_id, invoice.invoice_user_id, payment_line.date,
           partial.amount
      FROM account_partial_reconcile partial
      JOIN account_move_line payment_line ON payment_line.id = partial.credit_move_id
      JOIN account_move_line invoice_line ON invoice_line.id = partial.debit_move_id
      JOIN account_move invoice ON invoice.id = invoice_line.move_id
     WHERE (payment_line.payment_id IS NOT NULL OR payment_line.statement_line_id IS NOT NULL)
       AND invoice.move_type = 'out_invoice'
       AND invoice.state = 'posted'
       AND %(partials)s
     UNION ALL
    SELECT partial.id, refund.company_id, refund.invoice_user_id, payment_line.date,
           -partial.amount
      FROM account_partial_reconcile partial
      JOIN account_move_line payment_line ON payment_line.id = partial.debit_move_id
      JOIN account_move_line refund_line ON refund_line.id = partial.credit_move_id
      JOIN account_move refund ON refund.id = refund_line.move_id
     WHERE (payment_line.payment_id IS NOT NULL OR payment_line.statement_line_id IS NOT NULL)
       AND refund.move_type = 'out_refund'
       AND refund.state = 'posted'
       AND %(partials)s
"""


def record_received_payments_query(partial_ids=None):
    """Write the received payments of ``partial_ids`` (None: of every partial) into
    crm_xyz_received_payment, replacing their rows."""
    partials = (
        SQL("TRUE") if partial_ids is None else SQL("partial.id = ANY(%s)", list(partial_ids))
    )
    select = SQL(RECEIVED_PAYMENTS, partials=partials)
    return SQL(
        """
        WITH received AS (%(select)s),
        replaced AS (
            DELETE FROM crm_xyz_received_payment
             WHERE %(replaced)s
        )
        INSERT INTO crm_xyz_received_payment (partial_id, company_id, user_id, date, amount)
        SELECT * FROM received
        ON CONFLICT (partial_id) DO UPDATE
           SET company_id = EXCLUDED.company_id, user_id = EXCLUDED.user_id,
               date = EXCLUDED.date, amount = EXCLUDED.amount
        """,
        select=select,
        replaced=SQL("FALSE")
        if partial_ids is None
        else SQL(
            "partial_id = ANY(%s) AND partial_id NOT IN (SELECT id FROM received)",
            list(partial_ids),
        ),
    )


def payments_query(params):
    """Money received in the period on each salesperson's customer invoices, less the
    money paid back on his credit notes (see RECEIVED_PAYMENTS): the rows of
    crm_xyz_received_payment dated in the period, read from their sums per
    salesperson and day (``report_summaries``)."""
    return _salesperson_days(
        report_summaries.DAILY_PAYMENTS_TABLE, SQL("SUM(daily.amount)"), params
    )


SNAPSHOT_COLUMNS = ("customers", "complete_customers")


def take_completeness_snapshot_query(params):
    """Store the contact data completeness of every salesperson as of ``date``.

    One row per salesperson with customers in ``company_id``, plus one (with
    zeros) for each of ``team_ids`` without any; a second snapshot of the same
    day replaces the first. ``uid`` is written as the creator.
    """
    return SQL(
        """
        WITH counts AS (%(counts)s),
        team AS (
            SELECT user_id FROM counts
             UNION
            SELECT UNNEST(%(team_ids)s::int[])
        )
        INSERT INTO crm_xyz_completeness_snapshot
               (company_id, user_id, date, customer_count, complete_count,
                create_uid, create_date, write_uid, write_date)
        SELECT %(company_id)s, team.user_id, %(date)s,
               COALESCE(counts.customers, 0), COALESCE(counts.complete, 0),
               %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
          FROM team
          LEFT JOIN counts ON counts.user_id = team.user_id
        ON CONFLICT (company_id, user_id, date) DO UPDATE
           SET customer_count = EXCLUDED.customer_count,
               complete_count = EXCLUDED.complete_count,
               write_uid = EXCLUDED.write_uid,
               write_date = EXCLUDED.write_date
    """,
        counts=SQL(
            "SELECT counts.* FROM (%s) AS counts(user_id, customers, complete)",
            portfolio_query({"user_ids": None, "company_id": params["company_id"]}),
        ),
        **params,
    )


def completeness_snapshot_query(params):
    """The last completeness snapshot of each salesperson within the period.

    Rows ``(user_id, customers, complete_customers)``: the snapshot dated on or
    before ``date_to`` and not before ``date_from``.
    """
    return SQL(
        """
        SELECT DISTINCT ON (snapshot.user_id)
               snapshot.user_id, snapshot.customer_count, snapshot.complete_count
          FROM crm_xyz_completeness_snapshot snapshot
         WHERE snapshot.company_id = %(company_id)s
           AND snapshot.user_id = ANY(%(user_ids)s)
           AND snapshot.date >= %(date_from)s AND snapshot.date <= %(date_to)s
         ORDER BY snapshot.user_id, snapshot.date DESC
    """,
        **params,
    )


@contextmanager
def jit_disabled(cr):
    """Run the report's queries without JIT compilation: their cost estimates (a
    year of orders) trigger it, and compiling takes longer than it saves."""
    cr.execute(SQL("SELECT current_setting('jit')"))
    (previous,) = cr.fetchone()
    cr.execute(SQL("SET LOCAL jit = off"))
    yield
    # not in a finally: after an error the transaction is rolled back, which restores it
    cr.execute(SQL("SELECT set_config('jit', %s, TRUE)", previous))
