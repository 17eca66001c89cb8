"""The tables of the classification results and history, made by hand.

Odoo gives every many2one a foreign key, and each key is a trigger that runs for
every row inserted: the audit measured 8.4 s of the 10.6 s the first analysis of
96,000 customers spent writing its history. These two tables are written in bulk
by the analysis only: the results keep the one key that matters (the customer: its
deletion cascades, and Odoo's contact merge finds the table through it), the
history none, and both the indexes their readers need. The ORM reads and writes
them as usual.
"""

from odoo.tools import SQL
from odoo.tools import sql as sqltools

# room on each page for the nightly rewrite of a row: the new version then stays
# on its page (a HOT update) and no index is touched
CLASSIFICATION_FILLFACTOR = 80


def _create_table(cr, model, *, fillfactor=None):
    """The model's table with a column per stored field, added where missing."""
    table = model._table
    if not sqltools.table_exists(cr, table):
        sqltools.create_model_table(cr, table, model._description)
    existing = sqltools.table_columns(cr, table)
    for name, field in model._fields.items():
        if name == "id" or not field.store or not field.column_type:
            continue
        if name not in existing:
            sqltools.create_column(cr, table, name, field.column_type[1], field.string)
            default = model.default_get([name]).get(name)
            if default is not None and default is not False:
                # the rows of an older version get the default, as Odoo's own tables do
                cr.execute(
                    SQL(
                        "UPDATE %s SET %s = %s",
                        SQL.identifier(table),
                        SQL.identifier(name),
                        default,
                    )
                )
        if field.required:
            sqltools.set_not_null(cr, table, name)
    if fillfactor:
        cr.execute(SQL("ALTER TABLE %s SET (fillfactor = %s)", SQL.identifier(table), fillfactor))


def _ensure_partner_foreign_key(cr, table):
    if not sqltools.get_foreign_keys(cr, table, "partner_id", "res_partner", "id", "cascade"):
        sqltools.add_foreign_key(cr, table, "partner_id", "res_partner", "id", "cascade")


def create_classification_table(cr, model):
    _create_table(cr, model, fillfactor=CLASSIFICATION_FILLFACTOR)
    _ensure_partner_foreign_key(cr, model._table)
    # the partner form and the partner's fields read by partner; the analysis scans a company
    sqltools.create_unique_index(
        cr,
        "crm_xyz_classification_partner_company_uniq",
        model._table,
        ["partner_id", "company_id"],
    )


def create_history_table(cr, model):
    # append-only and written a row per customer by a first analysis: no foreign key at all;
    # res.partner.unlink() and the contact merge look after its customers
    _create_table(cr, model)
    for name, columns in (
        ("crm_xyz_history_partner_idx", ["partner_id"]),
        ("crm_xyz_history_run_idx", ["run_id"]),
        # the manager report: a company's changes over a period
        ("crm_xyz_history_company_date_idx", ["company_id", "date"]),
    ):
        sqltools.create_index(cr, name, model._table, columns)
