"""All the SQL of the customer classification.

One aggregate reads the whole population of a company in a single pass; the
results are written back in batches by one UPDATE and one INSERT per batch.
"""

from odoo.tools import SQL

# Sales source x parameter -> (table alias expression of the value, is-a-purchase expression)
ORDER_VALUES = {
    "revenue": "ROUND(so.amount_untaxed / NULLIF(so.currency_rate, 0), %(digits)s)",
    "margin": "ROUND(so.margin / NULLIF(so.currency_rate, 0), %(digits)s)",
    "count": "1",
}
INVOICE_VALUES = {
    # amount_untaxed_signed is in company currency at the invoice date, negative for credit notes
    "revenue": "am.amount_untaxed_signed",
    "count": "CASE WHEN am.move_type = 'out_invoice' THEN 1 ELSE 0 END",
}
# 1 for a document in a foreign currency without a rate on or before the date Odoo converted it
# at (res.currency._get_rates: it then takes the first rate of the currency, or 1.0); the
# stored conversions (sale_order.currency_rate, amount_untaxed_signed) are used as they are
MISSING_RATE = (
    "CASE WHEN {currency} <> %(currency_id)s"
    " AND (fr.first_date IS NULL OR fr.first_date > {day}) THEN 1 ELSE 0 END"
)
ORDER_MISSING_RATE = MISSING_RATE.format(currency="so.currency_id", day="so.date_order::date")
INVOICE_MISSING_RATE = MISSING_RATE.format(currency="am.currency_id", day="am.invoice_date")

# jsonb columns of res_partner written by the analysis, in the order of the UPDATE arrays
PARTNER_COLUMNS = (
    ("relationship_stage_auto", "text"),
    ("abc_class_auto", "text"),
    ("xyz_class_auto", "text"),
    ("relationship_stage_prev", "text"),
    ("abc_class_prev", "text"),
    ("xyz_class_prev", "text"),
    ("relationship_trend", "text"),
    ("classification_amount", "numeric"),
    ("classification_purchase_count", "int"),
    ("classification_cv", "numeric"),
    ("classification_last_sale_date", "date"),
    ("classification_date", "date"),
)
# effective column -> (manual column, automatic column)
EFFECTIVE_COLUMNS = (
    ("relationship_stage", "relationship_stage_manual", "relationship_stage_auto"),
    ("abc_class", "abc_class_manual", "abc_class_auto"),
    ("xyz_class", "xyz_class_manual", "xyz_class_auto"),
)


def _sales_cte(source, parameter):
    """Rows (partner_id, sale_date, amount, purchase, missing_rate) of one company up to the
    cut-off; missing_rate is counted only where amounts matter (not for the number of sales).
    """
    if source == "invoice":
        missing_rate = "0" if parameter == "count" else INVOICE_MISSING_RATE
        return f"""
            SELECT am.commercial_partner_id AS partner_id,
                   am.invoice_date AS sale_date,
                   {INVOICE_VALUES[parameter]} AS amount,
                   CASE WHEN am.move_type = 'out_invoice' THEN 1 ELSE 0 END AS purchase,
                   {missing_rate} AS missing_rate
              FROM account_move am
              LEFT JOIN first_rates fr ON fr.currency_id = am.currency_id
             WHERE am.company_id = %(company_id)s
               AND am.state = 'posted'
               AND am.move_type IN ('out_invoice', 'out_refund')
               AND am.invoice_date <= %(as_of)s
               AND am.commercial_partner_id NOT IN (SELECT partner_id FROM res_company)
        """
    missing_rate = "0" if parameter == "count" else ORDER_MISSING_RATE
    return f"""
            SELECT cp.commercial_partner_id AS partner_id,
                   (so.date_order AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS sale_date,
                   {ORDER_VALUES[parameter]} AS amount,
                   1 AS purchase,
                   {missing_rate} AS missing_rate
              FROM sale_order so
              JOIN res_partner cp ON cp.id = so.partner_id
              LEFT JOIN first_rates fr ON fr.currency_id = so.currency_id
             WHERE so.company_id = %(company_id)s
               AND so.state = 'sale'
               AND so.date_order < %(cutoff_utc)s
               AND cp.commercial_partner_id NOT IN (SELECT partner_id FROM res_company)
    """


