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

from . import classification_query

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


def _customer_scope(params):
    """The condition on ``customer`` (a res_partner) that makes it a customer of the
    report: an active commercial partner, shared between companies or of the
    report's company, other than a company's own partner."""
    return SQL(
        """customer.active
           AND customer.id = customer.commercial_partner_id
           AND (customer.company_id IS NULL OR customer.company_id = %(company_id)s)
           AND customer.id NOT IN (SELECT partner_id FROM res_company)""",
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
        SELECT customer.id AS customer_id,
               CASE WHEN history.id IS NULL THEN customer.user_id
                    ELSE history.user_id END AS user_id,
               COALESCE(history.valid_from, '-infinity'::timestamp) AS valid_from,
               COALESCE(history.date_to, 'infinity'::timestamp) AS valid_to
          FROM res_partner customer
          LEFT JOIN crm_xyz_salesperson_history history ON history.partner_id = customer.id
         WHERE %(scope)s
           AND (history.id IS NOT NULL OR customer.user_id IS NOT NULL)
    """,
        scope=_customer_scope(params),
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
    """Rows (customer_id, user_id, customer_data): the customers of the team.

    A salesperson's customers are those he had at ``portfolio_at`` (None: now).
    ``user_ids`` None: the customers of every salesperson. ``customer_data``:
    the customer's own contact data (_contact_data_bits) when ``portfolio_at``
    is None, else NULL (contact data keeps no history).
    """
    at = params.get("portfolio_at")
    if at is None:
        if params["user_ids"] is None:
            of_users = SQL("customer.user_id IS NOT NULL")
        else:
            of_users = SQL("customer.user_id = ANY(%s)", params["user_ids"])
        return SQL(
            """
            SELECT customer.id AS customer_id, customer.user_id,
                   %(customer_data)s AS customer_data
              FROM res_partner customer
             WHERE %(scope)s
               AND %(of_users)s
        """,
            scope=_customer_scope(params),
            of_users=of_users,
            customer_data=_contact_data_bits("customer"),
        )
    if params["user_ids"] is None:
        of_users = SQL("ranges.user_id IS NOT NULL")
    else:
        of_users = SQL("ranges.user_id = ANY(%s)", params["user_ids"])
    return SQL(
        """
        SELECT ranges.customer_id, ranges.user_id, NULL::integer AS customer_data
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
    and country; the data of the customer's contacts counts for the customer.
    Contact data keeps no history: for a past period (``portfolio_at`` set) the
    complete customers are not counted (None), the report reads its snapshot.
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
        WITH portfolio AS (%(portfolio)s),
        -- the data of the customers' contacts, over all of them, then joined: PostgreSQL
        -- underestimates the portfolio (id = commercial_partner_id has no statistics)
        -- and would look the contacts up customer by customer
        contacts_data AS (
            SELECT member.commercial_partner_id AS customer_id, BIT_OR(%(member_data)s) AS data
              FROM res_partner member
             WHERE member.active
               AND member.id <> member.commercial_partner_id
             GROUP BY member.commercial_partner_id
        )
        SELECT portfolio.user_id,
               COUNT(*),
               COUNT(*) FILTER (WHERE (portfolio.customer_data | COALESCE(contacts_data.data, 0))
                                      = %(complete)s)
          FROM portfolio
          LEFT JOIN contacts_data ON contacts_data.customer_id = portfolio.customer_id
         GROUP BY portfolio.user_id
    """,
        portfolio=_portfolio(params),
        member_data=_contact_data_bits("member"),
        complete=CONTACT_DATA_COMPLETE,
    )


# the contact data of a partner as bits: an email, a phone (or a mobile), an address
CONTACT_DATA_EMAIL, CONTACT_DATA_PHONE, CONTACT_DATA_ADDRESS = 1, 2, 4
CONTACT_DATA_COMPLETE = CONTACT_DATA_EMAIL | CONTACT_DATA_PHONE | CONTACT_DATA_ADDRESS


def _contact_data_bits(partner):
    """The contact data of the res_partner ``partner`` as CONTACT_DATA_* bits."""
    return SQL(
        """(CASE WHEN TRIM(%(p)s.email) <> '' THEN %(email)s ELSE 0 END
            | CASE WHEN TRIM(%(p)s.phone) <> '' OR TRIM(%(p)s.mobile) <> ''
                   THEN %(phone)s ELSE 0 END
            | CASE WHEN TRIM(%(p)s.street) <> '' AND TRIM(%(p)s.city) <> ''
                        AND %(p)s.country_id IS NOT NULL
                   THEN %(address)s ELSE 0 END)""",
        p=SQL.identifier(partner),
        email=CONTACT_DATA_EMAIL,
        phone=CONTACT_DATA_PHONE,
        address=CONTACT_DATA_ADDRESS,
    )


CONTACTS_COLUMNS = ("activities_done", "meetings_held")


def contacts_query(params):
    """Activities done in the period and meetings held in it, on each salesperson's customers.

    An activity done leaves a message with its activity type on the customer,
    on one of the company's opportunities or on one of its orders; meeting-type
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
        -- the messages of the activities done in the period, then per model the
        -- customer they were done on (one join each rather than three outer joins
        -- over every message)
        activity_messages AS MATERIALIZED (
            SELECT message.model, message.res_id, message.date AS done_at
              FROM mail_message message
              JOIN mail_activity_type activity_type
                ON activity_type.id = message.mail_activity_type_id
             WHERE message.mail_activity_type_id IS NOT NULL
               AND message.model IN ('res.partner', 'crm.lead', 'sale.order')
               AND message.date >= %(start_utc)s AND message.date < %(end_utc)s
               AND activity_type.category IS DISTINCT FROM 'meeting'
        ),
        done_activities AS (
            SELECT customer.commercial_partner_id AS customer_id, message.done_at
              FROM activity_messages message
              JOIN res_partner customer ON customer.id = message.res_id
             WHERE message.model = 'res.partner'
             UNION ALL
            SELECT customer.commercial_partner_id, message.done_at
              FROM activity_messages message
              JOIN crm_lead lead
                ON lead.id = message.res_id
               AND (lead.company_id IS NULL OR lead.company_id = %(company_id)s)
              JOIN res_partner customer ON customer.id = lead.partner_id
             WHERE message.model = 'crm.lead'
             UNION ALL
            SELECT customer.commercial_partner_id, message.done_at
              FROM activity_messages message
              JOIN sale_order sale
                ON sale.id = message.res_id AND sale.company_id = %(company_id)s
              JOIN res_partner customer ON customer.id = sale.partner_id
             WHERE message.model = 'sale.order'
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
            SELECT event.id AS event_id, guest.commercial_partner_id AS customer_id,
                   event.stop AS held_at
              FROM calendar_event event
              JOIN calendar_attendee attendee
                ON attendee.event_id = event.id AND attendee.state IS DISTINCT FROM 'declined'
              JOIN res_partner guest ON guest.id = attendee.partner_id
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
        **params,
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
    of the sale), read per customer (``classification_query.company_customer_windows``).
    """
    windows = classification_query.company_customer_windows(params["source"])
    return SQL(
        windows,
        company_id=params["company_id"],
        first_floor=params["start_window_floor"],
        first_last=params["start_as_of"],
        second_floor=params["end_window_floor"],
        as_of=params["date_to"],
        first_start_utc=params["window_start_utc"],
        first_end_utc=params["start_utc"],
        second_start_utc=params["end_window_start_utc"],
        cutoff_utc=params["end_utc"],
    )


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
    return SQL(
        """
        WITH %(ranges)s,
        status AS (%(customer_windows)s),
        counted AS (
            SELECT start_owner.user_id, 1 AS at_start, 0 AS at_end, 0 AS new,
                   CASE WHEN status.at_end THEN 1 ELSE 0 END AS retained
              FROM status
              JOIN salesperson_ranges start_owner
                ON start_owner.customer_id = status.customer_id AND %(owner_at_start)s
             WHERE status.at_start
             UNION ALL
            SELECT end_owner.user_id, 0, 1, CASE WHEN status.at_start THEN 0 ELSE 1 END, 0
              FROM status
              JOIN salesperson_ranges end_owner
                ON end_owner.customer_id = status.customer_id AND %(owner_at_end)s
             WHERE status.at_end
        )
        SELECT user_id, SUM(at_start), SUM(at_end), SUM(new), SUM(retained)
          FROM counted
         WHERE user_id = ANY(%(user_ids)s)
         GROUP BY user_id
    """,
        ranges=_ranges_cte(params),
        customer_windows=SQL(
            "SELECT windows.* FROM (%s) AS windows(customer_id, at_start, at_end)",
            customer_windows_query(params) if customer_windows is None else customer_windows,
        ),
        owner_at_start=_owner_at("start_owner", params["start_utc"]),
        owner_at_end=_owner_at("end_owner", params["end_utc"]),
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
    ``xyz_completed`` of the order (see COMPLETED_ORDERS).
    """
    return SQL(
        """
        SELECT sale.user_id,
               COUNT(*) FILTER (WHERE sale.xyz_completed),
               COALESCE(SUM(ROUND(sale.amount_untaxed / NULLIF(sale.currency_rate, 0),
                                  %(digits)s)), 0),
               COALESCE(SUM(ROUND(COALESCE(sale.margin, 0) / NULLIF(sale.currency_rate, 0),
                                  %(digits)s)), 0)
          FROM sale_order sale
         WHERE sale.company_id = %(company_id)s
           AND sale.state = 'sale'
           AND sale.date_order >= %(start_utc)s AND sale.date_order < %(end_utc)s
           AND sale.user_id = ANY(%(user_ids)s)
         GROUP BY sale.user_id
    """,
        **params,
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
    crm_xyz_received_payment dated in the period."""
    return SQL(
        """
        SELECT payment.user_id, SUM(payment.amount)
          FROM crm_xyz_received_payment payment
         WHERE payment.company_id = %(company_id)s
           AND payment.date >= %(date_from)s AND payment.date <= %(date_to)s
           AND payment.user_id = ANY(%(user_ids)s)
         GROUP BY payment.user_id
    """,
        **params,
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
