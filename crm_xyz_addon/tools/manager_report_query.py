"""All the SQL of the manager performance report.

Each query computes one group of indicators for every salesperson at once
(``GROUP BY`` the salesperson) and returns rows ``(user_id, value, ...)`` in
the order of its ``*_COLUMNS``. The named parameters are built by
``crm.xyz.manager.report.service._query_params()``:

    company_id, user_ids          the company and the salespeople of the team
    date_from, date_to            the period, inclusive, in the company's time zone
    start_utc, end_utc            the same period as UTC datetimes [start, end)
    now_utc                       the present: meetings after it are not held yet
    tz, digits                    the company's time zone, decimal places of its currency
    source                        the sales the classification analyses: order or invoice
    start_as_of                   the day before the period (customers "at the start")
    start_window_floor            customers at the start bought after this date...
    end_window_floor              ...customers at the end after this one
    window_start_utc              start_window_floor + 1 day as a UTC datetime
    end_window_start_utc          end_window_floor + 1 day as a UTC datetime
    portfolio_at                  the end of the period as a UTC datetime when it is
                                  past, else None (the salespeople set now)
    all_direct, since,            what the summaries of past days cover
    summary_day,                  (``report_summaries.read_params``)
    summary_start_utc

The figure queries run together in one read-only statement (``report_statement``),
which computes once what several of them read: ``report_customers`` (the
company's active customers: salesperson, contact data) and
``salesperson_ranges`` (who was the salesperson of each customer, when). Each
query is a common table expression of it, and may read those two.

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
# included columns, predicate); made by the init() of the model of each table (mail.message)
# with create_report_indexes(), dropped at uninstall
REPORT_INDEXES = (
    # the activities done in a period, among all the messages of the database
    (
        "crm_xyz_report_done_activity_date_idx",
        "mail_message",
        ("date",),
        (),
        "mail_activity_type_id IS NOT NULL",
    ),
)
# indexes of earlier releases, dropped at upgrade and uninstall
FORMER_REPORT_INDEXES = (
    "crm_xyz_report_confirmed_order_date_idx",
    "crm_xyz_report_confirmed_order_partner_idx",
)


def create_report_indexes(cr, table):
    """The indexes of REPORT_INDEXES on `table`."""
    for name, index_table, columns, included, predicate in REPORT_INDEXES:
        if index_table != table:
            continue
        cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON %s (%s)%s WHERE %s",
                SQL.identifier(name),
                SQL.identifier(index_table),
                SQL(", ").join(SQL.identifier(column) for column in columns),
                SQL(" INCLUDE (%s)", SQL(", ").join(SQL.identifier(c) for c in included))
                if included
                else SQL(),
                SQL(predicate),
            )
        )


def shared_ctes(params):
    """The common table expressions the figure queries read (see the module's
    docstring): ``report_customers`` and ``salesperson_ranges``."""
    changed = (
        SQL()
        if params["all_direct"]
        else SQL(
            """%s AS MATERIALIZED (SELECT changed.* FROM (%s) AS changed(partner_id)),
               %s AS MATERIALIZED (%s),""",
            report_summaries.CUSTOMERS_CHANGED,
            report_summaries.changed_partner_customers(params),
            report_summaries.CHANGED_REPORT_CUSTOMERS,
            report_summaries.changed_report_customers(params),
        )
    )
    return SQL(
        """
        %(changed)s
        -- the active commercial partners, shared between companies or of the report's
        -- company, other than a company's own partner
        report_customers AS MATERIALIZED (
            SELECT customer.* FROM (%(report_customers)s)
                AS customer(partner_id, user_id, contact_data)
        ),
        salesperson_ranges AS MATERIALIZED (%(ranges)s)
        """,
        changed=changed,
        report_customers=report_summaries.report_customers(params),
        ranges=report_summaries.salesperson_ranges(params),
    )


def report_statement(params, figure_queries):
    """One statement that runs the figure queries ``figure_queries`` (a list of
    ``(SQL of rows (user_id, *columns), columns)``) with the shared CTEs.

    Its rows are ``(user_id, *values)``, one per salesperson of ``user_ids``; the
    values are, for each query in turn, whether it gave a row for him and its
    columns (NULL without a row): split_figures() cuts them.
    """
    ctes, columns, joins = [], [], []
    for index, (query, names) in enumerate(figure_queries):
        alias = SQL.identifier(f"figures_{index}")
        aliases = [SQL.identifier(f"value_{index}_{position}") for position in range(len(names))]
        ctes.append(SQL("%s (user_id, %s) AS (%s)", alias, SQL(", ").join(aliases), query))
        columns.append(SQL("%s.user_id IS NOT NULL", alias))
        columns += [SQL("%s.%s", alias, name) for name in aliases]
        joins.append(SQL("LEFT JOIN %s ON %s.user_id = team.user_id", alias, alias))
    return SQL(
        """
        WITH %(shared)s, %(ctes)s
        SELECT team.user_id, %(columns)s
          FROM unnest(%(user_ids)s::integer[]) AS team(user_id)
          %(joins)s
        """,
        shared=shared_ctes(params),
        ctes=SQL(", ").join(ctes),
        columns=SQL(", ").join(columns),
        user_ids=list(params["user_ids"]),
        joins=SQL(" ").join(joins),
    )


def split_figures(values, figure_queries):
    """The values of a row of report_statement(), one tuple ``(found, *columns)`` per
    query of ``figure_queries``."""
    parts, position = [], 0
    for _query, names in figure_queries:
        parts.append(tuple(values[position : position + 1 + len(names)]))
        position += 1 + len(names)
    return parts


def _owner_at(ranges, moment):
    """The condition that the row ``ranges`` of salesperson_ranges holds the
    salesperson of its customer just before ``moment`` (the end of a day)."""
    return SQL(
        "%(ranges)s.valid_from < %(moment)s AND %(moment)s <= %(ranges)s.valid_to",
        ranges=SQL.identifier(ranges),
        moment=moment,
    )


def _portfolio(params):
    """Rows (customer_id, user_id, contact_data): the customers of the team (reads the
    shared CTEs).

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
              FROM report_customers customer
             WHERE %(of_users)s
        """,
            of_users=of_users,
        )
    if params["user_ids"] is None:
        of_users = SQL("ranges.user_id IS NOT NULL")
    else:
        of_users = SQL("ranges.user_id = ANY(%s)", params["user_ids"])
    return SQL(
        """
        SELECT ranges.customer_id, ranges.user_id, NULL::smallint AS contact_data
          FROM salesperson_ranges ranges
         WHERE %(owner)s
           AND %(of_users)s
    """,
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
        -- the messages of the activities done in the period, per model the customer
        -- they were done on (one scan each of the done activities of the period:
        -- planned on the statistics of each model's messages)
        WITH done_activities AS (
            SELECT %(customer_of_message)s AS customer_id, message.done_at
              FROM (%(partner_messages)s) AS message
              LEFT JOIN report_customers customer ON customer.partner_id = message.res_id
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
              LEFT JOIN report_customers customer ON customer.partner_id = attendee.partner_id
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
    joined to its row ``customer`` of ``report_customers`` when it is one (most are:
    read without looking the partner up), else looked up (a contact, or a partner
    that is no customer of the report: it then has no salesperson)."""
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
    of the sale, ``company_sales.company_customer_windows``), read from
    the sale days of the summaries and the documents since
    (``report_summaries.customer_windows``).
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
    sales of the summaries and the orders since
    (``report_summaries.salesperson_orders``).
    """
    return SQL(
        """
        SELECT sale.user_id, SUM(sale.completed), COALESCE(SUM(sale.revenue), 0),
               COALESCE(SUM(sale.profit), 0)
          FROM (%s) AS sale(user_id, completed, revenue, profit)
         GROUP BY sale.user_id
        """,
        report_summaries.salesperson_orders(params),
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

# what RECEIVED_PAYMENTS reads, to flush before it: a reconciliation writes its partials
# in the middle of Odoo's work, and flushing everything there would compute and write
# the residuals and payment states twice
RECEIVED_PAYMENTS_FIELDS = {
    "account.partial.reconcile": ["amount", "credit_move_id", "debit_move_id"],
    "account.move.line": ["date", "payment_id", "statement_line_id", "move_id"],
    "account.move": ["company_id", "invoice_user_id", "move_type", "state"],
}


def record_received_payments_query(partial_ids=None):
    """Write the received payments of ``partial_ids`` (None: of every partial) into
    crm_xyz_received_payment, replacing their rows; the days of the rows replaced
    go to the summaries' change log (``report_summaries``)."""
    partials = (
        SQL("TRUE") if partial_ids is None else SQL("partial.id = ANY(%s)", list(partial_ids))
    )
    select = SQL(RECEIVED_PAYMENTS, partials=partials)
    return SQL(
        """
        WITH received AS (%(select)s),
        logged AS (%(log)s),
        replaced AS (
            DELETE FROM crm_xyz_received_payment
             WHERE %(replaced)s
        )
        INSERT INTO crm_xyz_received_payment
               (partial_id, company_id, user_id, date, amount, recorded_at)
        SELECT received.*, NOW() AT TIME ZONE 'UTC' FROM received
        ON CONFLICT (partial_id) DO UPDATE
           SET company_id = EXCLUDED.company_id, user_id = EXCLUDED.user_id,
               date = EXCLUDED.date, amount = EXCLUDED.amount,
               recorded_at = EXCLUDED.recorded_at
        """,
        select=select,
        log=report_summaries.log_payment_changes(partial_ids)
        if partial_ids is not None
        else SQL("SELECT 1"),
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
    crm_xyz_received_payment dated in the period, read from the daily payments of
    the summaries and the received payments since
    (``report_summaries.salesperson_payments``)."""
    return SQL(
        """
        SELECT payment.user_id, SUM(payment.amount)
          FROM (%s) AS payment(user_id, amount)
         GROUP BY payment.user_id
        """,
        report_summaries.salesperson_payments(params),
    )


# The figure queries of the report, by name, in the order they run: ``(function,
# columns)``, ``function(params)`` returning the SQL of rows ``(user_id, *columns)``.
# Their columns make the raw figures that the indicators read
# (``tools/report_indicators.py``); the report service may wrap each one with a
# ``_query_<name>`` method.
FIGURE_QUERIES = {
    "portfolio": (portfolio_query, PORTFOLIO_COLUMNS),
    "contacts": (contacts_query, CONTACTS_COLUMNS),
    "stage_changes": (stage_changes_query, STAGE_COLUMNS),
    "retention": (retention_query, RETENTION_COLUMNS),
    "orders": (orders_query, ORDER_COLUMNS),
    "payments": (payments_query, PAYMENT_COLUMNS),
    "won_back": (won_back_query, WON_BACK_COLUMNS),
}


def take_completeness_snapshot_query(params):
    """Store the contact data completeness of every salesperson as of ``date``.

    One row per salesperson with customers in ``company_id``, plus one (with
    zeros) for each of ``team_ids`` without any; a second snapshot of the same
    day replaces the first. ``uid`` is written as the creator. ``params`` also holds
    the company's read parameters (``report_summaries.read_params``).
    """
    return SQL(
        """
        WITH %(shared)s,
        counts AS (%(counts)s),
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
            portfolio_query({**params, "user_ids": None, "portfolio_at": None}),
        ),
        shared=shared_ctes(params),
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
