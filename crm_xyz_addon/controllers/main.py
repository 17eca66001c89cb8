from odoo import http
from odoo.http import content_disposition, request

from ..reports.crm_xyz_manager_report import MAX_ID, XLSX_MIMETYPE


class ManagerReportController(http.Controller):
    @http.route(
        "/crm_xyz_addon/manager_report/<int:report_id>/xlsx",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def manager_report_xlsx(self, report_id):
        """The manager performance report as an XLSX file, in the language of the user.

        A report that does not exist and one of another user or company get the
        same 404: the answer does not tell which ids exist.
        """
        if report_id > MAX_ID:  # beyond PostgreSQL's integer: no such report
            raise request.not_found()
        report = (
            request.env["crm.xyz.manager.report"]
            .with_context(lang=request.env.user.lang)
            .browse(report_id)
            .exists()
        )
        if not report or not report.has_access("read"):
            raise request.not_found()
        content = (
            request.env["report.crm_xyz_addon.report_manager_performance"]
            .with_context(lang=request.env.user.lang)
            ._render_xlsx(report)
        )
        return request.make_response(
            content,
            headers=[
                ("Content-Type", XLSX_MIMETYPE),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(f"{report.file_name}.xlsx")),
            ],
        )
