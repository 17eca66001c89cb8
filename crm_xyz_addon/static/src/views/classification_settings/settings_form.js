import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { FormController } from "@web/views/form/form_controller";
import { formView } from "@web/views/form/form_view";

// the settings the suggested limits depend on (SETTING_FIELDS but the limits themselves)
const SUGGESTION_INPUTS = [
    "xyz_period_unit",
    "xyz_period_count",
    "xyz_source",
    "xyz_parameter",
    "xyz_one_off_max_purchases",
    "abc_a_percent",
    "abc_b_percent",
];

/**
 * The classification settings: "Suggest limits" asks the server for the limits
 * that fit the settings on the screen (a read-only call, which a replica can
 * serve) and puts them on the screen, whose preview follows through onchange.
 * Nothing is saved until Save.
 */
export class XyzSettingsFormController extends FormController {
    setup() {
        super.setup();
        this.orm = useService("orm");
    }

    async beforeExecuteActionButton(clickParams) {
        if (clickParams.name !== "action_suggest_limits") {
            return super.beforeExecuteActionButton(clickParams);
        }
        const record = this.model.root;
        const settings = Object.fromEntries(
            SUGGESTION_INPUTS.map((name) => [name, record.data[name]])
        );
        // the company field is in the form of multi-company users only
        const company = record.data.company_id;
        const limits = await this.orm.call(
            "crm.xyz.classification.settings",
            "get_suggested_limits",
            [company ? company[0] : false, settings]
        );
        await record.update(limits);
        return false;
    }
}

registry.category("views").add("crm_xyz_settings_form", {
    ...formView,
    Controller: XyzSettingsFormController,
});
