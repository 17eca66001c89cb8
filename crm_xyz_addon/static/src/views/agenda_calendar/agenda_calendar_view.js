import { _t } from "@web/core/l10n/translation";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { calendarView } from "@web/views/calendar/calendar_view";
import { CalendarModel } from "@web/views/calendar/calendar_model";
import { CalendarRenderer } from "@web/views/calendar/calendar_renderer";
import { CalendarCommonRenderer } from "@web/views/calendar/calendar_common/calendar_common_renderer";
import { CalendarCommonPopover } from "@web/views/calendar/calendar_common/calendar_common_popover";

const AGENDA_MODEL = "crm.xyz.agenda";

/**
 * Call an action method of an agenda event, run the action it returns and
 * reload the calendar afterwards (the event may be done or moved).
 *
 * Takes the services from the environment rather than from the popover, which
 * is closed (destroyed) before the call returns.
 */
async function runEventAction(env, model, eventId, methodName) {
    const { orm, action } = env.services;
    const result = await orm.call(AGENDA_MODEL, methodName, [[eventId]]);
    if (result && typeof result === "object" && result.type) {
        await action.doAction(result, { onClose: () => model.load() });
    } else {
        await model.load();
    }
}

/**
 * The day view of today also shows the overdue events, in the all-day band at the
 * top, as 1C shows what is late next to today's work; their popover keeps their
 * own day. The list and the other days are unchanged.
 */
export class AgendaCalendarModel extends CalendarModel {
    async loadRecords(data) {
        const records = await super.loadRecords(data);
        const today = luxon.DateTime.local().startOf("day");
        const { start, end } = data.range;
        if (this.meta.scale !== "day" || today < start.startOf("day") || today > end) {
            return records;
        }
        const { fieldNames, resModel } = this.meta;
        const overdue = await this.orm.searchRead(
            resModel,
            [
                ...this.meta.domain,
                ...this.computeFiltersDomain(data),
                ["state", "=", "overdue"],
            ],
            [...new Set([...fieldNames, ...Object.keys(this.meta.activeFields)])]
        );
        for (const rawRecord of overdue) {
            if (!(rawRecord.id in records)) {
                records[rawRecord.id] = {
                    ...this.normalizeRecord(rawRecord),
                    isAllDay: true,
                    start: today,
                    end: today,
                    isTimeHidden: true,
                    isCarriedOverdue: true,
                };
            }
        }
        return records;
    }
}

export class AgendaCalendarCommonPopover extends CalendarCommonPopover {
    static subTemplates = {
        ...CalendarCommonPopover.subTemplates,
        footer: "crm_xyz_addon.AgendaCalendarCommonPopover.footer",
    };

    get agendaEvent() {
        return this.props.record.rawRecord;
    }
    get isEventEditable() {
        return false;
    }
    get isEventDeletable() {
        return false;
    }
    get hasFooter() {
        return true;
    }

    computeDateTimeAndDuration() {
        super.computeDateTimeAndDuration();
        // an overdue event shown today: its own day, not today's
        if (this.props.record.isCarriedOverdue) {
            this.date = formatDate(deserializeDate(this.agendaEvent.day));
            this.dateDuration = _t("Overdue");
        }
    }

    async onEventAction(methodName) {
        const { model, record } = this.props;
        this.props.close();
        await runEventAction(this.env, model, record.id, methodName);
    }
}

export class AgendaCalendarCommonRenderer extends CalendarCommonRenderer {
    static components = {
        ...CalendarCommonRenderer.components,
        Popover: AgendaCalendarCommonPopover,
    };

    /**
     * Colour the events by state (overdue red, today black, planned grey, held grey
     * italic with a check mark), not by palette.
     */
    eventClassNames(info) {
        const record = this.props.model.records[info.event.id];
        const classes = super
            .eventClassNames(info)
            // past events are veiled by default: overdue ones must stay plainly red
            .filter((name) => name !== "o_past_event" && !name.startsWith("o_calendar_color_"));
        if (record) {
            const { state, importance } = record.rawRecord;
            classes.push("o_xyz_agenda_event", `o_xyz_agenda_${state}`);
            if (importance === "high") {
                classes.push("o_xyz_agenda_important");
            }
        }
        return classes;
    }

    onDblClick(info) {
        const record = this.props.model.records[info.event.id];
        runEventAction(this.env, this.props.model, record.id, "action_open_source");
    }
}

export class AgendaCalendarRenderer extends CalendarRenderer {
    static components = {
        ...CalendarRenderer.components,
        day: AgendaCalendarCommonRenderer,
        week: AgendaCalendarCommonRenderer,
        month: AgendaCalendarCommonRenderer,
    };
}

export const agendaCalendarView = {
    ...calendarView,
    Model: AgendaCalendarModel,
    Renderer: AgendaCalendarRenderer,
};

registry.category("views").add("crm_xyz_agenda_calendar", agendaCalendarView);
