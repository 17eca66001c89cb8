"""The floor of the scale benchmark: what PostgreSQL itself needs to classify.

One statement computes every customer's stage, ABC and XYZ classes, CV, amount,
number of purchases, last sale date, early warning (typical interval between
sale days, at risk) and what the purchase model reads (first sale day, number of
sale days), then in the same statement stores the
rows that differ from the previous results into a narrow scratch table (a
primary key and nothing else) and the changes of stage or class into a narrow
scratch history table (a primary key only, no foreign key). With the scratch
tables empty it is the floor of a first run; with the previous day's results in
them, the floor of a steady nightly run. ``COMPUTE_ONLY`` is the computation
alone, without any write: the floor of an idempotent rerun.

The sales come from the addon's one definition of them
(``company_sales.company_sales``: plain SQL text). Everything after is written from the
definitions of the classification, independently of the engine's statement:
the benchmark compares the two for every customer (``compare_with_engine``).
The statement runs with the engine's session settings (no JIT, the work_mem of
the system parameter crm_xyz_addon.analysis_work_mem, 256 MB by default). This
module is not part of the addon.
"""

import importlib

FLOOR_TABLE = "crm_xyz_bench_floor"
FLOOR_HISTORY_TABLE = "crm_xyz_bench_floor_history"
PERIOD_STEPS = {"month": "1 month", "quarter": "3 months", "week": "7 days"}

CREATE_TABLES = f"""
    DROP TABLE IF EXISTS {FLOOR_TABLE}, {FLOOR_HISTORY_TABLE};
    CREATE TABLE {FLOOR_TABLE} (
        partner_id integer PRIMARY KEY,
        stage varchar, abc varchar, xyz varchar,
        amount numeric, purchases integer, cv numeric, last_sale date,
        typical numeric, at_risk boolean, first_sale date, sale_day_count integer
    );
    CREATE TABLE {FLOOR_HISTORY_TABLE} (
        id bigserial PRIMARY KEY,
        date date, partner_id integer,
        old_stage varchar, new_stage varchar, old_abc varchar, new_abc varchar,
        old_xyz varchar, new_xyz varchar
    );
"""

# the CTEs, ending in `result` (partner_id, stage, abc, xyz, amount, purchases, cv, last_sale)
CLASSIFY = """
settings AS (
    SELECT xyz_period_count AS n, xyz_one_off_max_purchases AS one_off_max,
           -- the decimals as typed: the comparisons below are exact
           xyz_x_max_cv::numeric AS x_max, xyz_y_max_cv::numeric AS y_max,
           abc_a_percent::numeric AS a_pct, abc_b_percent::numeric AS b_pct,
           COALESCE(xyz_risk_factor, 2)::numeric AS risk_factor,
           COALESCE(xyz_risk_min_days, 0) AS risk_min_days,
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
           SUM(s.amount) AS value,
           SUM(s.purchase) AS purchases,
           MAX(s.sale_date) FILTER (WHERE s.purchase > 0) AS last_sale
      FROM sales s CROSS JOIN settings st
     GROUP BY 1, 2
),
-- the early warning: the median gap between the last 13 days a customer bought on
sale_days AS (
    SELECT partner_id, sale_date,
           ROW_NUMBER() OVER (PARTITION BY partner_id ORDER BY sale_date DESC) AS recency
      FROM (SELECT DISTINCT partner_id, sale_date FROM sales WHERE purchase > 0) d
),
gaps AS (
    SELECT partner_id,
           sale_date - LEAD(sale_date) OVER (PARTITION BY partner_id ORDER BY sale_date DESC)
               AS gap
      FROM sale_days WHERE recency <= 13
),
intervals AS (
    SELECT partner_id, (percentile_cont(0.5) WITHIN GROUP (ORDER BY gap))::numeric AS typical
      FROM gaps WHERE gap IS NOT NULL
     GROUP BY partner_id HAVING COUNT(*) >= 2
),
-- the purchase model: the first day a customer bought on, and on how many days
span AS (
    SELECT partner_id, MIN(sale_date) AS first_sale, COUNT(*)::int AS sale_day_count
      FROM sale_days GROUP BY partner_id
),
customer AS (
    SELECT p.partner_id,
           COALESCE(SUM(p.value) FILTER (WHERE p.bucket BETWEEN 1 AND st.n), 0) AS total,
           COALESCE(SUM(p.value * p.value) FILTER (WHERE p.bucket BETWEEN 1 AND st.n), 0)
               AS total_sq,
           COALESCE(SUM(p.purchases) FILTER (WHERE p.bucket BETWEEN 1 AND st.n), 0)::int
               AS in_window,
           MAX(p.last_sale) AS last_sale
      FROM per_period p
      CROSS JOIN settings st
      JOIN res_partner rp ON rp.id = p.partner_id
     WHERE rp.active AND (rp.company_id IS NULL OR rp.company_id = %(company_id)s)
     GROUP BY p.partner_id
    HAVING SUM(p.purchases) > 0
),
classified AS (
    SELECT c.*,
           CASE WHEN c.in_window > st.one_off_max THEN 'regular'
                WHEN c.in_window > 0 THEN 'one_off'
                ELSE 'lost' END AS stage,
           -- N^2 * population variance = N * sum(v^2) - S^2 (empty sub-periods are 0)
           (st.n * c.total_sq - c.total * c.total)::numeric AS spread,
           CASE WHEN c.total > 0 THEN
               100 * COALESCE(SUM(c.total) OVER (ORDER BY c.total DESC, c.partner_id
                                                 ROWS BETWEEN UNBOUNDED PRECEDING
                                                          AND 1 PRECEDING), 0)
           END AS cum_before_pct,
           SUM(c.total) FILTER (WHERE c.total > 0) OVER () AS grand_total,
           st.x_max, st.y_max, st.a_pct, st.b_pct, st.risk_factor, st.risk_min_days,
           iv.typical, sp.first_sale, sp.sale_day_count
      FROM customer c CROSS JOIN settings st
      LEFT JOIN intervals iv ON iv.partner_id = c.partner_id
      LEFT JOIN span sp ON sp.partner_id = c.partner_id
),
result AS (
    SELECT partner_id, stage,
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
           total::numeric AS amount, in_window AS purchases,
           CASE WHEN stage = 'regular' AND total > 0
                THEN 100 * sqrt(spread) / total END AS cv,
           last_sale,
           typical,
           (stage IN ('regular', 'one_off') AND typical IS NOT NULL
            AND %(as_of)s::date - last_sale > risk_factor * typical
            AND %(as_of)s::date - last_sale >= risk_min_days) AS at_risk,
           first_sale, sale_day_count
      FROM classified
     UNION ALL
    -- potential customers: no sale up to as_of, an opportunity or a quotation here
    SELECT pp.id, 'potential', NULL, NULL, NULL, NULL, NULL, NULL, NULL, FALSE, NULL, NULL
      FROM res_partner pp
     WHERE pp.active
       AND (pp.company_id IS NULL OR pp.company_id = %(company_id)s)
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
"""

