from odoo import models

from ..models.res_partner import MANUAL_FIELDS, MERGE_CONTEXT_KEY
from ..tools import report_summaries


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Contacts > Merge: the classification of the merged customers.

    Odoo moves the foreign keys to the destination in SQL: the sources' classification
    history goes with them, and their classification rows too where the destination
    has none in the company (else Odoo deletes them). Then it copies the stored fields
    with a plain write(), which leaves the classification alone: the next analysis
    reclassifies the destination with the sales of all the merged customers, which
    now point at it. The manual overrides are settled per company once Odoo's own
    checks have passed.
    """

    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        partners = self.env["res.partner"].browse(partner_ids).exists()
        if partners:
            # Odoo moves the documents to the destination in SQL: the customers whose
            # sale days and contact data change, for the manager report's summaries
            report_summaries.log_changes(
                self.env, report_summaries.log_partner_changes(partners.ids)
            )
        # read before the merge: Odoo moves or deletes the sources' rows in SQL
        overrides = self._xyz_overrides(partners)
        super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
        destination = partners.exists()
        if len(partners) < 2 or len(destination) != 1:
            return  # nothing was merged
        # the newest source first, as Odoo gives precedence to the later sources
        sources = (partners - destination).sorted("id", reverse=True)
        if not any(partner_id in sources.ids for partner_id, _company_id in overrides):
            return  # no source had an override: the destination keeps its own
        # Odoo moved a source's row where the destination had none in its company
        self.env["crm.xyz.classification"].invalidate_model()
        now = self._xyz_overrides(destination)
        for company_id in {company_id for _partner_id, company_id in overrides}:
            self._xyz_merge_manual_overrides(
                destination.with_company(company_id),
                now.get((destination.id, company_id), {}),
                overrides.get((destination.id, company_id), {}),
                [overrides.get((source.id, company_id), {}) for source in sources],
            )

    def _xyz_overrides(self, partners):
        """{(partner id, company id): {manual field: value}} of the classification rows of
        `partners` that have an override, in every company, in one query."""
        # sudo: whoever may merge contacts may merge their overrides (see below)
        rows = (
            self.env["crm.xyz.classification"]
            .sudo()
            .search_fetch(
                [("partner_id", "in", partners.ids)], ["partner_id", "company_id", *MANUAL_FIELDS]
            )
        )
        return {
            (row.partner_id.id, row.company_id.id): {name: row[name] for name in MANUAL_FIELDS}
            for row in rows
            if any(row[name] for name in MANUAL_FIELDS)
        }

    def _update_foreign_keys(self, src_partners, dst_partner):
        # the history has no foreign key for Odoo to follow: move it with the others
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_xyz_history SET partner_id = %s WHERE partner_id = ANY(%s)",
            [dst_partner.id, src_partners.ids],
        )
        self.env["crm.xyz.history"].invalidate_model(["partner_id"])
        result = super()._update_foreign_keys(src_partners, dst_partner)
        # Odoo moved the sources' salesperson history in SQL: the ranges of the
        # destination's rows follow their new order
        salesperson_history = self.env["crm.xyz.salesperson.history"].sudo()
        salesperson_history.invalidate_model(["partner_id"])
        salesperson_history._refresh_ranges(dst_partner.ids)
        return result

    def _xyz_merge_manual_overrides(self, destination, current, own, others):
        """In the company of `destination`'s environment, keep its own manual overrides
        (`own`) and take, where it has none, the first one of `others` ({field: value}
        each, none where a field is missing); `current` are those it has after Odoo's
        merge."""
        # sudo: Odoo's checks have passed, and whoever may merge contacts may merge their
        # overrides, sales manager or not (direct writes stay closed to salesmen)
        values = {}
        for name in MANUAL_FIELDS:
            wanted = own.get(name) or next((vals[name] for vals in others if vals.get(name)), False)
            if (current.get(name) or False) != wanted:
                values[name] = wanted
        if values:
            destination.sudo().write(values)  # the effective stage and classes follow

    def _update_values(self, src_partners, dst_partner):
        # the key makes res.partner.write() drop the classification fields from this write
        dst_partner = dst_partner.with_context(**{MERGE_CONTEXT_KEY: True})
        return super()._update_values(src_partners, dst_partner)
