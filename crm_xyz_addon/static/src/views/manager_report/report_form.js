import { registry } from "@web/core/registry";
import { FormController } from "@web/views/form/form_controller";
import { formView } from "@web/views/form/form_view";

/**
 * The manager report is a screen, not a document: no "New", save or discard
 * buttons, and its title is the report and period rather than "New". Its options
 * recompute the lines through onchange, a read-only call that a replica can
 * serve; so does Refresh, which asks for the onchange of the period again. Only
 * Print and Export save it, as the files are made from the saved record (saving
 * computes its lines again). Leaving it saves nothing.
 */
export class XyzReportFormController extends FormController {
    static template = "crm_xyz_addon.XyzReportFormView";

    displayName() {
        return this.model.root.data.display_name || "";
    }

    async beforeExecuteActionButton(clickParams) {
        if (clickParams.name === "action_refresh") {
            const record = this.model.root;
            await record.update({ period: record.data.period });
            return false;
        }
        return super.beforeExecuteActionButton(clickParams);
    }

    async beforeLeave() {
        return true;
    }

    beforeUnload() {}

    beforeVisibilityChange() {}
}

registry.category("views").add("crm_xyz_report_form", {
    ...formView,
    Controller: XyzReportFormController,
});