# every output is read, so that PostgreSQL computes them all (it would otherwise leave out
# a join whose columns nobody reads, the early warning's intervals for one)
COMPUTE_ONLY = """
WITH {classify}
SELECT COUNT(*), COUNT(*) FILTER (WHERE stage = 'regular'), COUNT(*) FILTER (WHERE abc = 'A'),
       COUNT(*) FILTER (WHERE xyz = 'X'), SUM(amount), SUM(purchases), SUM(cv), MAX(last_sale),
       SUM(typical), COUNT(*) FILTER (WHERE at_risk), MIN(first_sale), SUM(sale_day_count)
  FROM result
"""

CLASSIFY_AND_STORE = f"""
WITH {{classify}},
changed AS (
    SELECT r.*, f.stage AS old_stage, f.abc AS old_abc, f.xyz AS old_xyz
      FROM result r
      LEFT JOIN {FLOOR_TABLE} f ON f.partner_id = r.partner_id
     WHERE (r.stage, r.abc, r.xyz, r.amount, r.purchases, r.cv, r.last_sale, r.typical,
            r.at_risk, r.first_sale, r.sale_day_count)
           IS DISTINCT FROM (f.stage, f.abc, f.xyz, f.amount, f.purchases, f.cv, f.last_sale,
                             f.typical, f.at_risk, f.first_sale, f.sale_day_count)
),
stored AS (
    INSERT INTO {FLOOR_TABLE} AS f
           (partner_id, stage, abc, xyz, amount, purchases, cv, last_sale, typical, at_risk,
            first_sale, sale_day_count)
    SELECT partner_id, stage, abc, xyz, amount, purchases, cv, last_sale, typical, at_risk,
           first_sale, sale_day_count
      FROM changed
        ON CONFLICT (partner_id) DO UPDATE
       SET stage = EXCLUDED.stage, abc = EXCLUDED.abc, xyz = EXCLUDED.xyz,
           amount = EXCLUDED.amount, purchases = EXCLUDED.purchases, cv = EXCLUDED.cv,
           last_sale = EXCLUDED.last_sale, typical = EXCLUDED.typical,
           at_risk = EXCLUDED.at_risk, first_sale = EXCLUDED.first_sale,
           sale_day_count = EXCLUDED.sale_day_count
    RETURNING 1
),
history AS (
    INSERT INTO {FLOOR_HISTORY_TABLE}
           (date, partner_id, old_stage, new_stage, old_abc, new_abc, old_xyz, new_xyz)
    SELECT %(as_of)s, partner_id, old_stage, stage, old_abc, abc, old_xyz, xyz
      FROM changed
     WHERE (stage, abc, xyz) IS DISTINCT FROM (old_stage, old_abc, old_xyz)
    RETURNING 1
)
SELECT (SELECT COUNT(*) FROM result), (SELECT COUNT(*) FROM stored),
       (SELECT COUNT(*) FROM history)
"""

