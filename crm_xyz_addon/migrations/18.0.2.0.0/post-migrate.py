"""18.0.2.0.0: the classification leaves res_partner for its own narrow table.

Up to 18.0.1.x each value was a jsonb column of res_partner keyed by company.
Every (company, partner) that has any of them becomes a row of
crm_xyz_classification with the same values (manual overrides, automatic and
effective classes, previous classes, trend, figures and dates); the columns are
then dropped. The history keeps its rows and loses its foreign keys (each
one a trigger per row written) and the indexes nothing reads.
"""

import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# old column -> SQL type of the value in the new table
COLUMNS = {
    "relationship_stage": "varchar",
    "abc_class": "varchar",
    "xyz_class": "varchar",
    "relationship_stage_auto": "varchar",
    "abc_class_auto": "varchar",
    "xyz_class_auto": "varchar",
    "relationship_stage_manual": "varchar",
    "abc_class_manual": "varchar",
    "xyz_class_manual": "varchar",
    "relationship_stage_prev": "varchar",
    "abc_class_prev": "varchar",
    "xyz_class_prev": "varchar",
    "relationship_trend": "varchar",
    "classification_amount": "numeric",
    "classification_purchase_count": "int4",
    "classification_cv": "numeric",
    "classification_last_sale_date": "date",
    "classification_date": "date",
}
# the columns whose name changes in the new table
NEW_NAMES = {"classification_date": "analysis_date"}
HISTORY_KEPT_INDEXES = (
    "crm_xyz_history_pkey",
    "crm_xyz_history_partner_idx",
    "crm_xyz_history_run_idx",
    "crm_xyz_history_company_date_idx",
)


def _existing_columns(cr):
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = 'res_partner' AND column_name = ANY(%s)
              AND data_type = 'jsonb'""",
        [list(COLUMNS)],
    )
    return [row[0] for row in cr.fetchall()]


def _move_classification(cr):
    columns = _existing_columns(cr)
    if not columns:
        return
    values = [
        SQL("(p.%s ->> c.key)::%s", SQL.identifier(column), SQL(COLUMNS[column]))
        for column in columns
    ]
    has_key = SQL(" OR ").join(SQL("p.%s ? c.key", SQL.identifier(column)) for column in columns)
    cr.execute(
        SQL(
            """
            INSERT INTO crm_xyz_classification (company_id, partner_id, user_id, %(names)s)
            SELECT c.id, p.id, p.user_id, %(values)s
              FROM res_partner p
              JOIN (SELECT id, id::text AS key FROM res_company) c ON (%(has_key)s)
            ON CONFLICT (partner_id, company_id) DO NOTHING
            """,
            names=SQL(", ").join(
                SQL.identifier(NEW_NAMES.get(column, column)) for column in columns
            ),
            values=SQL(", ").join(values),
            has_key=has_key,
        )
    )
    _logger.info("moved the classification of %s customers to their own table", cr.rowcount)
    # the stored figures of the portfolio, as the analysis writes them
    cr.execute(
        """UPDATE crm_xyz_classification
              SET at_risk_count = 0,
                  portfolio_row = CASE WHEN relationship_stage_auto = 'regular'
                                       THEN COALESCE(abc_class_auto, 'C')
                                       ELSE relationship_stage_auto END"""
    )
    for column in columns:
        cr.execute(SQL("ALTER TABLE res_partner DROP COLUMN %s CASCADE", SQL.identifier(column)))


def _lighten_history(cr):
    cr.execute(
        """SELECT con.conname
             FROM pg_constraint con
             JOIN pg_attribute att
               ON att.attrelid = con.conrelid AND att.attnum = ANY(con.conkey)
            WHERE con.conrelid = 'crm_xyz_history'::regclass
              AND con.contype = 'f'"""
    )
    names = [row[0] for row in cr.fetchall()]
    for name in names:
        cr.execute(SQL("ALTER TABLE crm_xyz_history DROP CONSTRAINT %s", SQL.identifier(name)))
    if names:
        cr.execute("DELETE FROM ir_model_constraint WHERE type = 'f' AND name = ANY(%s)", [names])
    cr.execute(
        """SELECT indexname FROM pg_indexes
            WHERE tablename = 'crm_xyz_history' AND indexname <> ALL(%s)""",
        [list(HISTORY_KEPT_INDEXES)],
    )
    for (name,) in cr.fetchall():
        cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))


def migrate(cr, version):
    if not version:
        return
    _move_classification(cr)
    _lighten_history(cr)
