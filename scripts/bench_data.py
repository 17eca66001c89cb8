"""Synthetic sales history for the scale benchmark, written directly with SQL.

``build_benchmark_data(env, customers)`` fills one company with customers and
their contacts, salespeople, 24 months of orders with lines, invoices, credit
notes, opportunities and activities, in a few set-based INSERTs: a million
orders load in minutes, where the ORM would need hours. ``add_next_day_orders``
then gives a share of the customers an order on the next day, for the
benchmark's steady nightly run. Only the benchmark (``scripts/bench.py``, its
``--smoke`` mode included) uses this module: it is not part of the addon, and
it may skip the foreign-key triggers while it loads (``check_foreign_keys``).

Customers follow a fixed cycle of purchase patterns, so that every stage and
every class occurs at any scale from 20 customers up:

- ``steady``: an order every month, amounts within ±5 % (regular, X);
- ``variable``: an order every month, amounts within ±30 % (regular, mostly Y);
- ``irregular``: 3 to 10 orders at random dates (regular Z, one-off or lost);
- ``seasonal``: an order every quarter (regular, Z);
- ``one_off``: 1 or 2 orders in the last year, maybe some before (one-off);
- ``lost``: 1 to 5 orders more than a year ago (lost);
- ``prospect``: no order, but an opportunity and/or a quotation (potential).

The amounts vary by customer over two orders of magnitude, which yields the
three ABC classes. One customer in ten buys in a second currency, a contact
places a share of the orders, some contacts are archived, a few orders are
cancelled and a few invoices get a credit note. Everything is written in the
caller's transaction; nothing is committed here.
"""

from dataclasses import dataclass

from odoo import fields

# one cycle of 20 customers: the share of each pattern in the population
PATTERN_CYCLE = (
    ["steady"] * 3
    + ["variable"] * 3
    + ["irregular"] * 4
    + ["seasonal"] * 2
    + ["one_off"] * 3
    + ["lost"] * 2
    + ["prospect"] * 3
)
DEFAULT_MONTHS = 24
# required columns that exist only with other modules (or other features of this
# addon) installed: table -> {column: SQL value}
OPTIONAL_COLUMNS = {
    "sale_order": {"picking_policy": "'direct'"},  # sale_stock
    # the importance of activities (the agenda): half normal, a quarter high, a quarter low
    "mail_activity": {
        "importance": "(ARRAY['high', 'normal', 'normal', 'low'])[1 + floor(random() * 4)::int]",
    },
}


@dataclass
class BenchmarkData:
    """What was built: the ids the measurements need and the row counts."""

    company_id: int
    as_of: object
    manager_user_id: int
    agenda_user_id: int
    salesperson_user_ids: list
    counts: dict


def build_benchmark_data(
    env,
    customers,
    *,
    company=None,
    as_of=None,
    salespeople=200,
    agenda_events=10_000,
    months=DEFAULT_MONTHS,
    seed=0.42,
    check_foreign_keys=True,
    addon=True,
):
    """Build the synthetic data of `customers` customers in `company` (default env.company).

    Returns a BenchmarkData. `agenda_events` open activities go to one salesperson
    (the agenda user), spread over six months before and after `as_of`.
    Without `check_foreign_keys` (and for a database superuser only), the
    foreign key triggers are skipped while loading: ten times faster, for the
    benchmark; the smoke test keeps them, which checks the builder. Without `addon`
    (a database without crm_xyz_addon: the write-path benchmark's floor), the addon's
    own columns and rows are left out (the completed flag, the payments received).
    """
    company = company or env.company
    as_of = fields.Date.to_date(as_of) or fields.Date.context_today(env["res.partner"])
    env.flush_all()
    params = _reference_params(env, company, as_of)
    params.update(
        {
            "customers": customers,
            "salespeople": salespeople,
            "agenda_events": agenda_events,
            "months": months,
            "seed": seed,
            "patterns": PATTERN_CYCLE,
            "cycle": len(PATTERN_CYCLE),
        }
    )
    cr = env.cr
    optional = _optional_columns(cr)
    cr.execute("SELECT setseed(%(seed)s)", params)
    cr.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    skip_checks = not check_foreign_keys and cr.fetchone()[0]
    if skip_checks:
        # replica mode fires no trigger, hence no foreign key check, until set back
        cr.execute("SET LOCAL session_replication_role = replica")
    for statement in BUILD_STATEMENTS:
        cr.execute(statement.format(**optional) if "{" in statement else statement, params)
    if addon:
        # the stored flag of completed orders, as the ORM keeps it (imported here: the
        # addons path is known once Odoo's configuration is read)
        from odoo.addons.crm_xyz_addon.tools.manager_report_query import (
            flag_completed_orders,
            record_received_payments_query,
        )

        flag_completed_orders(cr)
    if skip_checks:
        cr.execute("SET LOCAL session_replication_role = origin")
    if addon:
        # ... and the payments received, as the reconciliations made through the ORM
        # write them
        cr.execute(record_received_payments_query())
    cr.execute(COUNTS_QUERY)
    counts = dict(zip([desc[0] for desc in cr.description], cr.fetchone(), strict=True))
    cr.execute("SELECT user_id, is_manager, is_agenda FROM bench_salesperson ORDER BY k")
    users = cr.fetchall()
    cr.execute(DROP_WORK_TABLES)
    env.invalidate_all()
    return BenchmarkData(
        company_id=company.id,
        as_of=as_of,
        manager_user_id=next(uid for uid, manager, _agenda in users if manager),
        agenda_user_id=next(uid for uid, _manager, agenda in users if agenda),
        salesperson_user_ids=[uid for uid, manager, _agenda in users if not manager],
        counts=counts,
    )


def _optional_columns(cr):
    """'{table}_columns' / '{table}_values' fragments for the OPTIONAL_COLUMNS present."""
    fragments = {}
    for table, values in OPTIONAL_COLUMNS.items():
        cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name IN %s",
            [table, tuple(values)],
        )
        present = [name for (name,) in cr.fetchall()]
        fragments[f"{table}_columns"] = "".join(f", {name}" for name in present)
        fragments[f"{table}_values"] = "".join(f", {values[name]}" for name in present)
    return fragments