# every partner classified by either side, with both sides' values
COMPARE_QUERY = f"""
SELECT COALESCE(f.partner_id, c.partner_id),
       f.stage, f.abc, f.xyz, f.amount, f.purchases, f.last_sale, f.first_sale,
       f.sale_day_count, f.cv, f.typical, f.at_risk,
       c.relationship_stage_auto, c.abc_class_auto, c.xyz_class_auto,
       c.classification_amount::numeric, c.classification_purchase_count,
       c.classification_last_sale_date, c.classification_first_sale_date,
       c.classification_sale_days, c.classification_cv::numeric,
       c.classification_typical_interval::numeric, c.classification_at_risk
  FROM {FLOOR_TABLE} f
  FULL JOIN (SELECT * FROM crm_xyz_classification
              WHERE company_id = %(company_id)s AND relationship_stage_auto IS NOT NULL) c
    ON c.partner_id = f.partner_id
"""

# the customers whose history row of the day differs between the floor and the engine
COMPARE_HISTORY_QUERY = f"""
(SELECT partner_id, new_stage, new_abc, new_xyz FROM {FLOOR_HISTORY_TABLE}
  WHERE date = %(as_of)s
 EXCEPT
 SELECT partner_id, new_stage, new_abc_class, new_xyz_class FROM crm_xyz_history
  WHERE run_id = %(run_id)s)
UNION ALL
(SELECT partner_id, new_stage, new_abc_class, new_xyz_class FROM crm_xyz_history
  WHERE run_id = %(run_id)s
 EXCEPT
 SELECT partner_id, new_stage, new_abc, new_xyz FROM {FLOOR_HISTORY_TABLE}
  WHERE date = %(as_of)s)
"""


def company_sales():
    """The addon's definition of the sales of a company (importable once Odoo's registry
    is loaded)."""
    return importlib.import_module("odoo.addons.crm_xyz_addon.tools.company_sales")


def params(company, as_of):
    sales = company_sales()
    tz = sales.company_tz(company)
    return {
        "company_id": company.id,
        "as_of": as_of,
        "tz": tz,
        "cutoff_utc": sales.company_day_end_utc(as_of, tz),
        "step": PERIOD_STEPS[company.xyz_period_unit],
        "digits": company.currency_id.decimal_places,
    }


def _classify(company):
    sales = company_sales().company_sales(company.xyz_source, company.xyz_parameter)
    return CLASSIFY.format(sales=sales)


def prepare(cr):
    """(Re)create the scratch tables, empty: the next floor run is a first run."""
    cr.execute(CREATE_TABLES)


def session_settings(env):
    """SET LOCAL what the engine sets for its statement (crm.xyz.run._classify): both
    run alike."""
    settings = importlib.import_module("odoo.addons.crm_xyz_addon.tools.session_settings")
    settings.set_analysis_settings(env.cr, settings.analysis_work_mem(env))


def compute_only(env, company, as_of):
    """The classification alone, nothing written; returns the number of customers."""
    env.flush_all()
    session_settings(env)
    env.cr.execute(COMPUTE_ONLY.format(classify=_classify(company)), params(company, as_of))
    return env.cr.fetchone()[0]


def classify_and_store(env, company, as_of):
    """Classify, store the changed rows and their history; returns (customers, stored, history)."""
    env.flush_all()
    session_settings(env)
    env.cr.execute(CLASSIFY_AND_STORE.format(classify=_classify(company)), params(company, as_of))
    return env.cr.fetchone()


def compare_with_engine(env, company):
    """Where the floor and the engine's automatic classification disagree.

    Returns (compared, mismatches): the number of partners classified by either
    side, and a list of (partner_id, floor values, engine values) where the
    stage, a class, the amount, the number of purchases, the last or first sale
    date, the number of sale days or the early warning differ, or the CV or the
    typical interval differs by more than 0.001.
    """
    env.flush_all()
    env.cr.execute(COMPARE_QUERY, {"company_id": company.id})
    rows = env.cr.fetchall()
    mismatches = []

    def close(a, b):
        return (a is None) == (b is None) and (a is None or abs(a - b) <= 0.001)

    for row in rows:
        floor_values, engine_values = row[1:12], row[12:23]
        # stage, classes, amount, purchases, last and first sale, sale days; CV and typical
        # interval; at risk
        same = (
            floor_values[:8] == engine_values[:8]
            and close(floor_values[8], engine_values[8])
            and close(floor_values[9], engine_values[9])
            and bool(floor_values[10]) == bool(engine_values[10])
        )
        if not same:
            mismatches.append((row[0], floor_values, engine_values))
    return len(rows), mismatches


def compare_history(env, as_of, run_id):
    """The (partner, new stage and classes) history rows of one side only."""
    env.flush_all()
    env.cr.execute(COMPARE_HISTORY_QUERY, {"as_of": as_of, "run_id": run_id})
    return env.cr.fetchall()
