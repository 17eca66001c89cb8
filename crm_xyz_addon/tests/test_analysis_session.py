from odoo.api import call_kw
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from ..tools import session_settings
from .common import AS_OF, XyzCommon

PARAMETER = session_settings.WORK_MEM_PARAMETER


@tagged("post_install", "-at_install")
class TestAnalysisSession(XyzCommon):
    """The work_mem of the analysis comes from a system parameter, and its settings stay
    in the analysis's statements."""

    def settings_now(self):
        self.env.cr.execute(SQL("SELECT current_setting('work_mem'), current_setting('jit')"))
        return self.env.cr.fetchone()

    def test_the_parameter_is_honoured(self):
        parameters = self.env["ir.config_parameter"].sudo()
        self.assertFalse(parameters.get_param(PARAMETER), "none by default")
        self.assertEqual(session_settings.analysis_work_mem(self.env), "256MB")
        statement = "SELECT current_setting('work_mem'), current_setting('jit')"
        runs = self.env["crm.xyz.run"]
        self.assertEqual(runs._read_only_rows(statement, {}), [("256MB", "off")])
        parameters.set_param(PARAMETER, "96MB")
        self.assertEqual(runs._read_only_rows(statement, {}), [("96MB", "off")])
        # the statements of the analysis: inside, the parameter's; afterwards, as before
        before = self.settings_now()
        with session_settings.analysis_settings(
            self.env.cr, session_settings.analysis_work_mem(self.env)
        ):
            self.assertEqual(self.settings_now(), ("96MB", "off"))
        self.assertEqual(self.settings_now(), before)

    def test_nothing_is_left_to_the_rest_of_the_transaction(self):
        customer = self.create_customer("Session")
        self.create_order(customer, 100, AS_OF)
        # values of this transaction that are not the server's: a session-level RESET
        # in the analysis would bring back the server's instead
        self.env.cr.execute(SQL("SET LOCAL work_mem = '5MB'"))
        self.env.cr.execute(SQL("SET LOCAL jit = on"))
        self.env["ir.config_parameter"].sudo().set_param(PARAMETER, "32MB")
        run = self.run_analysis(AS_OF)
        self.assertEqual(run.state, "done")
        self.assertGreaterEqual(run.customer_count, 1)
        self.assertEqual(self.settings_now(), ("5MB", "on"))
        call_kw(self.env["crm.xyz.run"].with_user(self.manager), "preview_analysis", [], {})
        self.assertEqual(self.settings_now(), ("5MB", "on"))

    def test_the_parameter_is_checked(self):
        parameters = self.env["ir.config_parameter"].sudo()
        for value in ("300MB", "1GB", "65536", "64kB", " 128MB "):
            with self.subTest(value=value):
                parameters.set_param(PARAMETER, value)
                self.assertEqual(session_settings.analysis_work_mem(self.env), value.strip())
        for value in ("lots", "256 mb", "1.5GB", "32kB", "3TB", "256MB; SET jit = on", "-1"):
            with (
                self.subTest(value=value),
                self.assertRaisesRegex(ValidationError, "analysis_work_mem"),
                self.env.cr.savepoint(),
            ):
                parameters.set_param(PARAMETER, value)
        self.assertEqual(parameters.get_param(PARAMETER), " 128MB ")
        # written past the ORM, a bad value is not used
        self.env.cr.execute(
            SQL("UPDATE ir_config_parameter SET value = 'lots' WHERE key = %s", PARAMETER)
        )
        parameters.env.registry.clear_cache()
        self.assertEqual(session_settings.analysis_work_mem(self.env), "256MB")
        with self.assertRaises(ValueError):
            session_settings.set_analysis_settings(self.env.cr, "lots")