def _reference_params(env, company, as_of):
    """Ids of the few configuration records the documents point to (made with the ORM)."""
    sudo_env = env(su=True)
    product = sudo_env["product.product"].create(
        {
            "name": "Benchmark Service",
            "type": "service",
            "list_price": 100.0,
            "standard_price": 60.0,
            "taxes_id": [(5, 0, 0)],
            "invoice_policy": "order",
            "company_id": False,
        }
    )
    journal = sudo_env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
    )
    accounts = sudo_env["account.account"].with_company(company)
    receivable = accounts.search(
        [("company_ids", "in", company.id), ("account_type", "=", "asset_receivable")], limit=1
    )
    income = accounts.search(
        [("company_ids", "in", company.id), ("account_type", "=", "income")], limit=1
    )
    bank_journal = sudo_env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
    )
    if not (journal and receivable and income and bank_journal.default_account_id):
        raise ValueError(f"company {company.name} needs a chart of accounts for the benchmark")
    currency = company.currency_id
    other_currency = (
        sudo_env["res.currency"]
        .with_context(active_test=False)
        .search([("name", "in", ("EUR", "USD")), ("id", "!=", currency.id)], limit=1)
    )
    team = sudo_env["crm.team"].search([("company_id", "in", (company.id, False))], limit=1)
    stage = sudo_env["crm.stage"].search([], limit=1)
    salesman_group = env.ref("sales_team.group_sale_salesman")
    manager_group = env.ref("sales_team.group_sale_manager")
    activity_type = env.ref("mail.mail_activity_data_call", raise_if_not_found=False) or sudo_env[
        "mail.activity.type"
    ].search([], limit=1)
    return {
        "company_id": company.id,
        "company_partner_id": company.partner_id.id,
        "country_id": (company.country_id or env.ref("base.us")).id,
        "currency_id": currency.id,
        "other_currency_id": (other_currency or currency).id,
        "digits": currency.decimal_places,
        "as_of": as_of,
        "uid": env.uid,
        "product_id": product.id,
        "uom_id": product.uom_id.id,
        "journal_id": journal.id,
        "bank_journal_id": bank_journal.id,
        "bank_account_id": bank_journal.default_account_id.id,
        "receivable_account_id": receivable.id,
        "income_account_id": income.id,
        "team_id": team.id or None,
        "crm_stage_id": stage.id or None,
        "salesman_group_ids": (salesman_group | salesman_group.trans_implied_ids).ids,
        "manager_group_ids": (manager_group | manager_group.trans_implied_ids).ids,
        "activity_type_id": activity_type.id,
        "partner_model_id": env["ir.model"]._get_id("res.partner"),
        "activities_subtype_id": env.ref("mail.mt_activities").id,
    }


