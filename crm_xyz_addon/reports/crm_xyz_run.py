from odoo import api, models


class CrmXyzRun(models.Model):
    """The manager report's part of a classification run."""

    _inherit = "crm.xyz.run"

    @api.model
    def _after_analysis(self, company, as_of):
        # contact data keeps no history: the report reads a past period's
        # completeness from the snapshots that the nightly runs take
        super()._after_analysis(company, as_of)
        self.env["crm.xyz.completeness.snapshot"]._take(company, as_of)