def classification_query(source, parameter):
    """One row per customer of the company (and per partner classified before).

    The customers are the active commercial partners shared by all companies or
    restricted to this one: an archived customer, or one moved to another
    company, is neither classified nor cleared, and counts in nobody's shares.

    Columns: partner_id, total, in_window, before_window, last_sale_date,
    buckets, amounts (sparse sub-period values), cum_before, grand_total,
    then the partner's stored values for the company: stage, abc, xyz,
    prev_stage, prev_abc, prev_xyz, trend, amount, purchase_count, cv,
    last_sale_date, classification_date, its salesperson, and the number of
    its documents in the window converted without an exchange rate.
    """
    query = f"""
        WITH first_rates AS (
            SELECT currency_id, MIN(name) AS first_date
              FROM res_currency_rate
             WHERE company_id IS NULL OR company_id = %(root_company_id)s
             GROUP BY currency_id
        ),
        sales AS ({_sales_cte(source, parameter)}),
        per_bucket AS (
            SELECT partner_id,
                   width_bucket(sale_date, %(thresholds)s::date[]) AS bucket,
                   SUM(amount) AS amount,
                   SUM(purchase) AS purchases,
                   SUM(missing_rate) AS missing_rates,
                   MAX(sale_date) FILTER (WHERE purchase > 0) AS last_sale_date
              FROM sales
             GROUP BY 1, 2
        ),
        per_partner AS (
            SELECT pb.partner_id,
                   COALESCE(SUM(pb.amount) FILTER (WHERE pb.bucket > 0), 0) AS total,
                   COALESCE(SUM(pb.purchases) FILTER (WHERE pb.bucket > 0), 0)::int AS in_window,
                   COALESCE(SUM(pb.purchases) FILTER (WHERE pb.bucket = 0), 0)::int
                       AS before_window,
                   COALESCE(SUM(pb.missing_rates) FILTER (WHERE pb.bucket > 0), 0)::int
                       AS missing_rates,
                   MAX(pb.last_sale_date) AS last_sale_date,
                   ARRAY_AGG(pb.bucket ORDER BY pb.bucket) FILTER (WHERE pb.bucket > 0)
                       AS buckets,
                   ARRAY_AGG(pb.amount ORDER BY pb.bucket) FILTER (WHERE pb.bucket > 0)
                       AS amounts
              FROM per_bucket pb
              JOIN res_partner customer ON customer.id = pb.partner_id
             WHERE customer.active
               AND (customer.company_id IS NULL OR customer.company_id = %(company_id)s)
             GROUP BY pb.partner_id
            HAVING SUM(pb.purchases) > 0
        ),
        ranked AS (
            SELECT partner_id,
                   COALESCE(SUM(total) OVER (ORDER BY total DESC, partner_id
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                       AS cum_before,
                   SUM(total) OVER () AS grand_total
              FROM per_partner
             WHERE total > 0
        ),
        prospects AS (
            SELECT lp.commercial_partner_id AS partner_id
              FROM crm_lead lead
              JOIN res_partner lp ON lp.id = lead.partner_id
             WHERE lead.company_id = %(company_id)s AND lead.active
             UNION
            SELECT qp.commercial_partner_id
              FROM sale_order quote
              JOIN res_partner qp ON qp.id = quote.partner_id
             WHERE quote.company_id = %(company_id)s AND quote.state IN ('draft', 'sent')
        ),
        population AS (
            SELECT partner_id FROM per_partner
             UNION
            SELECT pr.partner_id
              FROM prospects pr
              JOIN res_partner pp ON pp.id = pr.partner_id
             WHERE pp.active
               AND pp.id NOT IN (SELECT partner_id FROM res_company)
             UNION
            SELECT id FROM res_partner WHERE relationship_stage_auto ? %(company_key)s
        )
        SELECT pop.partner_id,
               pp.total, pp.in_window, pp.before_window, pp.last_sale_date,
               pp.buckets, pp.amounts, rk.cum_before, rk.grand_total,
               (pp.partner_id IS NULL AND pr.partner_id IS NOT NULL AND p.active
                AND p.id = p.commercial_partner_id) AS is_potential,
               p.relationship_stage_auto ->> %(company_key)s,
               p.abc_class_auto ->> %(company_key)s,
               p.xyz_class_auto ->> %(company_key)s,
               p.relationship_stage_prev ->> %(company_key)s,
               p.abc_class_prev ->> %(company_key)s,
               p.xyz_class_prev ->> %(company_key)s,
               p.relationship_trend ->> %(company_key)s,
               (p.classification_amount ->> %(company_key)s)::numeric,
               (p.classification_purchase_count ->> %(company_key)s)::int,
               (p.classification_cv ->> %(company_key)s)::numeric,
               (p.classification_last_sale_date ->> %(company_key)s)::date,
               (p.classification_date ->> %(company_key)s)::date,
               p.user_id,
               COALESCE(pp.missing_rates, 0)
          FROM population pop
          JOIN res_partner p ON p.id = pop.partner_id
          LEFT JOIN per_partner pp ON pp.partner_id = pop.partner_id
          LEFT JOIN ranked rk ON rk.partner_id = pop.partner_id
          LEFT JOIN (SELECT DISTINCT partner_id FROM prospects) pr ON pr.partner_id = pop.partner_id
         WHERE p.active AND (p.company_id IS NULL OR p.company_id = %(company_id)s)
         ORDER BY pop.partner_id
    """
    return query