# Work tables: ids are drawn from the real sequences first, so that every INSERT
# into an Odoo table is a plain INSERT ... SELECT and related rows can refer to
# each other without a round trip.
BUILD_STATEMENTS = (
    # ------------------------------------------------------------ salespeople
    # k = 0 is the sales manager (no customers), k = 1 the agenda salesperson
    """
    CREATE TEMP TABLE bench_salesperson ON COMMIT DROP AS
    SELECT k,
           nextval('res_partner_id_seq')::int AS partner_id,
           nextval('res_users_id_seq')::int AS user_id,
           k = 0 AS is_manager,
           k = 1 AS is_agenda,
           CASE WHEN k = 0 THEN 'Benchmark Sales Manager'
                ELSE 'Benchmark Salesperson ' || lpad(k::text, 4, '0') END AS name
      FROM generate_series(0, %(salespeople)s) k
    """,
    """
    INSERT INTO res_partner
           (id, name, complete_name, email, email_normalized, company_id, active, type,
            is_company, commercial_partner_id, lang, tz, partner_share, customer_rank,
            supplier_rank, autopost_bills, create_uid, write_uid, create_date, write_date)
    SELECT partner_id, name, name, 'bench.user.' || k || '@example.com',
           'bench.user.' || k || '@example.com', %(company_id)s, TRUE, 'contact', FALSE,
           partner_id, 'en_US', 'UTC', FALSE, 0, 0, 'ask', %(uid)s, %(uid)s,
           NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
      FROM bench_salesperson
    """,
    """
    INSERT INTO res_users
           (id, login, partner_id, company_id, active, share, notification_type,
            create_uid, write_uid, create_date, write_date)
    SELECT user_id, 'bench_user_' || k, partner_id, %(company_id)s, TRUE, FALSE, 'email',
           %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
      FROM bench_salesperson
    """,
    """
    INSERT INTO res_company_users_rel (cid, user_id)
    SELECT %(company_id)s, user_id FROM bench_salesperson
    """,
    """
    INSERT INTO res_groups_users_rel (gid, uid)
    SELECT DISTINCT gid, sp.user_id
      FROM bench_salesperson sp
     CROSS JOIN LATERAL unnest(CASE WHEN sp.is_manager THEN %(manager_group_ids)s::int[]
                                    ELSE %(salesman_group_ids)s::int[] END) AS gid
    """,
    # -------------------------------------------------------------- customers
    """
    CREATE TEMP TABLE bench_customer ON COMMIT DROP AS
    SELECT n,
           nextval('res_partner_id_seq')::int AS partner_id,
           (%(patterns)s::text[])[1 + n %% %(cycle)s] AS pattern,
           -- a log-uniform base amount: 40 to 3,600, so that the ABC classes spread out
           ROUND((40 * EXP(random() * 4.5))::numeric, 2) AS base_amount,
           n %% 7 = 3 AS foreign_currency,
           floor(random() * 4)::int AS contact_count,
           random() < 0.8 AS has_email,
           random() < 0.7 AS has_phone,
           random() < 0.75 AS has_address,
           -- each salesperson gets customers of every pattern
           1 + (n + 27 * (n / 20)) %% %(salespeople)s AS salesperson,
           -- prospects: 0 opportunity, 1 quotation, 2 both, 3 neither (no stage)
           (n / 20) %% 4 AS prospect_kind
      FROM generate_series(1, %(customers)s) n
    """,
    """
    ALTER TABLE bench_customer ADD COLUMN user_id int
    """,
    """
    UPDATE bench_customer c SET user_id = sp.user_id
      FROM bench_salesperson sp WHERE sp.k = c.salesperson
    """,
    "CREATE INDEX ON bench_customer (partner_id)",
    """
    INSERT INTO res_partner
           (id, name, complete_name, commercial_company_name, email, email_normalized, phone,
            street, city, zip, country_id, user_id, active, type, is_company,
            commercial_partner_id, lang, partner_share, customer_rank, supplier_rank,
            autopost_bills, create_uid, write_uid, create_date, write_date)
    SELECT partner_id, 'Benchmark Customer ' || n, 'Benchmark Customer ' || n,
           'Benchmark Customer ' || n,
           CASE WHEN has_email THEN 'customer' || n || '@example.com' END,
           CASE WHEN has_email THEN 'customer' || n || '@example.com' END,
           CASE WHEN has_phone THEN '+1 555 ' || lpad((n %% 10000000)::text, 7, '0') END,
           CASE WHEN has_address THEN n || ' Market Street' END,
           CASE WHEN has_address THEN 'Springfield' END,
           CASE WHEN has_address THEN lpad((n %% 100000)::text, 5, '0') END,
           CASE WHEN has_address THEN %(country_id)s END,
           user_id, TRUE, 'contact', TRUE, partner_id, 'en_US', TRUE, 1, 0, 'ask',
           %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
      FROM bench_customer
    """,
    # child contacts: 0 to 3 per customer, one in twenty archived
    """
    CREATE TEMP TABLE bench_contact ON COMMIT DROP AS
    SELECT c.partner_id AS customer_id, c.n, k,
           nextval('res_partner_id_seq')::int AS partner_id,
           random() >= 0.05 AS active
      FROM bench_customer c
     CROSS JOIN LATERAL generate_series(0, c.contact_count - 1) k
    """,
    "CREATE INDEX ON bench_contact (customer_id, k)",
    """
    INSERT INTO res_partner
           (id, name, complete_name, commercial_company_name, parent_id, email,
            email_normalized, active, type, is_company, commercial_partner_id, lang,
            partner_share, customer_rank, supplier_rank, autopost_bills,
            create_uid, write_uid, create_date, write_date)
    SELECT partner_id, 'Contact ' || (k + 1), 'Benchmark Customer ' || n || ', Contact ' || (k + 1),
           'Benchmark Customer ' || n, customer_id,
           'contact' || (k + 1) || '.customer' || n || '@example.com',
           'contact' || (k + 1) || '.customer' || n || '@example.com',
           active, 'contact', FALSE, customer_id, 'en_US', TRUE, 0, 0, 'ask',
           %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
      FROM bench_contact
    """,
    # ----------------------------------------------------------------- orders
    # one row per order: the customer, the day (back from as_of) and the amount factor
    """
    CREATE TEMP TABLE bench_order_plan ON COMMIT DROP AS
    -- steady and variable: one order in each month of the history
    SELECT c.partner_id AS customer_id,
           (%(as_of)s::date - make_interval(months => m))::date
               - floor(random() * 27)::int AS day,
           CASE WHEN c.pattern = 'steady' THEN 0.95 + random() * 0.10
                ELSE 0.70 + random() * 0.60 END AS factor
      FROM bench_customer c
     CROSS JOIN generate_series(0, %(months)s - 1) m
     WHERE c.pattern IN ('steady', 'variable')
     UNION ALL
    -- seasonal: one order each quarter
    SELECT c.partner_id, (%(as_of)s::date - make_interval(months => 3 * q))::date
               - floor(random() * 20)::int,
           0.8 + random() * 0.4
      FROM bench_customer c
     CROSS JOIN generate_series(0, %(months)s / 3 - 1) q
     WHERE c.pattern = 'seasonal'
     UNION ALL
    -- irregular: 3 to 10 orders anywhere in the history
    SELECT c.partner_id, %(as_of)s::date - floor(random() * 30.4 * %(months)s)::int,
           0.2 + random() * 1.6
      FROM bench_customer c
     CROSS JOIN LATERAL generate_series(1, 3 + floor(random() * 8)::int + (c.n * 0)) i
     WHERE c.pattern = 'irregular'
     UNION ALL
    -- one-off: 1 or 2 orders in the last year, 0 to 2 in the year before
    SELECT c.partner_id,
           CASE WHEN i <= 1 + c.n %% 2 THEN %(as_of)s::date - floor(random() * 360)::int
                ELSE %(as_of)s::date - 370 - floor(random() * 350)::int END,
           0.5 + random()
      FROM bench_customer c
     CROSS JOIN LATERAL generate_series(1, 1 + c.n %% 2 + c.n %% 3) i
     WHERE c.pattern = 'one_off'
     UNION ALL
    -- lost: 1 to 5 orders, all more than a year ago
    SELECT c.partner_id, %(as_of)s::date - 370 - floor(random() * 350)::int,
           0.5 + random()
      FROM bench_customer c
     CROSS JOIN LATERAL generate_series(1, 1 + floor(random() * 5)::int + (c.n * 0)) i
     WHERE c.pattern = 'lost'
    """,
    # who placed the order: the contact number `pick` when the customer has that many
    "ALTER TABLE bench_order_plan ADD COLUMN pick int",
    "UPDATE bench_order_plan SET pick = floor(random() * 4)::int",
    # the order rows: who placed it, currency, state
    """
    CREATE TEMP TABLE bench_order ON COMMIT DROP AS
    SELECT nextval('sale_order_id_seq')::int AS order_id,
           p.customer_id,
           COALESCE(ct.partner_id, p.customer_id) AS partner_id,
           c.user_id,
           (p.day + make_interval(hours => 8 + floor(random() * 10)::int,
                                  mins => floor(random() * 60)::int))::timestamp AS date_order,
           p.day,
           CASE WHEN c.foreign_currency THEN %(other_currency_id)s ELSE %(currency_id)s END
               AS currency_id,
           CASE WHEN c.foreign_currency THEN ROUND((1.05 + random() * 0.10)::numeric, 6)
                ELSE 1.0 END AS currency_rate,
           ROUND(c.base_amount * p.factor::numeric, 2) AS amount,
           ROUND((0.15 + random() * 0.30)::numeric, 4) AS margin_rate,
           -- one order in fifty is cancelled
           CASE WHEN random() < 0.02 THEN 'cancel' ELSE 'sale' END AS state,
           1 + (random() < 0.5)::int AS line_count
      FROM bench_order_plan p
      JOIN bench_customer c ON c.partner_id = p.customer_id
      LEFT JOIN bench_contact ct ON ct.customer_id = p.customer_id
                                AND ct.k = p.pick
     WHERE p.day <= %(as_of)s::date
     UNION ALL
    -- open quotations: for every prospect whose number says so, and one customer in 25
    SELECT nextval('sale_order_id_seq')::int, c.partner_id, c.partner_id, c.user_id,
           (%(as_of)s::date - floor(random() * 60)::int + time '10:00')::timestamp,
           %(as_of)s::date, %(currency_id)s, 1.0, c.base_amount, 0.25,
           CASE WHEN random() < 0.5 THEN 'draft' ELSE 'sent' END, 1
      FROM bench_customer c
     WHERE (c.pattern = 'prospect' AND c.prospect_kind IN (1, 2))
        OR (c.pattern <> 'prospect' AND c.n %% 23 = 0)
    """,
    "CREATE INDEX ON bench_order (order_id)",
    """
    INSERT INTO sale_order
           (id, name, company_id, partner_id, partner_invoice_id, partner_shipping_id, user_id,
            team_id, currency_id, currency_rate, date_order, state, invoice_status,
            amount_untaxed, amount_tax, amount_total, margin, margin_percent,
            locked, require_signature, require_payment, prepayment_percent,
            create_uid, write_uid, create_date, write_date {sale_order_columns})
    SELECT order_id, 'BS' || lpad(order_id::text, 8, '0'), %(company_id)s, partner_id,
           partner_id, partner_id, user_id, %(team_id)s, currency_id, currency_rate,
           date_order, state,
           CASE WHEN state = 'sale' AND day <= %(as_of)s::date - 3 THEN 'invoiced'
                WHEN state = 'sale' THEN 'to invoice' ELSE 'no' END,
           amount, 0, amount, ROUND(amount * margin_rate, 2), margin_rate::float,
           FALSE, FALSE, FALSE, 1.0,
           %(uid)s, %(uid)s, date_order, date_order {sale_order_values}
      FROM bench_order
    """,
    # one or two lines per order; the second line carries the rounding remainder
    """
    CREATE TEMP TABLE bench_line ON COMMIT DROP AS
    SELECT nextval('sale_order_line_id_seq')::int AS line_id, o.order_id, l AS sequence,
           CASE WHEN o.line_count = 1 THEN o.amount
                WHEN l = 1 THEN ROUND(o.amount * 0.6, 2)
                ELSE o.amount - ROUND(o.amount * 0.6, 2) END AS amount,
           o.margin_rate
      FROM bench_order o
     CROSS JOIN LATERAL generate_series(1, o.line_count) l
    """,
    """
    INSERT INTO sale_order_line
           (id, order_id, sequence, company_id, currency_id, order_partner_id, salesman_id,
            product_id, product_uom, name, state, product_uom_qty, price_unit, discount,
            price_subtotal, price_total, price_tax, price_reduce_taxexcl, price_reduce_taxinc,
            technical_price_unit, qty_delivered_method, qty_delivered, qty_invoiced,
            qty_to_invoice, untaxed_amount_invoiced, untaxed_amount_to_invoice, invoice_status,
            customer_lead, is_downpayment, is_expense, purchase_price, margin, margin_percent,
            create_uid, write_uid, create_date, write_date)
    SELECT l.line_id, o.order_id, l.sequence, %(company_id)s, o.currency_id, o.partner_id,
           o.user_id, %(product_id)s, %(uom_id)s, 'Benchmark Service', o.state, 1, l.amount, 0,
           l.amount, l.amount, 0, l.amount, l.amount, l.amount, 'manual',
           CASE WHEN o.state = 'sale' AND o.day <= %(as_of)s::date - 7 THEN 1 ELSE 0 END,
           CASE WHEN invoiced THEN 1 ELSE 0 END,
           CASE WHEN o.state = 'sale' AND NOT invoiced THEN 1 ELSE 0 END,
           CASE WHEN invoiced THEN l.amount ELSE 0 END,
           CASE WHEN o.state = 'sale' AND NOT invoiced THEN l.amount ELSE 0 END,
           CASE WHEN invoiced THEN 'invoiced' WHEN o.state = 'sale' THEN 'to invoice'
                ELSE 'no' END,
           0, FALSE, FALSE, ROUND(l.amount * (1 - l.margin_rate), 2),
           ROUND(l.amount * l.margin_rate, 2), l.margin_rate::float,
           %(uid)s, %(uid)s, o.date_order, o.date_order
      FROM bench_line l
      JOIN bench_order o ON o.order_id = l.order_id
     CROSS JOIN LATERAL (SELECT o.state = 'sale' AND o.day <= %(as_of)s::date - 3 AS invoiced) i
    """,
    # --------------------------------------------------------------- invoices
    # every confirmed order older than 3 days is invoiced; one invoice in 30 gets a credit note
    """
    CREATE TEMP TABLE bench_move ON COMMIT DROP AS
    SELECT nextval('account_move_id_seq')::int AS move_id, 'out_invoice'::varchar AS move_type,
           o.order_id, o.customer_id, o.partner_id, o.user_id, o.currency_id, o.currency_rate,
           LEAST(o.day + floor(random() * 4)::int, %(as_of)s::date) AS invoice_date,
           1.0 AS share
      FROM bench_order o
     WHERE o.state = 'sale' AND o.day <= %(as_of)s::date - 3
    """,
    """
    INSERT INTO bench_move
    SELECT nextval('account_move_id_seq')::int, 'out_refund', order_id, customer_id,
           partner_id, user_id, currency_id, currency_rate,
           LEAST(invoice_date + 5 + floor(random() * 25)::int, %(as_of)s::date),
           ROUND((0.2 + random() * 0.8)::numeric, 2)
      FROM bench_move
     WHERE random() < 1.0 / 30
    """,
    # invoice lines: one per order line (credit notes: one line for their share)
    """
    CREATE TEMP TABLE bench_move_line ON COMMIT DROP AS
    SELECT nextval('account_move_line_id_seq')::int AS aml_id, m.move_id, l.line_id,
           l.sequence, l.amount AS amount_currency,
           ROUND(l.amount / m.currency_rate, %(digits)s) AS amount
      FROM bench_move m
      JOIN bench_line l ON l.order_id = m.order_id
     WHERE m.move_type = 'out_invoice'
     UNION ALL
    SELECT nextval('account_move_line_id_seq')::int, m.move_id, NULL, 1,
           ROUND(o.amount * m.share, 2), ROUND(ROUND(o.amount * m.share, 2) / m.currency_rate,
                                               %(digits)s)
      FROM bench_move m
      JOIN bench_order o ON o.order_id = m.order_id
     WHERE m.move_type = 'out_refund'
    """,
    """
    CREATE TEMP TABLE bench_move_total ON COMMIT DROP AS
    SELECT m.*, t.amount_currency, t.amount,
           m.invoice_date + 30 AS due_date,
           p.paid,
           -- one open invoice in four is half paid
           CASE WHEN p.paid THEN t.amount_currency
                WHEN m.move_type = 'out_invoice' AND m.move_id %% 4 = 0
                     AND m.invoice_date < %(as_of)s::date - 5
                THEN ROUND(t.amount_currency / 2, 2) ELSE 0 END AS paid_amount_currency,
           CASE WHEN p.paid THEN t.amount
                WHEN m.move_type = 'out_invoice' AND m.move_id %% 4 = 0
                     AND m.invoice_date < %(as_of)s::date - 5
                THEN ROUND(ROUND(t.amount_currency / 2, 2) / m.currency_rate, %(digits)s)
                ELSE 0 END AS paid_amount,
           CASE WHEN m.move_type = 'out_refund' THEN -1 ELSE 1 END AS sign
      FROM bench_move m
      JOIN (SELECT move_id, SUM(amount_currency) AS amount_currency, SUM(amount) AS amount
              FROM bench_move_line GROUP BY move_id) t ON t.move_id = m.move_id
     CROSS JOIN LATERAL (SELECT m.invoice_date + 30 < %(as_of)s::date - 15 AS paid) p
    """,
    """
    INSERT INTO account_move
           (id, name, sequence_prefix, sequence_number, journal_id, company_id, partner_id,
            commercial_partner_id, partner_shipping_id, currency_id, move_type, state, auto_post,
            date, invoice_date, invoice_date_due, payment_state, invoice_user_id, team_id,
            invoice_origin, invoice_currency_rate, amount_untaxed, amount_tax, amount_total,
            amount_residual, amount_untaxed_signed, amount_untaxed_in_currency_signed,
            amount_tax_signed, amount_total_signed, amount_total_in_currency_signed,
            amount_residual_signed, is_storno, always_tax_exigible, checked, posted_before,
            made_sequence_gap, is_move_sent, is_manually_modified,
            create_uid, write_uid, create_date, write_date)
    SELECT m.move_id,
           CASE WHEN m.move_type = 'out_refund' THEN 'BRINV/' ELSE 'BINV/' END || m.move_id,
           CASE WHEN m.move_type = 'out_refund' THEN 'BRINV/' ELSE 'BINV/' END, m.move_id,
           %(journal_id)s, %(company_id)s, m.partner_id, m.customer_id, m.partner_id,
           m.currency_id, m.move_type, 'posted', 'no', m.invoice_date, m.invoice_date,
           m.due_date,
           CASE WHEN m.paid THEN 'paid' WHEN m.paid_amount > 0 THEN 'partial'
                ELSE 'not_paid' END,
           m.user_id, %(team_id)s, 'BS' || lpad(m.order_id::text, 8, '0'), m.currency_rate,
           m.amount_currency, 0, m.amount_currency,
           m.amount_currency - m.paid_amount_currency,
           m.sign * m.amount, m.sign * m.amount_currency, 0, m.sign * m.amount,
           m.sign * m.amount_currency, m.sign * (m.amount - m.paid_amount),
           FALSE, FALSE, TRUE, TRUE, FALSE, FALSE, FALSE,
           %(uid)s, %(uid)s, m.invoice_date, m.invoice_date
      FROM bench_move_total m
    """,
    # product lines (credit side of an invoice) and one receivable line per move
    """
    INSERT INTO account_move_line
           (id, move_id, move_name, date, invoice_date, date_maturity, parent_state, journal_id,
            company_id, company_currency_id, account_id, currency_id, partner_id, product_id,
            product_uom_id, name, display_type, sequence, quantity, price_unit, price_subtotal,
            price_total, discount, balance, amount_currency, debit, credit, amount_residual,
            amount_residual_currency, tax_base_amount, reconciled, is_imported,
            tax_tag_invert, is_downpayment, create_uid, write_uid, create_date, write_date)
    SELECT ml.aml_id, m.move_id,
           CASE WHEN m.move_type = 'out_refund' THEN 'BRINV/' ELSE 'BINV/' END || m.move_id,
           m.invoice_date, m.invoice_date, NULL, 'posted', %(journal_id)s, %(company_id)s,
           %(currency_id)s, %(income_account_id)s, m.currency_id, m.customer_id,
           %(product_id)s, %(uom_id)s, 'Benchmark Service', 'product', 10 + ml.sequence, 1,
           ml.amount_currency, ml.amount_currency, ml.amount_currency, 0,
           -m.sign * ml.amount, -m.sign * ml.amount_currency,
           CASE WHEN m.sign < 0 THEN ml.amount ELSE 0 END,
           CASE WHEN m.sign > 0 THEN ml.amount ELSE 0 END,
           0, 0, 0, FALSE, FALSE, FALSE, FALSE,
           %(uid)s, %(uid)s, m.invoice_date, m.invoice_date
      FROM bench_move_line ml
      JOIN bench_move_total m ON m.move_id = ml.move_id
     UNION ALL
    SELECT nextval('account_move_line_id_seq')::int, m.move_id,
           CASE WHEN m.move_type = 'out_refund' THEN 'BRINV/' ELSE 'BINV/' END || m.move_id,
           m.invoice_date, m.invoice_date, m.due_date, 'posted', %(journal_id)s,
           %(company_id)s, %(currency_id)s, %(receivable_account_id)s, m.currency_id,
           m.customer_id, NULL, NULL, '', 'payment_term', 100, 0, 0, 0, 0, 0,
           m.sign * m.amount, m.sign * m.amount_currency,
           CASE WHEN m.sign > 0 THEN m.amount ELSE 0 END,
           CASE WHEN m.sign < 0 THEN m.amount ELSE 0 END,
           m.sign * (m.amount - m.paid_amount),
           m.sign * (m.amount_currency - m.paid_amount_currency),
           0, m.paid, FALSE, FALSE, FALSE,
           %(uid)s, %(uid)s, m.invoice_date, m.invoice_date
      FROM bench_move_total m
    """,
    """
    INSERT INTO sale_order_line_invoice_rel (invoice_line_id, order_line_id)
    SELECT aml_id, line_id FROM bench_move_line WHERE line_id IS NOT NULL
    """,
    # ---------------------------------------------------------------- payments
    # paid documents: one payment, or two (40 %% then the rest) for one in five; half
    # paid invoices: one payment of half; credit notes are paid back to the customer.
    # Each payment is reconciled (a partial reconcile) with the document's receivable line.
    """
    CREATE TEMP TABLE bench_payment ON COMMIT DROP AS
    SELECT nextval('account_payment_id_seq')::int AS payment_id,
           nextval('account_move_id_seq')::int AS payment_move_id,
           nextval('account_move_line_id_seq')::int AS counterpart_line_id,
           nextval('account_move_line_id_seq')::int AS liquidity_line_id,
           part.*
      FROM (SELECT m.move_id, m.move_type, m.sign, m.customer_id, m.currency_id,
                   m.amount_currency AS part_currency, m.amount AS part_amount,
                   LEAST(m.invoice_date + 5 + m.move_id %% 30, %(as_of)s::date) AS day
              FROM bench_move_total m
             WHERE m.paid AND NOT (m.move_type = 'out_invoice' AND m.move_id %% 5 = 0)
             UNION ALL
            SELECT m.move_id, m.move_type, m.sign, m.customer_id, m.currency_id,
                   ROUND(m.amount_currency * 0.4, 2),
                   ROUND(ROUND(m.amount_currency * 0.4, 2) / m.currency_rate, %(digits)s),
                   LEAST(m.invoice_date + 3 + m.move_id %% 10, %(as_of)s::date)
              FROM bench_move_total m
             WHERE m.paid AND m.move_type = 'out_invoice' AND m.move_id %% 5 = 0
             UNION ALL
            SELECT m.move_id, m.move_type, m.sign, m.customer_id, m.currency_id,
                   m.amount_currency - ROUND(m.amount_currency * 0.4, 2),
                   m.amount - ROUND(ROUND(m.amount_currency * 0.4, 2) / m.currency_rate,
                                    %(digits)s),
                   LEAST(m.invoice_date + 20 + m.move_id %% 15, %(as_of)s::date)
              FROM bench_move_total m
             WHERE m.paid AND m.move_type = 'out_invoice' AND m.move_id %% 5 = 0
             UNION ALL
            SELECT m.move_id, m.move_type, m.sign, m.customer_id, m.currency_id,
                   m.paid_amount_currency, m.paid_amount,
                   LEAST(m.invoice_date + 2 + m.move_id %% 5, %(as_of)s::date)
              FROM bench_move_total m
             WHERE NOT m.paid AND m.paid_amount > 0) part
    """,
    """
    INSERT INTO account_payment
           (id, journal_id, company_id, currency_id, partner_id, name, state,
            payment_type, partner_type, date, amount, amount_company_currency_signed,
            is_reconciled, is_matched, is_sent, create_uid, write_uid, create_date, write_date)
    SELECT p.payment_id, %(bank_journal_id)s, %(company_id)s, p.currency_id,
           p.customer_id, 'BPAY/' || p.payment_id, 'paid',
           CASE WHEN p.sign > 0 THEN 'inbound' ELSE 'outbound' END, 'customer', p.day,
           -- matched: the bank line is on the bank account itself (no outstanding account)
           p.part_currency, p.sign * p.part_amount, TRUE, TRUE, FALSE,
           %(uid)s, %(uid)s, p.day, p.day
      FROM bench_payment p
    """,
    """
    INSERT INTO account_move
           (id, name, sequence_prefix, sequence_number, journal_id, company_id, partner_id,
            commercial_partner_id, currency_id, move_type, state, auto_post, date,
            payment_state, origin_payment_id, amount_untaxed, amount_tax, amount_total,
            amount_residual, amount_untaxed_signed, amount_untaxed_in_currency_signed,
            amount_tax_signed, amount_total_signed, amount_total_in_currency_signed,
            amount_residual_signed, is_storno, always_tax_exigible, checked, posted_before,
            made_sequence_gap, is_move_sent, is_manually_modified,
            create_uid, write_uid, create_date, write_date)
    SELECT p.payment_move_id, 'BPAY/' || p.payment_move_id, 'BPAY/', p.payment_move_id,
           %(bank_journal_id)s, %(company_id)s, p.customer_id, p.customer_id, p.currency_id,
           'entry', 'posted', 'no', p.day, 'not_paid', p.payment_id, 0, 0, p.part_currency, 0,
           0, 0, 0, p.part_amount, p.part_currency, 0, FALSE, TRUE, TRUE, TRUE, FALSE, FALSE,
           FALSE, %(uid)s, %(uid)s, p.day, p.day
      FROM bench_payment p
    """,
    # the payment and its entry point at each other: the second link once both exist
    """
    UPDATE account_payment payment
       SET move_id = p.payment_move_id
      FROM bench_payment p
     WHERE payment.id = p.payment_id
    """,
    # the receivable line (set against the document's) and the bank line
    """
    INSERT INTO account_move_line
           (id, move_id, move_name, date, parent_state, journal_id, company_id, payment_id,
            company_currency_id, account_id, currency_id, partner_id, name, display_type,
            sequence, quantity, price_unit, price_subtotal, price_total, discount, balance,
            amount_currency, debit, credit, amount_residual, amount_residual_currency,
            tax_base_amount, reconciled, is_imported, tax_tag_invert, is_downpayment,
            create_uid, write_uid, create_date, write_date)
    SELECT p.counterpart_line_id, p.payment_move_id, 'BPAY/' || p.payment_move_id, p.day,
           'posted', %(bank_journal_id)s, %(company_id)s, p.payment_id, %(currency_id)s,
           %(receivable_account_id)s, p.currency_id, p.customer_id, 'Payment', 'product', 10,
           0, 0, 0, 0, 0, -p.sign * p.part_amount, -p.sign * p.part_currency,
           CASE WHEN p.sign < 0 THEN p.part_amount ELSE 0 END,
           CASE WHEN p.sign > 0 THEN p.part_amount ELSE 0 END,
           0, 0, 0, TRUE, FALSE, FALSE, FALSE, %(uid)s, %(uid)s, p.day, p.day
      FROM bench_payment p
     UNION ALL
    SELECT p.liquidity_line_id, p.payment_move_id, 'BPAY/' || p.payment_move_id, p.day,
           'posted', %(bank_journal_id)s, %(company_id)s, p.payment_id, %(currency_id)s,
           %(bank_account_id)s, p.currency_id, p.customer_id, 'Payment', 'product', 20,
           0, 0, 0, 0, 0, p.sign * p.part_amount, p.sign * p.part_currency,
           CASE WHEN p.sign > 0 THEN p.part_amount ELSE 0 END,
           CASE WHEN p.sign < 0 THEN p.part_amount ELSE 0 END,
           0, 0, 0, FALSE, FALSE, FALSE, FALSE, %(uid)s, %(uid)s, p.day, p.day
      FROM bench_payment p
    """,
    """
    INSERT INTO account_partial_reconcile
           (debit_move_id, credit_move_id, debit_currency_id, credit_currency_id, company_id,
            max_date, amount, debit_amount_currency, credit_amount_currency,
            create_uid, write_uid, create_date, write_date)
    SELECT CASE WHEN p.sign > 0 THEN document_line.id ELSE p.counterpart_line_id END,
           CASE WHEN p.sign > 0 THEN p.counterpart_line_id ELSE document_line.id END,
           p.currency_id, p.currency_id, %(company_id)s, p.day, p.part_amount,
           p.part_currency, p.part_currency, %(uid)s, %(uid)s, p.day, p.day
      FROM bench_payment p
      JOIN account_move_line document_line
        ON document_line.move_id = p.move_id AND document_line.display_type = 'payment_term'
    """,
    # ---------------------------------------------------------- opportunities
    # prospects whose number says so, and one customer in ten
    """
    INSERT INTO crm_lead
           (name, type, partner_id, partner_name, company_id, user_id, team_id, stage_id,
            active, priority, probability, expected_revenue, date_open,
            date_last_stage_update, create_uid, write_uid, create_date, write_date)
    SELECT 'Opportunity of customer ' || c.n, 'opportunity', c.partner_id,
           'Benchmark Customer ' || c.n, %(company_id)s, c.user_id, %(team_id)s,
           %(crm_stage_id)s, TRUE, '1', 20, c.base_amount * 3,
           %(as_of)s::date - 30, %(as_of)s::date - 30, %(uid)s, %(uid)s,
           %(as_of)s::date - 30, %(as_of)s::date - 30
      FROM bench_customer c
     WHERE (c.pattern = 'prospect' AND c.prospect_kind IN (0, 2))
        OR (c.pattern <> 'prospect' AND c.n %% 11 = 7)
    """,
    # ------------------------------------------------------------- activities
    # open activities: one customer in three has one, due within -20..+40 days
    """
    INSERT INTO mail_activity
           (res_model_id, res_model, res_id, res_name, activity_type_id, user_id, summary,
            date_deadline, active, automated, user_tz,
            create_uid, write_uid, create_date, write_date {mail_activity_columns})
    SELECT %(partner_model_id)s, 'res.partner', c.partner_id, 'Benchmark Customer ' || c.n,
           %(activity_type_id)s, c.user_id, 'Call customer ' || c.n,
           %(as_of)s::date + floor(random() * 60 - 20)::int, TRUE, FALSE, 'UTC',
           %(uid)s, %(uid)s, %(as_of)s::date - 30, %(as_of)s::date - 30 {mail_activity_values}
      FROM bench_customer c
     WHERE c.n %% 3 = 0
    """,
    # the agenda salesperson's `agenda_events` open activities on his customers,
    # spread evenly over six months either side of as_of
    """
    INSERT INTO mail_activity
           (res_model_id, res_model, res_id, res_name, activity_type_id, user_id, summary,
            date_deadline, active, automated, user_tz,
            create_uid, write_uid, create_date, write_date {mail_activity_columns})
    SELECT %(partner_model_id)s, 'res.partner',
           own.ids[1 + e %% cardinality(own.ids)], 'Benchmark agenda customer',
           %(activity_type_id)s, sp.user_id, 'Agenda event ' || e,
           %(as_of)s::date - 182 + (e * 365 / %(agenda_events)s), TRUE, FALSE, 'UTC',
           %(uid)s, %(uid)s, %(as_of)s::date - 200, %(as_of)s::date - 200
           {mail_activity_values}
      FROM bench_salesperson sp
     CROSS JOIN (SELECT array_agg(c.partner_id ORDER BY c.n) AS ids
                   FROM bench_customer c
                   JOIN bench_salesperson s ON s.user_id = c.user_id AND s.is_agenda) own
     CROSS JOIN generate_series(0, %(agenda_events)s - 1) e
     WHERE sp.is_agenda AND own.ids IS NOT NULL
    """,
    # done activities leave a message in the customer's chatter: one per customer
    # over the last year, posted by its salesperson
    """
    INSERT INTO mail_message
           (model, res_id, record_name, message_type, subtype_id, mail_activity_type_id,
            author_id, body, is_internal, date, create_uid, write_uid, create_date, write_date)
    SELECT 'res.partner', c.partner_id, 'Benchmark Customer ' || c.n, 'notification',
           %(activities_subtype_id)s, %(activity_type_id)s, sp.partner_id,
           '<p>Call done</p>', FALSE, d, sp.user_id, sp.user_id, d, d
      FROM bench_customer c
      JOIN bench_salesperson sp ON sp.user_id = c.user_id
     CROSS JOIN LATERAL (
           SELECT (%(as_of)s::date - floor(random() * 365)::int + (c.n * 0)
                   + time '11:00')::timestamp AS d) x
     WHERE c.pattern <> 'prospect' OR c.prospect_kind < 3
    """,
    # meetings held with one customer in five over the last year
    """
    CREATE TEMP TABLE bench_meeting ON COMMIT DROP AS
    SELECT nextval('calendar_event_id_seq')::int AS event_id, c.partner_id AS customer_id,
           c.n, sp.user_id, sp.partner_id AS user_partner_id,
           (%(as_of)s::date - floor(random() * 365)::int + time '14:00')::timestamp AS start
      FROM bench_customer c
      JOIN bench_salesperson sp ON sp.user_id = c.user_id
     WHERE c.n %% 5 = 1
    """,
    """
    INSERT INTO calendar_event
           (id, name, start, stop, start_date, stop_date, duration, allday, user_id, active,
            show_as, privacy, res_model, res_id, res_model_id,
            create_uid, write_uid, create_date, write_date)
    SELECT event_id, 'Meeting with customer ' || n, start, start + interval '1 hour',
           start::date, start::date, 1.0, FALSE, user_id, TRUE, 'busy', 'public',
           'res.partner', customer_id, %(partner_model_id)s,
           user_id, user_id, start - interval '7 days', start - interval '7 days'
      FROM bench_meeting
    """,
    """
    INSERT INTO calendar_event_res_partner_rel (calendar_event_id, res_partner_id)
    SELECT event_id, customer_id FROM bench_meeting
     UNION ALL
    SELECT event_id, user_partner_id FROM bench_meeting
    """,
    """
    INSERT INTO calendar_attendee (event_id, partner_id, state, availability, common_name,
                                   create_uid, write_uid, create_date, write_date)
    SELECT event_id, customer_id, 'accepted', 'busy', 'Benchmark Customer ' || n,
           user_id, user_id, start, start FROM bench_meeting
     UNION ALL
    SELECT event_id, user_partner_id, 'accepted', 'busy', NULL,
           user_id, user_id, start, start FROM bench_meeting
    """,
)

