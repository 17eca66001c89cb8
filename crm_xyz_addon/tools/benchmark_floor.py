"""The floor of the scale benchmark: the classification in one SQL statement.

``run_floor`` computes every customer's stage, ABC and XYZ classes (CV
included) in one hand-written aggregate and stores them with one bulk UPDATE
into a scratch jsonb column of ``res_partner``, the table the real analysis
writes. It is the least work the database must do to produce and store the
results, hence the yardstick of ``crm.xyz.run.run_analysis``.

It is written from the definitions of the classification, independently of
``classification_query`` and ``classification``: the benchmark compares the
two (``compare_with_analysis``) for every customer.
"""

from datetime import datetime, time, timedelta

import pytz

SCRATCH_COLUMN = "crm_xyz_bench_floor"

PERIOD_STEPS = {"month": "1 month", "quarter": "3 months", "week": "7 days"}

# per source: (commercial partner, sale date, parameter value, is a purchase) of one document
ORDER_SALES = """
    SELECT cp.commercial_partner_id AS partner_id,
           (so.date_order AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date AS sale_date,
           {value} AS value,
           1 AS purchase
      FROM sale_order so
      JOIN res_partner cp ON cp.id = so.partner_id
     WHERE so.company_id = %(company_id)s
       AND so.state = 'sale'
       AND so.date_order < %(cutoff_utc)s
       AND cp.commercial_partner_id NOT IN (SELECT partner_id FROM res_company)
"""
ORDER_VALUES = {
    "revenue": "ROUND(so.amount_untaxed / NULLIF(so.currency_rate, 0), %(digits)s)",
    "margin": "ROUND(so.margin / NULLIF(so.currency_rate, 0), %(digits)s)",
    "count": "1",
}
INVOICE_SALES = """
    SELECT am.commercial_partner_id AS partner_id,
           am.invoice_date AS sale_date,
           {value} AS value,
           (am.move_type = 'out_invoice')::int AS purchase
      FROM account_move am
     WHERE am.company_id = %(company_id)s
       AND am.state = 'posted'
       AND am.move_type IN ('out_invoice', 'out_refund')
       AND am.invoice_date <= %(as_of)s
       AND am.commercial_partner_id NOT IN (SELECT partner_id FROM res_company)
"""
INVOICE_VALUES = {
    "revenue": "am.amount_untaxed_signed",
    "count": "(am.move_type = 'out_invoice')::int",
}

FLOOR_STATEMENT = """
WITH settings AS (
    SELECT xyz_period_count AS n, xyz_one_off_max_purchases AS one_off_max,
           xyz_x_max_cv AS x_max, xyz_y_max_cv AS y_max,
           abc_a_percent AS a_pct, abc_b_percent AS b_pct,
           -- sub-period k holds as_of - k steps < d <= as_of - (k - 1) steps; as
           -- ascending width_bucket thresholds: bucket 1 is the oldest sub-period
           ARRAY(SELECT (%(as_of)s::date - k * %(step)s::interval)::date + 1
                   FROM generate_series(xyz_period_count, 0, -1) k) AS thresholds
      FROM res_company WHERE id = %(company_id)s
),
sales AS ({sales}),
per_period AS (
    SELECT s.partner_id,
           width_bucket(s.sale_date, st.thresholds) AS bucket,
           SUM(s.value) AS value,
           SUM(s.purchase) AS purchases,
           MAX(s.sale_date) FILTER (WHERE s.purchase > 0) AS last_sale
      FROM sales s CROSS JOIN settings st
     GROUP BY 1, 2
),
customer AS (
    SELECT p.partner_id,
           COALESCE(SUM(p.value) FILTER (WHERE p.bucket BETWEEN 1 AND st.n), 0) AS total,
           COALESCE(SUM(p.value * p.value) FILTER (WHERE p.bucket BETWEEN 1 AND st.n), 0)
               AS total_sq,
           COALESCE(SUM(p.purchases) FILTER (WHERE p.bucket BETWEEN 1 AND st.n), 0) AS in_window,
           MAX(p.last_sale) AS last_sale
      FROM per_period p CROSS JOIN settings st
     GROUP BY p.partner_id
    HAVING SUM(p.purchases) > 0
),
classified AS (
    SELECT c.*,
           CASE WHEN c.in_window > st.one_off_max THEN 'regular'
                WHEN c.in_window > 0 THEN 'one_off'
                ELSE 'lost' END AS stage,
           -- N^2 * population variance = N * sum(v^2) - S^2 (empty sub-periods are 0)
           st.n * c.total_sq - c.total * c.total AS spread,
           CASE WHEN c.total > 0 THEN
               100 * COALESCE(SUM(c.total) OVER (ORDER BY c.total DESC, c.partner_id
                                                 ROWS BETWEEN UNBOUNDED PRECEDING
                                                          AND 1 PRECEDING), 0)
           END AS cum_before_pct,
           SUM(c.total) FILTER (WHERE c.total > 0) OVER () AS grand_total,
           st.n, st.x_max, st.y_max, st.a_pct, st.b_pct
      FROM customer c CROSS JOIN settings st
),
result AS (
    SELECT partner_id, stage, total, in_window, last_sale,
           CASE WHEN total <= 0 THEN NULL
                WHEN cum_before_pct < a_pct * grand_total THEN 'A'
                WHEN cum_before_pct < (a_pct + b_pct) * grand_total THEN 'B'
                ELSE 'C' END AS abc,
           -- CV = 100 * sqrt(spread) / S: compare squares, exactly, in numeric
           CASE WHEN stage <> 'regular' THEN NULL
                WHEN total <= 0 THEN 'Z'
                WHEN 10000 * spread <= x_max * x_max * total * total THEN 'X'
                WHEN 10000 * spread <= y_max * y_max * total * total THEN 'Y'
                ELSE 'Z' END AS xyz,
           CASE WHEN stage = 'regular' AND total > 0
                THEN 100 * sqrt(spread) / total END AS cv
      FROM classified
     UNION ALL
    -- potential customers: no sale up to as_of, an opportunity or a quotation here
    SELECT pp.id, 'potential', NULL, NULL, NULL, NULL, NULL, NULL
      FROM res_partner pp
     WHERE pp.active
       AND pp.id = pp.commercial_partner_id
       AND pp.id NOT IN (SELECT partner_id FROM res_company)
       AND pp.id NOT IN (SELECT partner_id FROM customer)
       AND (pp.id IN (SELECT lp.commercial_partner_id
                        FROM crm_lead lead JOIN res_partner lp ON lp.id = lead.partner_id
                       WHERE lead.company_id = %(company_id)s AND lead.active)
            OR pp.id IN (SELECT qp.commercial_partner_id
                           FROM sale_order quote JOIN res_partner qp ON qp.id = quote.partner_id
                          WHERE quote.company_id = %(company_id)s
                            AND quote.state IN ('draft', 'sent')))
)
UPDATE res_partner rp
   SET {column} = jsonb_build_object(
           'stage', r.stage, 'abc', r.abc, 'xyz', r.xyz, 'amount', r.total,
           'purchases', r.in_window, 'cv', ROUND(r.cv, 4), 'last_sale_date', r.last_sale,
           'date', %(as_of)s::date)
  FROM result r
 WHERE rp.id = r.partner_id
"""

