"""All the SQL of the manager performance report.

Each query computes one group of indicators for every salesperson at once
(``GROUP BY`` the salesperson) and returns rows ``(user_id, value, ...)`` in
the order of its ``*_COLUMNS``. The named parameters are built by
``crm.xyz.manager.report._query_params()``:

    company_id, user_ids          the company and the salespeople of the team
    date_from, date_to            the period, inclusive, in the company's time zone
    start_utc, end_utc            the same period as UTC datetimes [start, end)
    now_utc                       the present: meetings after it are not held yet
    tz                            the company's time zone
    source                        the sales the classification analyses: order or invoice
    digits                        decimal places of the company currency
    start_as_of                   the day before the period (customers "at the start")
    start_window_floor            customers at the start bought after this date...
    end_window_floor              ...customers at the end after this one
    window_start_utc              start_window_floor + 1 day as a UTC datetime

Who a figure counts for:
* a customer is the commercial partner; it belongs to the salesperson set on
  it now (portfolio, contact completeness, contacts, retention);
* a recorded event counts for the salesperson recorded on it: the change of
  stage for the salesperson of the customer at the time of the change, an
  order for its salesperson, a payment for the salesperson of the invoice.
"""

from contextlib import contextmanager

from odoo.tools import SQL


def _portfolio(params):
    """Rows (customer_id, user_id): the customers of the team.

    A salesperson's customers are the commercial partners set on him now,
    shared between companies or of the report's company. ``user_ids`` None:
    the customers of every salesperson.
    """
    if params["user_ids"] is None:
        of_users = SQL("customer.user_id IS NOT NULL")
    else:
        of_users = SQL("customer.user_id = ANY(%s)", params["user_ids"])
    return SQL(
        """
        SELECT customer.id AS customer_id, customer.user_id
          FROM res_partner customer
         WHERE customer.active
           AND customer.id = customer.commercial_partner_id
           AND %(of_users)s
           AND (customer.company_id IS NULL OR customer.company_id = %(company_id)s)
           AND customer.id NOT IN (SELECT partner_id FROM res_company)
    """,
        of_users=of_users,
        company_id=params["company_id"],
    )


PORTFOLIO_COLUMNS = ("customers", "complete_customers")


