import { onWillStart } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { ListController } from "@web/views/list/list_controller";
import { listView } from "@web/views/list/list_view";

/**
 * The XYZ analysis of customers, with a warning above the list when the last
 * analysis put more than 90% of the regular customers into one XYZ class: the
 * limits then say nothing about them. Sales managers get a link to the settings.
 */
export class XyzAnalysisListController extends ListController {
    static template = "crm_xyz_addon.XyzAnalysisListView";

    setup() {
        super.setup();
        this.orm = useService("orm");
        this.action = useService("action");
        this.separationWarning = false;
        onWillStart(async () => {
            this.separationWarning = await this.orm.call(
                "crm.xyz.run",
                "get_xyz_separation_warning",
                []
            );
        });
    }

    openClassificationSettings() {
        return this.action.doAction("crm_xyz_addon.crm_xyz_classification_settings_action");
    }
}

registry.category("views").add("crm_xyz_analysis_list", {
    ...listView,
    Controller: XyzAnalysisListController,
});