COUNTS_QUERY = """
    SELECT (SELECT count(*) FROM bench_customer) AS customers,
           (SELECT count(*) FROM bench_contact) AS contacts,
           (SELECT count(*) FROM bench_salesperson WHERE NOT is_manager) AS salespeople,
           (SELECT count(*) FROM bench_order WHERE state = 'sale') AS confirmed_orders,
           (SELECT count(*) FROM bench_order WHERE state <> 'sale') AS other_orders,
           (SELECT count(*) FROM bench_line) AS order_lines,
           (SELECT count(*) FROM bench_move WHERE move_type = 'out_invoice') AS invoices,
           (SELECT count(*) FROM bench_move WHERE move_type = 'out_refund') AS credit_notes,
           (SELECT count(*) FROM bench_payment) AS payments,
           (SELECT count(*) FROM bench_payment p JOIN bench_move_total m USING (move_id)
             WHERE NOT m.paid OR (m.move_type = 'out_invoice' AND mod(m.move_id, 5) = 0))
               AS partial_payments,
           (SELECT count(*) FROM bench_meeting) AS meetings
"""

DROP_WORK_TABLES = """
    DROP TABLE IF EXISTS bench_payment, bench_meeting, bench_move_total, bench_move_line,
                         bench_move, bench_line, bench_order, bench_order_plan, bench_contact,
                         bench_customer, bench_salesperson
"""