def portfolio_query(params):
    """Customers of each salesperson and how many of them have complete contact data.

    Complete: an email, a phone or a mobile, and an address with street, city
    and country; the data of the customer's contacts counts for the customer.
    """
    return SQL(
        """
        WITH portfolio AS (%(portfolio)s),
        -- over every commercial partner, then joined: PostgreSQL underestimates the
        -- portfolio (id = commercial_partner_id has no statistics) and would look
        -- the contacts up customer by customer
        contact_data AS (
            SELECT member.commercial_partner_id AS customer_id,
                   BOOL_OR(COALESCE(TRIM(member.email), '') <> '') AS has_email,
                   BOOL_OR(COALESCE(TRIM(member.phone), '') <> ''
                           OR COALESCE(TRIM(member.mobile), '') <> '') AS has_phone,
                   BOOL_OR(COALESCE(TRIM(member.street), '') <> ''
                           AND COALESCE(TRIM(member.city), '') <> ''
                           AND member.country_id IS NOT NULL) AS has_address
              FROM res_partner member
             WHERE member.active OR member.id = member.commercial_partner_id
             GROUP BY member.commercial_partner_id
        )
        SELECT portfolio.user_id,
               COUNT(*),
               COUNT(*) FILTER (WHERE contact_data.has_email AND contact_data.has_phone
                                      AND contact_data.has_address)
          FROM portfolio
          JOIN contact_data ON contact_data.customer_id = portfolio.customer_id
         GROUP BY portfolio.user_id
    """,
        portfolio=_portfolio(params),
        **params,
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
    customers attend it.
    """
    return SQL(
        """
        WITH portfolio AS (%(portfolio)s),
        done_activities AS (
            SELECT COALESCE(on_partner.commercial_partner_id, lead_partner.commercial_partner_id,
                            order_partner.commercial_partner_id) AS customer_id
              FROM mail_message message
              JOIN mail_activity_type activity_type
                ON activity_type.id = message.mail_activity_type_id
              LEFT JOIN res_partner on_partner
                ON message.model = 'res.partner' AND on_partner.id = message.res_id
              LEFT JOIN crm_lead lead
                ON message.model = 'crm.lead' AND lead.id = message.res_id
               AND (lead.company_id IS NULL OR lead.company_id = %(company_id)s)
              LEFT JOIN res_partner lead_partner ON lead_partner.id = lead.partner_id
              LEFT JOIN sale_order sale
                ON message.model = 'sale.order' AND sale.id = message.res_id
               AND sale.company_id = %(company_id)s
              LEFT JOIN res_partner order_partner ON order_partner.id = sale.partner_id
             WHERE message.model IN ('res.partner', 'crm.lead', 'sale.order')
               AND message.date >= %(start_utc)s AND message.date < %(end_utc)s
               AND activity_type.category IS DISTINCT FROM 'meeting'
        ),
        activities AS (
            SELECT portfolio.user_id, COUNT(*) AS done
              FROM done_activities
              JOIN portfolio ON portfolio.customer_id = done_activities.customer_id
             GROUP BY portfolio.user_id
        ),
        -- the customers at the meetings of the period first (MATERIALIZED: else the
        -- underestimated portfolio drives the join, customer by customer)
        meeting_guests AS MATERIALIZED (
            SELECT event.id AS event_id, guest.commercial_partner_id AS customer_id
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
            SELECT portfolio.user_id, COUNT(DISTINCT meeting_guests.event_id) AS held
              FROM meeting_guests
              JOIN portfolio ON portfolio.customer_id = meeting_guests.customer_id
             GROUP BY portfolio.user_id
        )
        SELECT COALESCE(activities.user_id, meetings.user_id),
               COALESCE(activities.done, 0),
               COALESCE(meetings.held, 0)
          FROM activities
          FULL JOIN meetings ON meetings.user_id = activities.user_id
    """,
        portfolio=_portfolio(params),
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


RETENTION_COLUMNS = ("customers_at_start", "customers_at_end", "new_customers")

# sales that make a partner a customer, with the local date of the sale
_ORDER_SALES = """
    SELECT buyer.commercial_partner_id AS customer_id,
           (sale.date_order AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS sale_date
      FROM sale_order sale
      JOIN res_partner buyer ON buyer.id = sale.partner_id
     WHERE sale.company_id = %(company_id)s
       AND sale.state = 'sale'
       AND sale.date_order >= %(window_start_utc)s AND sale.date_order < %(end_utc)s
"""
_INVOICE_SALES = """
    SELECT move.commercial_partner_id AS customer_id, move.invoice_date AS sale_date
      FROM account_move move
     WHERE move.company_id = %(company_id)s
       AND move.state = 'posted'
       AND move.move_type = 'out_invoice'
       AND move.invoice_date > %(start_window_floor)s AND move.invoice_date <= %(date_to)s
"""


def retention_query(params):
    """Customers at the start, at the end, and new in the period, of each salesperson.

    A customer "at" a date bought in the analysis window that ends on that
    date (the window of the classification: a customer without a purchase in
    it is lost). The start is the day before the period, the end its last day;
    new customers are the customers at the end who were not customers at the
    start. The sales are those the classification analyses (``params["source"]``:
    confirmed orders or posted invoices).
    """
    sales = _INVOICE_SALES if params["source"] == "invoice" else _ORDER_SALES
    return SQL(
        """
        WITH portfolio AS (%(portfolio)s),
        sales AS (%(sales)s),
        status AS (
            SELECT customer_id,
                   BOOL_OR(sale_date > %(start_window_floor)s
                           AND sale_date <= %(start_as_of)s) AS at_start,
                   BOOL_OR(sale_date > %(end_window_floor)s
                           AND sale_date <= %(date_to)s) AS at_end
              FROM sales
             GROUP BY customer_id
        )
        SELECT portfolio.user_id,
               COUNT(*) FILTER (WHERE status.at_start),
               COUNT(*) FILTER (WHERE status.at_end),
               COUNT(*) FILTER (WHERE status.at_end AND NOT status.at_start)
          FROM status
          JOIN portfolio ON portfolio.customer_id = status.customer_id
         GROUP BY portfolio.user_id
    """,
        portfolio=_portfolio(params),
        sales=SQL(sales, **params),
        **params,
    )


ORDER_COLUMNS = ("completed_orders", "revenue", "profit")


def orders_query(params):
    """Orders confirmed in the period by each salesperson: completed ones, revenue, profit.

    Untaxed amount and margin in the company currency at the rate of the order
    date; cancelled orders and quotations are left out. An order is completed
    when each of its product lines is fully delivered and fully invoiced by
    posted invoices (a credit note made from the order lowers the invoiced
    quantity again; a draft invoice does not count yet).

    The checks are set-based (one pass over the lines of the period's orders,
    one over the lines of draft invoices) rather than per order: a year of a
    large company holds hundreds of thousands of orders.
    """
    return SQL(
        """
        -- per order: a product line with a quantity, a product line (other than a
        -- down payment) not fully delivered or invoiced yet
        WITH orders AS (
            SELECT sale.id,
                   sale.user_id,
                   ROUND(sale.amount_untaxed / NULLIF(sale.currency_rate, 0), %(digits)s)
                       AS revenue,
                   ROUND(COALESCE(sale.margin, 0) / NULLIF(sale.currency_rate, 0), %(digits)s)
                       AS profit,
                   BOOL_OR(line.product_uom_qty > 0) AS has_quantity,
                   BOOL_OR(NOT COALESCE(line.is_downpayment, FALSE)
                           AND (line.qty_delivered < line.product_uom_qty
                                OR line.qty_invoiced < line.product_uom_qty)) AS pending
              FROM sale_order sale
              LEFT JOIN sale_order_line line
                ON line.order_id = sale.id AND line.display_type IS NULL
             WHERE sale.company_id = %(company_id)s
               AND sale.state = 'sale'
               AND sale.date_order >= %(start_utc)s AND sale.date_order < %(end_utc)s
               AND sale.user_id = ANY(%(user_ids)s)
             GROUP BY sale.id
        ),
        -- orders with a product line (other than a down payment) on a draft invoice
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
        SELECT orders.user_id,
               COUNT(*) FILTER (WHERE COALESCE(orders.has_quantity, FALSE)
                                      AND NOT COALESCE(orders.pending, FALSE)
                                      AND draft_invoiced.order_id IS NULL),
               COALESCE(SUM(orders.revenue), 0),
               COALESCE(SUM(orders.profit), 0)
          FROM orders
          LEFT JOIN draft_invoiced ON draft_invoiced.order_id = orders.id
         GROUP BY orders.user_id
    """,
        **params,
    )


PAYMENT_COLUMNS = ("payments",)


def payments_query(params):
    """Money received in the period on each salesperson's customer invoices.

    The amounts of the reconciliations, in company currency, between his posted
    invoices and payments (or bank statement lines) dated in the period, less
    the money paid back the same way on his credit notes. A credit note set
    against an invoice is not a payment and moves nothing; exchange differences
    are left out, so a payment counts at the rate of its own date.
    """
    return SQL(
        """
        WITH received AS (
            SELECT invoice.invoice_user_id AS user_id, partial.amount AS amount
              FROM account_partial_reconcile partial
              JOIN account_move_line invoice_line ON invoice_line.id = partial.debit_move_id
              JOIN account_move invoice ON invoice.id = invoice_line.move_id
              JOIN account_move_line payment_line ON payment_line.id = partial.credit_move_id
              JOIN account_move payment ON payment.id = payment_line.move_id
             WHERE invoice.move_type = 'out_invoice'
               AND invoice.state = 'posted'
               AND invoice.company_id = %(company_id)s
               AND invoice.invoice_user_id = ANY(%(user_ids)s)
               AND (payment.origin_payment_id IS NOT NULL OR payment.statement_line_id IS NOT NULL)
               AND payment_line.date >= %(date_from)s AND payment_line.date <= %(date_to)s
             UNION ALL
            SELECT refund.invoice_user_id, -partial.amount
              FROM account_partial_reconcile partial
              JOIN account_move_line refund_line ON refund_line.id = partial.credit_move_id
              JOIN account_move refund ON refund.id = refund_line.move_id
              JOIN account_move_line payment_line ON payment_line.id = partial.debit_move_id
              JOIN account_move payment ON payment.id = payment_line.move_id
             WHERE refund.move_type = 'out_refund'
               AND refund.state = 'posted'
               AND refund.company_id = %(company_id)s
               AND refund.invoice_user_id = ANY(%(user_ids)s)
               AND (payment.origin_payment_id IS NOT NULL OR payment.statement_line_id IS NOT NULL)
               AND payment_line.date >= %(date_from)s AND payment_line.date <= %(date_to)s
        )
        SELECT user_id, SUM(amount)
          FROM received
         GROUP BY user_id
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


# every query with the names of its value columns, in execution order
QUERIES = (
    (portfolio_query, PORTFOLIO_COLUMNS),
    (contacts_query, CONTACTS_COLUMNS),
    (stage_changes_query, STAGE_COLUMNS),
    (retention_query, RETENTION_COLUMNS),
    (orders_query, ORDER_COLUMNS),
    (payments_query, PAYMENT_COLUMNS),
)
