from odoo import api, models
from odoo.exceptions import ValidationError

from ..tools.session_settings import (
    MAX_WORK_MEM_KB,
    MIN_WORK_MEM_KB,
    WORK_MEM_PARAMETER,
    work_mem_kb,
)


class IrConfigParameter(models.Model):
    _inherit = "ir.config_parameter"

    @api.constrains("key", "value")
    def _check_xyz_analysis_work_mem(self):
        """The work_mem of the analysis is one PostgreSQL accepts: the nightly analysis
        would fail on any other."""
        for parameter in self:
            if parameter.key == WORK_MEM_PARAMETER and work_mem_kb(parameter.value) is None:
                raise ValidationError(
                    self.env._(
                        "The system parameter %(key)s must be an amount of memory such as "
                        '"256MB": a whole number of kB, MB or GB, from %(least)s kB to '
                        "%(most)s kB; it is %(value)s.",
                        key=WORK_MEM_PARAMETER,
                        least=MIN_WORK_MEM_KB,
                        most=MAX_WORK_MEM_KB,
                        value=(parameter.value or "")[:40],
                    )
                )