# ------------------------------------------------------- the next day's orders
NEXT_DAY_PREFIX = "BNEXT/"

NEXT_DAY_STATEMENTS = (
    # one customer in `every`, by id: prospects among them buy for the first time
    """
    CREATE TEMP TABLE bench_next_order ON COMMIT DROP AS
    SELECT nextval('sale_order_id_seq')::int AS order_id,
           nextval('sale_order_line_id_seq')::int AS line_id,
           c.id AS partner_id, c.user_id,
           COALESCE(last.amount_untaxed, 100.0) AS amount
      FROM (SELECT id, user_id, row_number() OVER (ORDER BY id) AS n
              FROM res_partner
             WHERE customer_rank > 0 AND id = commercial_partner_id AND active
               AND user_id IS NOT NULL AND name LIKE 'Benchmark Customer %%') c
      LEFT JOIN LATERAL (
            SELECT so.amount_untaxed
              FROM sale_order so
             WHERE so.partner_id = c.id AND so.state = 'sale'
               AND so.currency_id = %(currency_id)s
             ORDER BY so.date_order DESC
             LIMIT 1) last ON TRUE
     WHERE c.n %% %(every)s = %(every)s / 2
    """,
    """
    INSERT INTO sale_order
           (id, name, company_id, partner_id, partner_invoice_id, partner_shipping_id, user_id,
            team_id, currency_id, currency_rate, date_order, state, invoice_status,
            amount_untaxed, amount_tax, amount_total, margin, margin_percent,
            locked, require_signature, require_payment, prepayment_percent,
            create_uid, write_uid, create_date, write_date {sale_order_columns})
    SELECT order_id, %(prefix)s || lpad(order_id::text, 8, '0'), %(company_id)s, partner_id,
           partner_id, partner_id, user_id,
           (SELECT team_id FROM sale_order WHERE company_id = %(company_id)s
             ORDER BY id LIMIT 1),
           %(currency_id)s, 1.0, %(date_order)s, 'sale', 'to invoice',
           amount, 0, amount, ROUND(amount * 0.25, 2), 0.25,
           FALSE, FALSE, FALSE, 1.0,
           %(uid)s, %(uid)s, %(date_order)s, %(date_order)s {sale_order_values}
      FROM bench_next_order
    """,
    """
    INSERT INTO sale_order_line
           (id, order_id, sequence, company_id, currency_id, order_partner_id, salesman_id,
            product_id, product_uom, name, state, product_uom_qty, price_unit, discount,
            price_subtotal, price_total, price_tax, price_reduce_taxexcl, price_reduce_taxinc,
            technical_price_unit, qty_delivered_method, qty_delivered, qty_invoiced,
            qty_to_invoice, untaxed_amount_invoiced, untaxed_amount_to_invoice, invoice_status,
            customer_lead, is_downpayment, is_expense, purchase_price, margin, margin_percent,
            create_uid, write_uid, create_date, write_date)
    SELECT n.line_id, n.order_id, 1, %(company_id)s, %(currency_id)s, n.partner_id, n.user_id,
           ref.product_id, ref.product_uom, 'Benchmark Service', 'sale', 1, n.amount, 0,
           n.amount, n.amount, 0, n.amount, n.amount, n.amount, 'manual', 0, 0, 1, 0, n.amount,
           'to invoice', 0, FALSE, FALSE, ROUND(n.amount * 0.75, 2), ROUND(n.amount * 0.25, 2),
           0.25, %(uid)s, %(uid)s, %(date_order)s, %(date_order)s
      FROM bench_next_order n
     CROSS JOIN (SELECT product_id, product_uom FROM sale_order_line
                  WHERE name = 'Benchmark Service' ORDER BY id LIMIT 1) ref
    """,
)


