import { registry } from "@web/core/registry";

const preview = ".o_field_widget[name='preview_html'] .o_crm_xyz_preview_table";

function newFigure(key, condition) {
    return `${preview} tr[data-key='${key}'] .o_crm_xyz_preview_new${condition}`;
}

function setLimit(name, value) {
    return [
        { trigger: `.o_field_widget[name='${name}'] input`, run: `edit ${value}` },
        // leave the field: the preview follows the settings on the screen
        { trigger: ".o_form_view .oe_title h1", run: "click" },
    ];
}

registry.category("web_tour.tours").add("crm_xyz_classification_preview", {
    steps: () => [
        { trigger: `${preview} th:contains('Today')` },
        // limits so low and close that no customer is Y
        ...setLimit("xyz_x_max_cv", "0.01"),
        ...setLimit("xyz_y_max_cv", "0.02"),
        { trigger: newFigure("Y", "[data-value='0']") },
        // so high that every customer who varies is Y
        ...setLimit("xyz_y_max_cv", "99999"),
        { trigger: newFigure("Y", ":not([data-value='0'])") },
        // the limits come from a read-only call and are put on the screen, unsaved
        { trigger: "button[name='action_suggest_limits']", run: "click" },
        // a third of the regular customers at least are X with the suggested limits
        { trigger: newFigure("X", ":not([data-value='0'])") },
        {
            trigger: ".o_form_dirty .o_field_widget[name='xyz_y_max_cv'] input:not(:value(99,999.00))",
            run() {
                this.anchor.closest(".o_form_view").dataset.xyzBeforeSave = "1";
            },
        },
        // saved, the settings open again as the company now has them
        { trigger: "button[name='action_save']", run: "click" },
        {
            trigger:
                "body:not(:has(.o_form_dirty)) .o_form_view:not([data-xyz-before-save]) .o_field_widget[name='xyz_y_max_cv'] input:not(:value(99,999.00))",
        },
    ],
});