# every partner classified by either side, where the two disagree
COMPARE_QUERY = """
SELECT p.id,
       p.{column} ->> 'stage', p.{column} ->> 'abc', p.{column} ->> 'xyz',
       (p.{column} ->> 'amount')::numeric, (p.{column} ->> 'purchases')::int,
       (p.{column} ->> 'cv')::numeric,
       p.relationship_stage_auto ->> %(key)s, p.abc_class_auto ->> %(key)s,
       p.xyz_class_auto ->> %(key)s, (p.classification_amount ->> %(key)s)::numeric,
       (p.classification_purchase_count ->> %(key)s)::int,
       (p.classification_cv ->> %(key)s)::numeric
  FROM res_partner p
 WHERE p.{column} IS NOT NULL OR p.relationship_stage_auto ? %(key)s
"""


def _params(company, as_of):
    tz = company.partner_id.tz or "UTC"
    next_day = datetime.combine(as_of + timedelta(days=1), time.min)
    cutoff_utc = pytz.timezone(tz).localize(next_day).astimezone(pytz.utc).replace(tzinfo=None)
    return {
        "company_id": company.id,
        "as_of": as_of,
        "tz": tz,
        "cutoff_utc": cutoff_utc,
        "step": PERIOD_STEPS[company.xyz_period_unit],
        "digits": company.currency_id.decimal_places,
    }


def prepare_floor(cr):
    """(Re)create the scratch column, empty: the floor then writes every customer afresh."""
    cr.execute(f"ALTER TABLE res_partner DROP COLUMN IF EXISTS {SCRATCH_COLUMN}")
    cr.execute(f"ALTER TABLE res_partner ADD COLUMN {SCRATCH_COLUMN} jsonb")


def floor_statement(source, parameter):
    if source == "invoice":
        sales = INVOICE_SALES.format(value=INVOICE_VALUES[parameter])
    else:
        sales = ORDER_SALES.format(value=ORDER_VALUES[parameter])
    return FLOOR_STATEMENT.format(sales=sales, column=SCRATCH_COLUMN)


def run_floor(env, company, as_of):
    """Classify and store every customer of `company` as of `as_of`; return the row count."""
    env.flush_all()
    env.cr.execute(
        floor_statement(company.xyz_source, company.xyz_parameter), _params(company, as_of)
    )
    return env.cr.rowcount


def compare_with_analysis(env, company):
    """Partners on which the floor and the stored automatic classification disagree.

    Returns (compared, mismatches): the number of partners classified by either
    side, and a list of (partner_id, floor values, analysis values) where the
    stage, a class, the amount or the number of purchases differ, or the CV
    differs by more than 0.001 percentage point.
    """
    env.flush_all()
    env.cr.execute(COMPARE_QUERY.format(column=SCRATCH_COLUMN), {"key": str(company.id)})
    rows = env.cr.fetchall()
    mismatches = []
    for row in rows:
        floor_values, run_values = row[1:7], row[7:13]
        same = floor_values[:5] == run_values[:5] and (
            (floor_values[5] is None) == (run_values[5] is None)
            and (floor_values[5] is None or abs(floor_values[5] - run_values[5]) <= 0.001)
        )
        if not same:
            mismatches.append((row[0], floor_values, run_values))
    return len(rows), mismatches