def add_next_day_orders(env, day, share=0.01, company=None):
    """Give one customer in 1/`share` a confirmed order on `day` (10:00 UTC); return how many.

    The orders of an earlier call are removed first, so that a database built
    once can be measured again (``--reuse``).
    """
    company = company or env.company
    env.flush_all()
    cr = env.cr
    remove_next_day_orders(cr)
    optional = _optional_columns(cr)
    params = {
        "company_id": company.id,
        "currency_id": company.currency_id.id,
        "every": max(1, round(1 / share)),
        "prefix": NEXT_DAY_PREFIX,
        "date_order": f"{day} 10:00:00",
        "uid": env.uid,
    }
    for statement in NEXT_DAY_STATEMENTS:
        cr.execute(statement.format(**optional) if "{" in statement else statement, params)
    cr.execute("SELECT count(*) FROM bench_next_order")
    count = cr.fetchone()[0]
    cr.execute("DROP TABLE bench_next_order")
    env.invalidate_all()
    return count


# a day of work after the night's refresh of the report's summaries, as the ORM writes it
# (it sets write_date): quotations confirmed today, backdated edits and cancellations
# of past orders, contact data and salespeople changed
DAY_OF_CHANGES_STATEMENTS = (
    """UPDATE sale_order
          SET state = 'sale', date_order = NOW() AT TIME ZONE 'UTC',
              write_date = NOW() AT TIME ZONE 'UTC'
        WHERE id IN (SELECT id FROM sale_order
                      WHERE company_id = %(company_id)s AND state IN ('draft', 'sent')
                      ORDER BY id LIMIT %(confirmed)s)""",
    """UPDATE sale_order
          SET amount_untaxed = ROUND(amount_untaxed * 1.1, 2),
              write_date = NOW() AT TIME ZONE 'UTC'
        WHERE company_id = %(company_id)s AND state = 'sale' AND id %% 500 = 17""",
    """UPDATE sale_order
          SET state = 'cancel', write_date = NOW() AT TIME ZONE 'UTC'
        WHERE company_id = %(company_id)s AND state = 'sale' AND id %% 2000 = 29""",
    """UPDATE res_partner
          SET email = 'changed.' || id || '@example.com', write_date = NOW() AT TIME ZONE 'UTC'
        WHERE id %% 200 = 7""",
    """UPDATE res_partner customer
          SET user_id = other.user_id, write_date = NOW() AT TIME ZONE 'UTC'
         FROM (SELECT partner.id,
                      (SELECT MIN(o.user_id) FROM res_partner o
                        WHERE o.user_id > partner.user_id) AS user_id
                 FROM res_partner partner
                WHERE partner.id = partner.commercial_partner_id
                  AND partner.user_id IS NOT NULL AND partner.id %% 1000 = 3) AS other
        WHERE customer.id = other.id AND other.user_id IS NOT NULL""",
)


