import logging
import random
import time
from collections import defaultdict
from datetime import datetime, timedelta
from datetime import time as dt_time

import pytz
from dateutil.relativedelta import relativedelta

from odoo import Command, api, models

from ..tools import demo_plan

_logger = logging.getLogger(__name__)

DEMO_SEED = 1968
SALESPEOPLE = (
    "crm_xyz_addon_demo.demo_user_anna",
    "crm_xyz_addon_demo.demo_user_boris",
    "crm_xyz_addon_demo.demo_user_clara",
    "crm_xyz_addon_demo.demo_user_dmitri",
    "crm_xyz_addon_demo.demo_user_elena",
)
FURNITURE = "product.product_category_5"
SERVICES = "product.product_category_3"
# the goods and services the demo company sells: (code, name, type, list price, cost, category);
# created by the generator rather than as data of the addon, so that uninstalling the
# addon leaves them with the documents that use them
PRODUCTS = (
    ("FURN_7101", "Ergonomic Office Chair", "consu", 320.0, 185.0, FURNITURE),
    ("FURN_7102", "Height-Adjustable Desk", "consu", 780.0, 455.0, FURNITURE),
    ("FURN_7103", "Conference Table", "consu", 1450.0, 890.0, FURNITURE),
    ("FURN_7104", "Dual Monitor Arm", "consu", 95.0, 52.0, FURNITURE),
    ("SERV_7105", "Workplace Setup (hour)", "service", 120.0, 55.0, SERVICES),
    ("SERV_7106", "Furniture Care Plan (year)", "service", 1200.0, 430.0, SERVICES),
)
# design hours of the standard demo data, sold now and then with the furniture
ADDON_PRODUCT = "product.product_product_1"
PAYMENT_TERMS = {
    "immediate": "account.account_payment_term_immediate",
    "15days": "account.account_payment_term_15days",
    "30days": "account.account_payment_term_30days",
    "45days": "account.account_payment_term_45days",
}
# orders at least this old are delivered and invoiced
DELIVERED_AFTER_DAYS = 10
# no chatter noise, no e-mails: the documents are back-dated history
QUIET_CONTEXT = {
    "tracking_disable": True,
    "mail_notrack": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_activity_quick_update": True,
    "no_mail_to_attendees": True,
    "dont_notify": True,
    "disable_cancel_warning": True,
    "skip_sms": True,
}
ACTIVITY_SUMMARIES = {
    "res.partner": (
        "Call about the next order",
        "Send the new catalogue",
        "Quarterly review",
        "Ask for feedback on the last delivery",
        "Check the contact details",
        "Invite to the showroom",
    ),
    "crm.lead": (
        "Follow up on the proposal",
        "Send references",
        "Call the decision maker",
        "Prepare the floor plan",
        "Negotiate the discount",
    ),
    "sale.order": (
        "Confirm the delivery date",
        "Follow up on the quotation",
        "Payment reminder",
        "Check the installation",
    ),
}
MEETING_SUBJECTS = (
    "Quarterly business review",
    "Showroom visit",
    "New collection presentation",
    "Office layout workshop",
    "Contract renewal",
    "Site survey",
)
OPPORTUNITY_SUBJECTS = (
    "Office fit-out",
    "Meeting rooms refurbishment",
    "Ergonomic chairs for the team",
    "New branch furniture",
    "Care plan renewal",
    "Standing desks pilot",
)
CREDIT_NOTE_REASONS = ("Discount for late delivery", "Damaged item returned", "Volume rebate")


def _open_receivable(move_lines):
    return move_lines.filtered(
        lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
    )


class CrmXyzDemo(models.AbstractModel):
    """Generates the demo data: customers, 18 months of documents, activities, meetings.

    Called once from the demo data of the addon; deterministic for a given seed
    and day, every date relative to the day of the installation.
    """

    _name = "crm.xyz.demo"
    _description = "Customer Analytics Demo Data"

    @api.model
    def _generate_demo_data(self, seed=DEMO_SEED):
        company = self.env.ref("base.main_company")
        partners = self.env["res.partner"].with_context(active_test=False)
        if partners.search_count([("ref", "=", "C1001"), ("is_company", "=", True)], limit=1):
            _logger.info("customer analytics demo data already present, not generated again")
            return
        started, cpu_started = time.monotonic(), time.process_time()
        builder = _DemoBuilder(
            self.with_company(company).with_context(**QUIET_CONTEXT).env, company, seed
        )
        builder.build()
        _logger.info(
            "customer analytics demo data generated in %.1f s (%.1f s of CPU here)",
            time.monotonic() - started,
            time.process_time() - cpu_started,
        )