def _set_key(column, value):
    """jsonb column with the company's key set to value, or removed when value is NULL."""
    return (
        f"CASE WHEN {value} IS NULL THEN COALESCE(p.{column}, '{{}}'::jsonb) - %(company_key)s "
        f"ELSE COALESCE(p.{column}, '{{}}'::jsonb) "
        f"|| jsonb_build_object(%(company_key)s, {value}) END"
    )


def partner_update_query():
    """Write one batch of results: arrays in PARTNER_COLUMNS order, plus the partner ids."""
    arrays = ", ".join(f"%({name})s::{kind}[]" for name, kind in PARTNER_COLUMNS)
    names = ", ".join(name for name, _kind in PARTNER_COLUMNS)
    sets = [f"{name} = {_set_key(name, 'v.' + name)}" for name, _kind in PARTNER_COLUMNS]
    sets += [
        f"{effective} = "
        + _set_key(effective, f"COALESCE(p.{manual} ->> %(company_key)s, v.{auto})")
        for effective, manual, auto in EFFECTIVE_COLUMNS
    ]
    return f"""
        UPDATE res_partner p
           SET {", ".join(sets)}
          FROM unnest(%(partner_ids)s::int[], {arrays}) AS v(partner_id, {names})
         WHERE p.id = v.partner_id
    """


HISTORY_COLUMNS = (
    ("partner_id", "int"),
    ("user_id", "int"),
    ("old_stage", "varchar"),
    ("new_stage", "varchar"),
    ("old_abc_class", "varchar"),
    ("new_abc_class", "varchar"),
    ("old_xyz_class", "varchar"),
    ("new_xyz_class", "varchar"),
    ("stage_trend", "varchar"),
)


def history_insert_query():
    """Insert one batch of history rows from arrays in HISTORY_COLUMNS order."""
    arrays = ", ".join(f"%({name})s::{kind}[]" for name, kind in HISTORY_COLUMNS)
    names = ", ".join(name for name, _kind in HISTORY_COLUMNS)
    return f"""
        INSERT INTO crm_xyz_history
               (date, kind, run_id, company_id, create_uid, write_uid, create_date, write_date,
                {names})
        SELECT %(as_of)s, 'analysis', %(run_id)s, %(company_id)s, %(uid)s, %(uid)s,
               NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC', {names}
          FROM unnest({arrays}) AS v({names})
    """


# first key of the advisory locks taken by the analysis, the company id being the second
ANALYSIS_LOCK_KEY = 73_001


def lock_query(company_id):
    """Transaction-scoped lock: never two analyses of one company at once."""
    return SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", ANALYSIS_LOCK_KEY, company_id)