def add_day_of_changes(env, share=0.01, company=None):
    """Write a day of changes after the refresh (DAY_OF_CHANGES_STATEMENTS): quotations
    of one customer in 1/`share` confirmed today; return the rows changed."""
    company = company or env.company
    env.flush_all()
    cr = env.cr
    cr.execute(
        "SELECT COUNT(*) FROM res_partner WHERE id = commercial_partner_id AND customer_rank > 0"
    )
    params = {"company_id": company.id, "confirmed": max(1, round(cr.fetchone()[0] * share))}
    changed = 0
    for statement in DAY_OF_CHANGES_STATEMENTS:
        cr.execute(statement, params)
        changed += cr.rowcount
    env.invalidate_all()
    return changed


def remove_next_day_orders(cr):
    # their lines go with them (ON DELETE CASCADE)
    cr.execute("DELETE FROM sale_order WHERE name LIKE %s", [NEXT_DAY_PREFIX + "%"])


def ensure_currency_rates(env, company=None):
    """A rate of every foreign currency of the documents, dated on their first day.

    The orders store the rate they were converted at; without a rate record as
    old as them, the analysis would rightly warn that Odoo had none to use.
    """
    company = company or env.company
    env.flush_all()
    env.cr.execute(
        """
        INSERT INTO res_currency_rate
               (name, rate, currency_id, company_id, create_uid, write_uid, create_date,
                write_date)
        SELECT first_day.day, 1.1, used.currency_id, %(company_id)s, %(uid)s, %(uid)s,
               NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
          FROM (SELECT DISTINCT currency_id FROM sale_order WHERE company_id = %(company_id)s
                 UNION
                SELECT DISTINCT currency_id FROM account_move
                 WHERE company_id = %(company_id)s) used
         CROSS JOIN (SELECT LEAST((SELECT MIN(date_order)::date - 1 FROM sale_order),
                                  (SELECT MIN(invoice_date) - 1 FROM account_move)) AS day
                    ) first_day
         WHERE used.currency_id <> %(currency_id)s
           AND first_day.day IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM res_currency_rate rate
                            WHERE rate.currency_id = used.currency_id
                              AND (rate.company_id IS NULL OR rate.company_id = %(company_id)s)
                              AND rate.name <= first_day.day)
        """,
        {"company_id": company.id, "currency_id": company.currency_id.id, "uid": env.uid},
    )
    env.invalidate_all()
    return env.cr.rowcount
