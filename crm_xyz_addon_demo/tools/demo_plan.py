"""The plan of the demo data: customers, their buying patterns and their documents.

Pure Python and deterministic: the same seed and the same day give the same plan.
``models/crm_xyz_demo.py`` turns the plan into records.

Every pattern places its orders by "months ago" m, on the date
``today - m months - d days`` with 5 <= d <= 22: such a date lies in the m+1-th
monthly sub-period before today and in the (m-2)-th before today - 3 months,
whatever the length of the months, so that the two analyses the demo runs
(three months ago and today) see the intended stages, classes and trends.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from dateutil.relativedelta import relativedelta

HISTORY_MONTHS = 18
SALESPERSON_COUNT = 5

# pattern -> number of customers; see ``_order_months`` for what each one means
PATTERN_COUNTS = {
    "steady": 6,  # every month, nearly the same amount: regular X
    "stable": 6,  # every month, +-25 %: regular Y
    "seasonal": 7,  # peaks in some months of the year: regular Y or Z
    "erratic": 8,  # random months and amounts: regular Z
    "one_off": 6,  # one or two orders this year: one-off
    "lapsed": 4,  # regular until a year ago, then nothing: regular -> lost
    "lapsed_old": 3,  # nothing for 15 months: lost -> lost
    "fading": 3,  # one or two orders 12-14 months ago: one-off -> lost
    "declining": 2,  # monthly until 10 months ago: regular -> one-off
    "drifting": 5,  # monthly until three months ago, then nothing: regular, at risk today
    "growing": 3,  # an order or two, then monthly lately: one-off -> regular
    "new": 4,  # won opportunity, first orders in the last three months: potential -> up
    "returning": 2,  # lost, then an order last month: lost -> one-off
    "prospect": 11,  # quotations and opportunities only: potential
}
# how many of the customers of each pattern are European and buy in EUR
EUR_CUSTOMERS = {
    "steady": 2,
    "stable": 1,
    "seasonal": 1,
    "erratic": 2,
    "one_off": 1,
    "lapsed": 1,
    "prospect": 1,
}
# multipliers of the "stable" pattern: their coefficient of variation is 15 %
STABLE_CYCLE = (1.0, 1.25, 0.8, 1.1, 0.85, 1.2, 0.9, 1.15, 0.75, 1.05, 1.0, 0.95)
SIZES = {"large": (9000, 16000), "medium": (2500, 6000), "small": (500, 1500)}

COMPANY_WORDS = (
    "Harborview",
    "Ironbridge",
    "Jadestone",
    "Kingsford",
    "Lakeshore",
    "Acorn",
    "Aldergrove",
    "Amberly",
    "Bayview",
    "Birchwood",
    "Bluewater",
    "Brightwell",
    "Canyon",
    "Cedar",
    "Clearwater",
    "Cobalt",
    "Copperfield",
    "Crestline",
    "Delta",
    "Driftwood",
    "Eastwind",
    "Elmstead",
    "Evergreen",
    "Fairhaven",
    "Falcon",
    "Foxglove",
    "Glacier",
    "Granite",
    "Greystone",
    "Harbor",
    "Hawthorne",
    "Highland",
    "Ironwood",
    "Juniper",
    "Keystone",
    "Kingsley",
    "Lakeside",
    "Larkspur",
    "Lighthouse",
    "Maple",
    "Meadowbrook",
    "Midland",
    "Northgate",
    "Oakridge",
    "Orchard",
    "Pacific",
    "Pinecrest",
    "Prairie",
    "Quarry",
    "Redwood",
    "Ridgeway",
    "Riverbend",
    "Rosewood",
    "Sagebrush",
    "Sandstone",
    "Silverline",
    "Skyline",
    "Stonebridge",
    "Summit",
    "Sunridge",
    "Tidewater",
    "Timberline",
    "Trident",
    "Upland",
    "Valley",
    "Vantage",
    "Westbrook",
    "Whitfield",
    "Willow",
    "Windmill",
    "Woodland",
    "Yardley",
    "Zenith",
)
COMPANY_TRADES = (
    ("Architects", "architecture firm"),
    ("Consulting", "consultancy"),
    ("Dental Clinic", "dental clinic"),
    ("Engineering", "engineering office"),
    ("Hotels", "hotel group"),
    ("Law Partners", "law firm"),
    ("Logistics", "logistics company"),
    ("Media", "media agency"),
    ("Medical Center", "medical center"),
    ("Properties", "real estate"),
    ("Software", "software house"),
    ("Studios", "design studio"),
    ("Academy", "training center"),
    ("Insurance", "insurance broker"),
    ("Labs", "research lab"),
    ("Coworking", "coworking space"),
)
EU_SUFFIXES = {"DE": "GmbH", "FR": "SARL", "NL": "B.V.", "BE": "SRL", "IT": "S.r.l.", "ES": "S.L."}
US_CITIES = (
    ("San Francisco", "CA", "941"),
    ("Los Angeles", "CA", "900"),
    ("Seattle", "WA", "981"),
    ("Portland", "OR", "972"),
    ("Denver", "CO", "802"),
    ("Austin", "TX", "787"),
    ("Chicago", "IL", "606"),
    ("Boston", "MA", "021"),
    ("New York", "NY", "100"),
    ("Atlanta", "GA", "303"),
    ("Phoenix", "AZ", "850"),
    ("Minneapolis", "MN", "554"),
)
EU_CITIES = (
    ("Berlin", "DE", "10115"),
    ("Munich", "DE", "80331"),
    ("Paris", "FR", "75002"),
    ("Lyon", "FR", "69002"),
    ("Amsterdam", "NL", "1012"),
    ("Brussels", "BE", "1000"),
    ("Milan", "IT", "20121"),
    ("Madrid", "ES", "28001"),
)
STREETS = (
    "Main Street",
    "Oak Avenue",
    "Market Street",
    "Harbor Road",
    "Elm Street",
    "Park Avenue",
    "Mill Lane",
    "Station Road",
    "River Drive",
    "Hill Street",
    "Church Street",
    "Lake View",
)
FIRST_NAMES = (
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Ethan",
    "Sophia",
    "Mason",
    "Isabella",
    "Lucas",
    "Mia",
    "Oliver",
    "Amelia",
    "James",
    "Harper",
    "Henry",
    "Evelyn",
    "Daniel",
    "Abigail",
    "Jack",
    "Chloe",
    "Samuel",
    "Grace",
    "David",
    "Lily",
    "Owen",
    "Zoe",
    "Julian",
    "Nora",
    "Leo",
    "Hannah",
    "Adrian",
    "Claire",
    "Marcus",
    "Ines",
    "Tobias",
    "Camille",
    "Luca",
    "Sofia",
    "Felix",
)
LAST_NAMES = (
    "Anderson",
    "Bennett",
    "Carter",
    "Dawson",
    "Ellis",
    "Foster",
    "Griffin",
    "Hayes",
    "Irving",
    "Jensen",
    "Keller",
    "Lambert",
    "Morgan",
    "Nolan",
    "Owens",
    "Parker",
    "Quinn",
    "Reyes",
    "Sawyer",
    "Turner",
    "Underwood",
    "Vaughn",
    "Walsh",
    "Young",
    "Becker",
    "Dubois",
    "Visser",
    "Rossi",
    "Moreau",
    "Schmidt",
    "Peeters",
    "Navarro",
)
JOB_TITLES = (
    "Office Manager",
    "Purchasing Manager",
    "Facilities Manager",
    "Operations Director",
    "Chief Financial Officer",
    "Assistant",
    "IT Manager",
    "Managing Director",
)
# what prospects have, in turn: (opportunity, quotation)
PROSPECT_DOCUMENTS = (
    ("open", ""),
    ("open", "sent"),
    ("", "draft"),
    ("lost_and_open", ""),
    ("open", "expired"),
    ("", "sent"),
)
PAYMENT_TERMS = ("30days", "30days", "30days", "30days", "15days", "15days", "45days", "immediate")


@dataclass
class ContactPlan:
    name: str
    function: str
    email: str
    phone: str
    mobile: str


@dataclass
class OrderPlan:
    date: object  # datetime.date
    amount: float  # untaxed, company currency
    state: str = "sale"  # sale, cancel (cancelled draft), cancel_confirmed
    contact_index: int = -1  # the child contact that ordered, -1: the company itself
    # days from the salesperson's today to the promised delivery of a recent order
    commitment_days: int | None = None


@dataclass
class CustomerPlan:
    code: str
    name: str
    trade: str
    pattern: str
    salesperson: int  # index in the list of demo salespeople
    size: str
    eur: bool
    country_code: str
    state_code: str
    city: str
    zip: str
    street: str
    email: str
    phone: str
    website: str
    payment_term: str
    late_payer: bool = False
    contacts: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    opportunity: str = ""  # "", open, won, lost
    quotation: str = ""  # "", draft, sent, expired


def order_date(today, months_ago, rng):
    """A date in the (months_ago + 1)-th month before today, away from its bounds."""
    return today - relativedelta(months=months_ago) - timedelta(days=rng.randint(5, 22))


def _steady(rng, _today):
    start = rng.randint(14, HISTORY_MONTHS - 1)
    return [(m, rng.uniform(0.95, 1.05)) for m in range(start + 1)]


def _stable(rng, _today):
    start = rng.randint(14, HISTORY_MONTHS - 1)
    shift = rng.randrange(len(STABLE_CYCLE))
    return [
        (m, STABLE_CYCLE[(m + shift) % len(STABLE_CYCLE)] * rng.uniform(0.99, 1.01))
        for m in range(start + 1)
    ]


def _seasonal(rng, today):
    """Orders in the peak months only (Z), or every month with peaks (Y or Z)."""
    peaks = rng.choice(((3, 4, 5, 9, 10), (10, 11, 12), (5, 6, 7, 8), (1, 2, 11, 12)))
    every_month = rng.random() < 0.4
    months = []
    for m in range(HISTORY_MONTHS):
        if (today - relativedelta(months=m)).month in peaks:
            months.append((m, rng.uniform(1.2, 1.4) if every_month else rng.uniform(0.8, 1.2)))
        elif every_month:
            months.append((m, rng.uniform(0.85, 0.95)))
    return months


def _erratic(rng, _today):
    """Random months and amounts, but enough orders to be regular in both analyses."""
    while True:
        months = [
            (m, rng.choice((0.3, 0.5, 0.8, 1.2, 1.7, 2.5)) * rng.uniform(0.9, 1.1))
            for m in range(HISTORY_MONTHS)
            if rng.random() < 0.45
        ]
        recent = sum(1 for m, _factor in months if m <= 11)
        earlier = sum(1 for m, _factor in months if 3 <= m <= 14)
        if recent >= 4 and earlier >= 4:
            return months


def _fixed_months(choices, low=0.8, high=1.2):
    """A pattern of one of the given tuples of months, with amounts within [low, high]."""

    def pattern(rng, _today):
        return [(m, rng.uniform(low, high)) for m in rng.choice(choices)]

    return pattern


# pattern -> function(rng, today) giving the (months ago, amount multiplier) of its orders;
# the months decide the stages of the two analyses (today and three months ago)
ORDER_MONTHS = {
    "steady": _steady,
    "stable": _stable,
    "seasonal": _seasonal,
    "erratic": _erratic,
    # one or two orders 3 to 11 months ago: one-off in both analyses
    "one_off": _fixed_months(((4,), (9,), (3, 7), (5, 11), (6,), (8, 10)), 0.6, 1.4),
    # three orders in months 12-14 and one before: regular, then lost
    "lapsed": _fixed_months(((12, 13, 14, 15), (12, 13, 14, 16), (12, 13, 14, 17))),
    # nothing since 15 months: lost in both
    "lapsed_old": _fixed_months(((15,), (15, 16), (15, 16, 17)), 0.7, 1.3),
    # one or two orders 12-14 months ago: one-off, then lost
    "fading": _fixed_months(((13,), (12, 14)), 0.7, 1.3),
    # monthly from 17 to 10 months ago: regular, then one-off (two orders left in the window)
    "declining": _fixed_months((tuple(range(10, HISTORY_MONTHS)),)),
    # monthly from 14 to 3 months ago: regular in both analyses, but silent for three
    # times its usual month today: at risk, with a follow-up for its salesperson
    "drifting": _fixed_months((tuple(range(3, 15)),), 0.9, 1.1),
    # two early orders, then monthly lately: one-off, then regular
    "growing": _fixed_months(((9, 7, 2, 1, 0),)),
    # first orders in the last three months: potential (won opportunity), then up
    "new": _fixed_months(((1,), (2, 1, 0))),
    # lost, then an order last month: lost, then one-off
    "returning": _fixed_months(((17, 16, 1),)),
    "prospect": lambda _rng, _today: [],
}


def build_plan(seed, today):
    """The customers of the demo with their orders, as a list of CustomerPlan."""
    rng = random.Random(seed)
    words = rng.sample(COMPANY_WORDS, sum(PATTERN_COUNTS.values()))
    people = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(people)
    customers = []
    for pattern, count in PATTERN_COUNTS.items():
        for position in range(count):
            index = len(customers)
            eur = position < EUR_CUSTOMERS.get(pattern, 0)
            customer = _customer(rng, today, index, words[index], pattern, eur, people)
            if pattern == "prospect":
                customer.opportunity, customer.quotation = PROSPECT_DOCUMENTS[
                    position % len(PROSPECT_DOCUMENTS)
                ]
            customers.append(customer)
    _mark_late_payers(rng, customers)
    _add_cancelled_orders(rng, today, customers)
    _add_pending_orders(rng, today, customers)
    return customers


def _customer(rng, today, index, word, pattern, eur, people):
    trade, trade_label = rng.choice(COMPANY_TRADES)
    if eur:
        city, country, zip_code = rng.choice(EU_CITIES)
        name, state = f"{word} {trade} {EU_SUFFIXES[country]}", ""
        phone_prefix = {
            "DE": "+49 30",
            "FR": "+33 1",
            "NL": "+31 20",
            "BE": "+32 2",
            "IT": "+39 02",
            "ES": "+34 91",
        }[country]
    else:
        city, state, zip_prefix = rng.choice(US_CITIES)
        country, zip_code = "US", f"{zip_prefix}{rng.randint(10, 99)}"
        name = f"{word} {trade}{rng.choice(('', '', ' Inc.', ' LLC', ' Group'))}"
        phone_prefix = "+1 555"
    domain = f"{word.lower()}-{trade.split()[0].lower()}.example.com"
    size = rng.choice(("large", "medium", "medium", "small", "small"))
    customer = CustomerPlan(
        code=f"C{1001 + index}",
        name=name,
        trade=trade_label,
        pattern=pattern,
        # consecutive customers of a pattern go to different salespeople: each gets a mix
        salesperson=index % SALESPERSON_COUNT,
        size=size,
        eur=eur,
        country_code=country,
        state_code=state,
        city=city,
        zip=zip_code,
        street=f"{rng.randint(1, 480)} {rng.choice(STREETS)}",
        email=f"info@{domain}",
        phone=f"{phone_prefix} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        website=f"https://www.{domain}",
        payment_term=rng.choice(PAYMENT_TERMS),
    )
    # some customers have incomplete contact data, for the completeness indicator
    # some customers have incomplete contact data, their contact persons too: the
    # completeness indicator counts the data of the customer and of its contacts
    gap = rng.random()
    no_email, no_phone = gap < 0.08 or 0.24 <= gap < 0.28, 0.08 <= gap < 0.16 or 0.24 <= gap < 0.28
    if no_email:
        customer.email = ""
    if no_phone:
        customer.phone = ""
    if 0.16 <= gap < 0.24:
        customer.street = ""

    def number():
        return f"{phone_prefix} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"

    for _contact in range(rng.randint(1, 3)):
        first, last = people.pop()
        email = f"{first.lower()}.{last.lower()}@{domain}"
        customer.contacts.append(
            ContactPlan(
                name=f"{first} {last}",
                function=rng.choice(JOB_TITLES),
                email="" if no_email or rng.random() < 0.1 else email,
                phone="" if no_phone or rng.random() < 0.3 else number(),
                mobile="" if no_phone or rng.random() < 0.5 else number(),
            )
        )
    base = rng.uniform(*SIZES[size])
    for months_ago, factor in ORDER_MONTHS[pattern](rng, today):
        customer.orders.append(
            OrderPlan(
                date=order_date(today, months_ago, rng),
                amount=round(base * factor, 2),
                # a third of the orders come from a contact person of the customer
                contact_index=rng.randrange(len(customer.contacts)) if rng.random() < 0.33 else -1,
            )
        )
    if pattern == "new":
        customer.opportunity = "won"
    elif pattern in ("steady", "stable", "growing") and rng.random() < 0.35:
        customer.opportunity = "open"  # an upsell in progress
    if pattern in ("steady", "stable", "seasonal", "one_off", "growing") and rng.random() < 0.25:
        customer.quotation = rng.choice(("draft", "sent"))
    return customer


def _mark_late_payers(rng, customers):
    """One monthly buyer per salesperson leaves its recent invoices unpaid (overdue)."""
    for salesperson in range(SALESPERSON_COUNT):
        candidates = [
            c for c in customers if c.salesperson == salesperson and c.pattern == "stable"
        ] or [c for c in customers if c.salesperson == salesperson and c.pattern == "erratic"]
        rng.choice(candidates).late_payer = True


def _add_cancelled_orders(rng, today, customers):
    """Cancelled orders never count as sales: a few drafts and confirmed orders."""
    regulars = [c for c in customers if c.pattern in ("steady", "stable", "erratic", "seasonal")]
    for customer in rng.sample(regulars, 12):
        customer.orders.append(
            OrderPlan(
                date=order_date(today, rng.randrange(HISTORY_MONTHS), rng),
                amount=round(rng.uniform(*SIZES[customer.size]), 2),
                state=rng.choice(("cancel", "cancel", "cancel_confirmed")),
            )
        )


def _add_pending_orders(rng, today, customers):
    """Per salesperson, recent orders promised for before today, today and later."""
    for salesperson in range(SALESPERSON_COUNT):
        candidates = [
            c
            for c in customers
            if c.salesperson == salesperson and c.pattern in ("erratic", "seasonal", "growing")
        ]
        for commitment_days in (-2, 0, 6):
            customer = rng.choice(candidates)
            customer.orders.append(
                OrderPlan(
                    date=today - timedelta(days=rng.randint(1, 3)),
                    amount=round(rng.uniform(*SIZES[customer.size]) * 0.5, 2),
                    commitment_days=commitment_days,
                )
            )


def eur_rates(seed, today):
    """Monthly EUR rates (EUR for 1 USD) from 20 months ago to today, first of each month."""
    rng = random.Random(seed + 1)
    first = (today - relativedelta(months=HISTORY_MONTHS + 2)).replace(day=1)
    rates, day, step = [], first, 0
    while day <= today:
        # a slow wave around 0.92 with a little noise
        wave = (0.02, 0.035, 0.04, 0.03, 0.01, -0.01, -0.03, -0.04, -0.035, -0.02, 0.0)[step % 11]
        rates.append((day, round(0.92 + wave + rng.uniform(-0.005, 0.005), 4)))
        day += relativedelta(months=1)
        step += 1
    return rates


def rate_at(rates, day):
    """The rate in force on a day: the last one dated on or before it."""
    current = rates[0][1]
    for rate_day, rate in rates:
        if rate_day > day:
            break
        current = rate
    return current