class _DemoBuilder:
    """Turns the plan of tools/demo_plan.py into records of one company."""

    def __init__(self, env, company, seed):
        self.env = env
        self.company = company
        self.rng = random.Random(seed + 2)
        tz = pytz.timezone(company.partner_id.tz or "UTC")
        # the company's today: the day the documents are dated from
        self.today = datetime.now(pytz.utc).astimezone(tz).date()
        self.plan = demo_plan.build_plan(seed, self.today)
        self.salespeople = [env.ref(xmlid) for xmlid in SALESPEOPLE]
        self.products = []  # see create_products
        self.addon_product = env.ref(ADDON_PRODUCT, raise_if_not_found=False)
        self.eur_pricelist = env.ref("crm_xyz_addon_demo.demo_pricelist_eur")
        self.eur = self.eur_pricelist.currency_id
        # a company keeping its books in euros has no second currency here
        self.has_eur = self.eur != company.currency_id
        self.rates = demo_plan.eur_rates(seed, self.today)
        self.has_stock = "picking_ids" in env["sale.order"]._fields
        self.has_importance = "importance" in env["mail.activity"]._fields
        # filled while building
        self.partner_of = {}  # customer code -> commercial partner
        self.contacts_of = {}  # customer code -> child contacts
        self.opportunities = {}  # customer code -> open or won opportunity
        self.orders = env["sale.order"]  # the confirmed ones
        self.delivery_date = {}  # sale.order id -> day its goods left

    # ------------------------------------------------------------------ helpers
    def user_today(self, user):
        return datetime.now(pytz.timezone(user.tz or "UTC")).date()

    def user_datetime(self, user, day, hour, minute=0):
        """Naive UTC datetime of a local time of the user on a day."""
        local = pytz.timezone(user.tz or "UTC").localize(
            datetime.combine(day, dt_time(hour, minute))
        )
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    def salesperson(self, customer):
        return self.salespeople[customer.salesperson]

    # -------------------------------------------------------------------- build
    def build(self):
        steps = (
            self.create_rates,
            self.create_products,
            self.create_customers,
            self.create_opportunities,
            self.create_orders,
            self.deliver_orders,
            self.invoice_orders,
            self.create_activities,
            self.create_meetings,
            self.run_analyses,
        )
        for step in steps:
            started = time.monotonic()
            step()
            self.env.flush_all()
            _logger.debug("demo data: %s in %.1f s", step.__name__, time.monotonic() - started)

    def in_eur(self, customer):
        return customer.eur and self.has_eur

    def create_rates(self):
        if not self.has_eur:
            return
        existing = set(
            self.env["res.currency.rate"]
            .search(
                [
                    ("currency_id", "=", self.eur.id),
                    ("company_id", "=", self.company.id),
                ]
            )
            .mapped("name")
        )
        self.env["res.currency.rate"].create(
            [
                {
                    "currency_id": self.eur.id,
                    "company_id": self.company.id,
                    "name": day,
                    "rate": rate,
                }
                for day, rate in self.rates
                if day not in existing
            ]
        )

    def create_products(self):
        products = self.env["product.product"].with_context(active_test=False)
        existing = {
            p.default_code: p
            for p in products.search([("default_code", "in", [code for code, *_rest in PRODUCTS])])
        }
        all_products = self.env.ref("product.product_category_all")
        for code, name, kind, price, cost, category in PRODUCTS:
            self.products.append(
                existing.get(code)
                or products.create(
                    {
                        "name": name,
                        "default_code": code,
                        "type": kind,
                        "categ_id": (
                            self.env.ref(category, raise_if_not_found=False) or all_products
                        ).id,
                        "list_price": price,
                        "standard_price": cost,
                        "invoice_policy": "order",
                    }
                )
            )

    def create_customers(self):
        env = self.env
        countries = {
            c.code: c
            for c in env["res.country"].search(
                [("code", "in", list({c.country_code for c in self.plan}))]
            )
        }
        states = (
            {
                s.code: s
                for s in env["res.country.state"].search([("country_id", "=", countries["US"].id)])
            }
            if "US" in countries
            else {}
        )
        terms = {key: env.ref(xmlid) for key, xmlid in PAYMENT_TERMS.items()}
        companies = env["res.partner"].create(
            [
                {
                    "name": customer.name,
                    "is_company": True,
                    "ref": customer.code,
                    "street": customer.street,
                    "city": customer.city,
                    "zip": customer.zip,
                    "state_id": states[customer.state_code].id
                    if customer.state_code in states
                    else False,
                    "country_id": countries[customer.country_code].id,
                    "email": customer.email,
                    "phone": customer.phone,
                    "website": customer.website,
                    "comment": f"<p>{customer.trade.capitalize()}</p>",
                    "user_id": self.salesperson(customer).id,
                    "property_payment_term_id": terms[customer.payment_term].id,
                    **(
                        {"property_product_pricelist": self.eur_pricelist.id}
                        if self.in_eur(customer)
                        else {}
                    ),
                }
                for customer in self.plan
            ]
        )
        contact_values, owners = [], []
        for customer, company in zip(self.plan, companies, strict=True):
            self.partner_of[customer.code] = company
            for contact in customer.contacts:
                owners.append(customer.code)
                contact_values.append(
                    {
                        "name": contact.name,
                        "parent_id": company.id,
                        "type": "contact",
                        "function": contact.function,
                        "email": contact.email,
                        "phone": contact.phone,
                        "mobile": contact.mobile,
                    }
                )
        contacts = env["res.partner"].create(contact_values)
        self.contacts_of = defaultdict(lambda: env["res.partner"])
        for code, contact in zip(owners, contacts, strict=True):
            self.contacts_of[code] |= contact

    def create_opportunities(self):
        env = self.env
        stages = [env.ref(f"crm.stage_lead{index}") for index in (1, 2, 3)]
        lost_reasons = [env.ref(f"crm.lost_reason_{index}") for index in (1, 2, 3)]
        values, kinds = [], []
        for customer in self.plan:
            if not customer.opportunity:
                continue
            partner = self.partner_of[customer.code]
            kinds_here = (
                ["lost", "open"]
                if customer.opportunity == "lost_and_open"
                else [customer.opportunity]
            )
            for kind in kinds_here:
                contact = self.contacts_of[customer.code][:1]
                planned = self.today + timedelta(days=self.rng.randint(-10, 60))
                values.append(
                    {
                        "name": f"{self.rng.choice(OPPORTUNITY_SUBJECTS)} - {partner.name}",
                        "type": "opportunity",
                        "partner_id": partner.id,
                        "contact_name": contact.name,
                        "email_from": contact.email or partner.email,
                        "phone": contact.phone or partner.phone,
                        "user_id": self.salesperson(customer).id,
                        "company_id": self.company.id,
                        "stage_id": self.rng.choice(stages).id,
                        "expected_revenue": round(self.rng.uniform(2, 12) * 1000, -2),
                        "date_deadline": planned,
                        "priority": self.rng.choice(("0", "1", "2", "3")),
                    }
                )
                kinds.append((customer.code, kind))
        leads = env["crm.lead"].create(values)
        won = env["crm.lead"]
        for lead, (code, kind) in zip(leads, kinds, strict=True):
            if kind == "open":
                self.opportunities[code] = lead
            elif kind == "won":
                self.opportunities[code] = lead
                won |= lead
            else:
                lead.action_set_lost(lost_reason_id=self.rng.choice(lost_reasons).id)
        won.action_set_won()

    # ------------------------------------------------------------------- orders
    def order_lines(self, amount, rate):
        """Lines worth `amount` (company currency) in the order currency (`rate` per unit)."""
        rng = self.rng
        lines, remaining = [], amount
        if self.addon_product and amount > 600 and rng.random() < 0.3:
            quantity = rng.randint(2, 8)
            price = self.addon_product.list_price
            lines.append((self.addon_product, quantity, price))
            remaining -= quantity * price
        # preferably products of which at least two fit in the amount
        affordable = (
            [p for p in self.products if p.list_price * 2 <= remaining]
            or [p for p in self.products if p.list_price <= remaining]
            or [min(self.products, key=lambda p: p.list_price)]
        )
        first = rng.choice(affordable)
        smaller = [p for p in affordable if p != first and p.list_price <= remaining * 0.35]
        if smaller and first.list_price <= remaining * 0.6 and rng.random() < 0.5:
            second = rng.choice(smaller)
            share = max(second.list_price, remaining * rng.uniform(0.15, 0.35))
            parts = [(first, remaining - share), (second, share)]
        else:
            parts = [(first, remaining)]
        for product, share in parts:
            # a negotiated price: at least 95 % of the list price, well above the cost
            quantity = max(1, int(share / (product.list_price * 0.95)))
            lines.append((product, quantity, share / quantity))
        return [
            Command.create(
                {
                    "product_id": product.id,
                    "product_uom_qty": quantity,
                    "price_unit": round(price * rate, 2),
                }
            )
            for product, quantity, price in lines
        ]

    def create_orders(self):
        env, rng = self.env, self.rng
        values, plans = [], []
        for customer in self.plan:
            partner = self.partner_of[customer.code]
            contacts = self.contacts_of[customer.code]
            user = self.salesperson(customer)
            opportunity = self.opportunities.get(customer.code)
            documents = list(customer.orders)
            if customer.quotation:
                # an open quotation of the last weeks (an expired one: older than its validity)
                age = rng.randint(40, 70) if customer.quotation == "expired" else rng.randint(0, 25)
                documents.append(
                    demo_plan.OrderPlan(
                        date=self.today - timedelta(days=age),
                        amount=round(rng.uniform(*demo_plan.SIZES[customer.size]), 2),
                        state="sent" if customer.quotation == "sent" else "draft",
                    )
                )
            for order in documents:
                rate = demo_plan.rate_at(self.rates, order.date) if self.in_eur(customer) else 1.0
                ordered_by = contacts[order.contact_index] if order.contact_index >= 0 else partner
                moment = dt_time(rng.randint(9, 15), rng.choice((0, 15, 30, 45)))
                vals = {
                    "partner_id": ordered_by.id,
                    "user_id": user.id,
                    "company_id": self.company.id,
                    "date_order": datetime.combine(order.date, moment),
                    "order_line": self.order_lines(order.amount, rate),
                }
                if self.in_eur(customer):
                    vals["pricelist_id"] = self.eur_pricelist.id
                is_quotation = order.state in ("draft", "sent")
                if is_quotation:
                    vals["validity_date"] = order.date + timedelta(days=30)
                if opportunity and (customer.opportunity == "won" or is_quotation):
                    vals["opportunity_id"] = opportunity.id
                if order.commitment_days is not None:
                    vals["commitment_date"] = self.user_datetime(
                        user, self.user_today(user) + timedelta(days=order.commitment_days), 11
                    )
                values.append(vals)
                plans.append(order)
        orders = env["sale.order"].create(values)
        by_state = defaultdict(lambda: env["sale.order"])
        for order, plan in zip(orders, plans, strict=True):
            by_state[plan.state] |= order
        (by_state["sale"] | by_state["cancel_confirmed"]).action_confirm()
        (by_state["cancel"] | by_state["cancel_confirmed"])._action_cancel()
        by_state["sent"].write({"state": "sent"})
        for order, vals in zip(orders, values, strict=True):
            # confirming stamps the current time: put the order back on its date
            if order.date_order != vals["date_order"]:
                order.date_order = vals["date_order"]
        self.orders = by_state["sale"]

    # --------------------------------------------------------------- deliveries
    def deliver_orders(self):
        """Older orders are delivered; recent ones are promised for before today, today, later.

        Without Inventory the delivered quantities are set on the order lines and
        the commitment date stands for the delivery date.
        """
        limit = self.today - timedelta(days=DELIVERED_AFTER_DAYS)
        delivered = self.orders.filtered(lambda o: o.date_order.date() <= limit)
        self.delivery_date = {
            order.id: min(
                order.date_order.date() + timedelta(days=self.rng.randint(1, 5)),
                self.today - timedelta(days=1),
            )
            for order in delivered
        }
        for order in (self.orders - delivered).filtered(lambda o: not o.commitment_date):
            order.commitment_date = order.date_order + timedelta(days=self.rng.randint(3, 12))
        for line in delivered.order_line:
            if line.qty_delivered_method == "manual":
                line.qty_delivered = line.product_uom_qty
        if not self.has_stock:
            return
        pickings = delivered.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        by_date = defaultdict(lambda: self.env["stock.picking"])
        for picking in pickings:
            by_date[self.delivery_date[picking.sale_id.id]] |= picking
        for day, day_pickings in by_date.items():
            day_pickings.scheduled_date = datetime.combine(day, dt_time(9, 0))
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
        pickings.move_ids.picked = True
        pickings._action_done()
        for day, day_pickings in by_date.items():
            # validating stamps the current time: put the deliveries back on their day
            moment = datetime.combine(day, dt_time(14, 0))
            day_pickings.date_done = moment
            day_pickings.move_ids.date = moment
            day_pickings.move_ids.move_line_ids.date = moment
        # the orders still to deliver are scheduled on their promised date
        pending = (self.orders - delivered).picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        for picking in pending:
            picking.scheduled_date = picking.sale_id.commitment_date

    # ----------------------------------------------------------------- invoices
    def invoice_orders(self):
        """Invoice nearly every delivered order a few days later; credit notes; payments."""
        rng = self.rng
        delivered = self.orders.filtered(lambda o: o.id in self.delivery_date)
        to_invoice = delivered.filtered(lambda o: rng.random() < 0.97)
        due_today = self._due_today_orders(to_invoice)
        term_30 = self.env.ref(PAYMENT_TERMS["30days"])
        values, dates = [], []
        for order in to_invoice:
            vals = order._prepare_invoice()
            if order in due_today:
                day = self.user_today(order.user_id) - timedelta(days=30)
                vals["invoice_payment_term_id"] = term_30.id
            else:
                day = min(
                    self.delivery_date[order.id] + timedelta(days=rng.randint(0, 3)), self.today
                )
            # dated at creation: writing the date afterwards recomputes every invoice twice
            vals["invoice_date"] = day
            vals["invoice_line_ids"] = [
                Command.create(line._prepare_invoice_line(sequence=sequence))
                for sequence, line in enumerate(order._get_invoiceable_lines(), start=1)
            ]
            values.append(vals)
            dates.append(day)
        invoices = (
            self.env["account.move"].with_context(default_move_type="out_invoice").create(values)
        )
        order_of = dict(zip(invoices, to_invoice, strict=True))
        invoices.sorted(lambda inv: (inv.invoice_date, inv.id)).action_post()
        self._create_credit_notes(invoices, due_today)
        self._register_payments(invoices.filtered(lambda inv: order_of[inv] not in due_today))

    def _due_today_orders(self, orders):
        """Per salesperson, an order of five to eight weeks ago whose invoice falls due today."""
        chosen = self.env["sale.order"]
        for user in self.salespeople:
            candidates = orders.filtered(
                lambda o, user=user: (
                    o.user_id == user and 35 <= (self.today - o.date_order.date()).days <= 56
                )
            )
            if candidates:
                chosen |= self.rng.choice(candidates)
        return chosen

    def _create_credit_notes(self, invoices, due_today):
        """Partial credit notes on some invoices, set off against them."""
        rng = self.rng
        candidates = invoices.filtered(
            lambda inv: (
                45 <= (self.today - inv.invoice_date).days <= 330
                and inv.invoice_line_ids.sale_line_ids.order_id not in due_today
            )
        )
        originals = rng.sample(list(candidates), min(10, len(candidates)))
        values = []
        for invoice in originals:
            line = invoice.invoice_line_ids[0]
            day = min(
                invoice.invoice_date + timedelta(days=rng.randint(7, 20)),
                self.today - timedelta(days=1),
            )
            values.append(
                {
                    "move_type": "out_refund",
                    "partner_id": invoice.partner_id.id,
                    "invoice_user_id": invoice.invoice_user_id.id,
                    "team_id": invoice.team_id.id,
                    "currency_id": invoice.currency_id.id,
                    "invoice_date": day,
                    "reversed_entry_id": invoice.id,
                    "invoice_origin": invoice.invoice_origin,
                    "ref": f"{rng.choice(CREDIT_NOTE_REASONS)} ({invoice.name})",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": line.product_id.id,
                                "quantity": 1,
                                "price_unit": round(
                                    invoice.amount_untaxed * rng.uniform(0.1, 0.25), 2
                                ),
                                "tax_ids": [Command.set(line.tax_ids.ids)],
                            }
                        )
                    ],
                }
            )
        refunds = self.env["account.move"].create(values)
        refunds.action_post()
        self.env["account.move.line"]._reconcile_plan(
            [
                _open_receivable((refund | invoice).line_ids)
                for refund, invoice in zip(refunds, originals, strict=True)
            ]
        )

    def _register_payments(self, invoices):
        """Most invoices are paid around their due date; late payers leave recent ones open.

        The payments are created, posted and matched in three batches: the payment
        wizard, called once per payment date, takes several times longer.
        """
        rng = self.rng
        late_payers = {self.partner_of[c.code] for c in self.plan if c.late_payer}
        paid = []
        for invoice in invoices:
            if invoice.payment_state not in ("not_paid", "partial"):
                continue
            age = (self.today - invoice.invoice_date).days
            if invoice.commercial_partner_id in late_payers and age < 150:
                continue
            paid_on = max(
                invoice.invoice_date_due + timedelta(days=rng.randint(-12, 10)),
                invoice.invoice_date,
            )
            if paid_on < self.today:
                paid.append((invoice, paid_on))
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.company.id)], limit=1
        )
        method_line = journal._get_available_payment_method_lines("inbound")[:1]
        receivables = {invoice: _open_receivable(invoice.line_ids) for invoice, _day in paid}
        payments = (
            self.env["account.payment"]
            .with_context(skip_invoice_sync=True)
            .create(
                [
                    {
                        "date": day,
                        "amount": invoice.amount_residual,
                        "payment_type": "inbound",
                        "partner_type": "customer",
                        "memo": invoice.name,
                        "journal_id": journal.id,
                        "company_id": self.company.id,
                        "currency_id": invoice.currency_id.id,
                        "partner_id": invoice.commercial_partner_id.id,
                        "payment_method_line_id": method_line.id,
                        "destination_account_id": receivables[invoice].account_id[:1].id,
                        "invoice_ids": [Command.set(invoice.ids)],
                    }
                    for invoice, day in paid
                ]
            )
        )
        payments.action_post()
        plan = []
        for payment, (invoice, _day) in zip(payments, paid, strict=True):
            counterpart = payment.move_id.line_ids.filtered(
                lambda line, account=receivables[invoice].account_id: line.account_id == account
            )
            plan.append(_open_receivable(counterpart | receivables[invoice]))
        self.env["account.move.line"]._reconcile_plan(plan)

    # -------------------------------------------------------------- activities
    def create_activities(self):
        env, rng = self.env, self.rng
        models_ = {name: env["ir.model"]._get_id(name) for name in ACTIVITY_SUMMARIES}
        types = {
            "call": env.ref("mail.mail_activity_data_call"),
            "email": env.ref("mail.mail_activity_data_email"),
            "todo": env.ref("mail.mail_activity_data_todo"),
        }
        open_values, done_values, done_when = [], [], []
        for user in self.salespeople:
            today = self.user_today(user)
            records = self._records_of(user)
            # open: overdue, today and planned, on customers, opportunities and orders
            plan = (
                ("res.partner", -3, "high"),
                ("res.partner", 0, "normal"),
                ("res.partner", 9, "low"),
                ("crm.lead", -1, "normal"),
                ("crm.lead", 0, "high"),
                ("crm.lead", 5, "normal"),
                ("sale.order", -6, "low"),
                ("sale.order", 2, "high"),
                ("res.partner", 21, "normal"),
            )
            for model, days, importance in plan:
                record = rng.choice(records[model] or records["res.partner"])
                open_values.append(
                    self._activity_values(
                        models_, types, user, record, today + timedelta(days=days), importance
                    )
                )
            # done: the contacts made over the last year, more of them lately
            for _index in range(14):
                model = rng.choice(("res.partner", "res.partner", "crm.lead", "sale.order"))
                record = rng.choice(records[model] or records["res.partner"])
                days_ago = int(rng.triangular(1, 360, 1))
                if model == "sale.order" and records[model]:
                    # not before the order itself
                    days_ago = min(days_ago, (today - record.date_order.date()).days)
                deadline = today - timedelta(days=days_ago)
                done_values.append(
                    self._activity_values(
                        models_,
                        types,
                        user,
                        record,
                        deadline,
                        rng.choice(("high", "normal", "low")),
                    )
                )
                done_when.append(
                    (
                        user,
                        self.user_datetime(
                            user, deadline, rng.randint(9, 17), rng.choice((0, 20, 40))
                        ),
                    )
                )
        self._create_activities(open_values)
        done = self._create_activities(done_values)
        for activity, (user, moment) in zip(done, done_when, strict=True):
            # marked done by its assignee, on the day it was due
            messages, _next = (
                activity.with_user(user)
                .sudo()
                ._action_done(
                    feedback=rng.choice(
                        (
                            "Done.",
                            "Customer satisfied.",
                            "Call back next month.",
                            "Sent the documents.",
                            "",
                        )
                    )
                )
            )
            messages.sudo().write({"date": moment})

    def _create_activities(self, values_list):
        """Create in rounds where a document appears once: a batch that subscribes the same
        follower twice to a document fails on the unique constraint of the followers."""
        activities = self.env["mail.activity"]
        pending = list(enumerate(values_list))
        created = {}
        while pending:
            batch, seen, later = [], set(), []
            for index, values in pending:
                key = (values["res_model_id"], values["res_id"])
                (later if key in seen else batch).append((index, values))
                seen.add(key)
            for (index, _values), activity in zip(
                batch, activities.create([values for _index, values in batch]), strict=True
            ):
                created[index] = activity
            pending = later
        return activities.concat(*(created[index] for index in range(len(values_list))))

    def _activity_values(self, models_, types, user, record, deadline, importance):
        kind = self.rng.choice(tuple(types))
        values = {
            "res_model_id": models_[record._name],
            "res_id": record.id,
            "activity_type_id": types[kind].id,
            "summary": self.rng.choice(ACTIVITY_SUMMARIES[record._name]),
            "date_deadline": deadline,
            "user_id": user.id,
        }
        if self.has_importance:
            values["importance"] = importance
        return values

    def _records_of(self, user):
        """The customers, open opportunities and recent orders of a salesperson."""
        codes = [c.code for c in self.plan if self.salesperson(c) == user]
        partners = self.env["res.partner"].concat(*(self.partner_of[code] for code in codes))
        leads = self.env["crm.lead"].concat(
            *(self.opportunities[code] for code in codes if code in self.opportunities)
        )
        orders = self.env["sale.order"].search(
            [
                ("user_id", "=", user.id),
                ("company_id", "=", self.company.id),
                ("state", "in", ("draft", "sent", "sale")),
                ("date_order", ">=", self.today - relativedelta(months=2)),
            ]
        )
        return {
            "res.partner": list(partners),
            "crm.lead": list(leads.filtered("active")),
            "sale.order": list(orders),
        }

    # ----------------------------------------------------------------- meetings
    def create_meetings(self):
        rng = self.rng
        values = []
        for user in self.salespeople:
            today = self.user_today(user)
            records = self._records_of(user)
            for days in (-40, -25, -12, -5, 0, 3, 10):
                customer = rng.choice(records["res.partner"])
                attendee = rng.choice(list(self.contacts_of[customer.ref] or customer))
                start = self.user_datetime(
                    user, today + timedelta(days=days), rng.choice((9, 10, 11, 14, 15, 16))
                )
                vals = {
                    "name": f"{rng.choice(MEETING_SUBJECTS)} - {customer.name}",
                    "user_id": user.id,
                    "partner_ids": [Command.set([user.partner_id.id, attendee.id])],
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": customer.id,
                }
                lead = self.opportunities.get(customer.ref)
                if lead and lead.active:
                    vals["opportunity_id"] = lead.id
                values.append(vals)
        self.env["calendar.event"].create(values)

    # ----------------------------------------------------------------- analysis
    def run_analyses(self):
        """Classify three months ago, move two customers to another salesperson, classify today.

        As if the classification had started three months ago: the orders since then
        keep the classes their customer had at that time.
        """
        self.env.flush_all()
        runs = self.env["crm.xyz.run"].with_company(self.company)
        start = self.today - relativedelta(months=3)
        runs.run_analysis(as_of=start)
        self._stamp_classes_on_orders(self.orders.filtered(lambda o: o.date_order.date() > start))
        moved = [c for c in self.plan if c.pattern in ("steady", "erratic")][:2]
        for customer in moved:
            partner = self.partner_of[customer.code]
            partner.user_id = self.salespeople[(customer.salesperson + 1) % len(self.salespeople)]
        runs.run_analysis(as_of=self.today)

    def _stamp_classes_on_orders(self, orders):
        if "confirmed_relationship_stage" not in orders._fields:
            return
        by_classes = defaultdict(lambda: self.env["sale.order"])
        for order in orders:
            customer = order.partner_id.commercial_partner_id.with_company(self.company)
            by_classes[customer.relationship_stage, customer.abc_class, customer.xyz_class] |= order
        for (stage, abc, xyz), stamped in by_classes.items():
            stamped.write(
                {
                    "confirmed_relationship_stage": stage,
                    "confirmed_abc_class": abc,
                    "confirmed_xyz_class": xyz,
                }
            )
