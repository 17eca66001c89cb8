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
        companies = self.env["res.company"].sudo().search([])
        # read before the merge: Odoo moves or deletes the sources' rows in SQL
        overrides = {
            company: {
                partner: {
                    name: partner.sudo().with_company(company)[name] for name in MANUAL_FIELDS
                }
                for partner in partners
            }
            for company in companies
        }
        super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
        destination = partners.exists()
        if len(partners) < 2 or len(destination) != 1:
            return  # nothing was merged
        # the newest source first, as Odoo gives precedence to the later sources
        sources = (partners - destination).sorted("id", reverse=True)
        self.env.invalidate_all()
        for company in companies:
            self._xyz_merge_manual_overrides(
                destination.with_company(company),
                overrides[company][destination],
                [overrides[company][source] for source in sources],
            )

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

    def _xyz_merge_manual_overrides(self, destination, own, others):
        """In the company of `destination`'s environment, keep its own manual overrides
        and take, where it has none, the first one of `others` ({field: value} each)."""
        # sudo: Odoo's checks have passed, and whoever may merge contacts may merge their
        # overrides, sales manager or not (direct writes stay closed to salesmen)
        destination = destination.sudo()
        values = {}
        for name in MANUAL_FIELDS:
            wanted = own[name] or next((vals[name] for vals in others if vals[name]), False)
            if destination[name] != wanted:
                values[name] = wanted
        if values:
            destination.write(values)  # the effective stage and classes follow

    def _update_values(self, src_partners, dst_partner):
        # the key makes res.partner.write() drop the classification fields from this write
        dst_partner = dst_partner.with_context(**{MERGE_CONTEXT_KEY: True})
        return super()._update_values(src_partners, dst_partner)
