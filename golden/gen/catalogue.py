"""The fictitious businesses and the documents of the golden set (all names, numbers and addresses invented).

The tenant is Hollybush Bakery Ltd (VAT 980 7806 84). Suppliers' VAT numbers
come from a seeded RNG and pass stdnum's check digits, except Tinker & Tap's,
which is invalid on purpose. Phone numbers are from Ofcom's drama range.
"""

from __future__ import annotations

import random
from datetime import date

from apps.ledger.rules_engine import INVALID_VAT_NUMBER_REASON, OWN_VAT_NUMBER_REASON

from .model import EXEMPT, NO_VAT, D, DocSpec, Item, Party, invalid_vat_number, valid_vat_number

_rng = random.Random(20260305)  # noqa: S311 - fixed seed for reproducible fictitious data, not security


def _vat() -> str:
    return valid_vat_number(_rng)


TENANT = Party(
    "Hollybush Bakery Ltd",
    ("3 Hollybush Lane", "Little Wickham", "Borsetshire WX4 7HB"),
    vat_number="980780684",
    account="200",
    phone="01632 960 118",
    email="orders@hollybush-bakery.example",
    company_number="09876543",
)
OWN_NAMES = [TENANT.name]
OWN_VAT_NUMBERS = [TENANT.vat_number]

QUILLFEATHER = Party(
    "Quillfeather Stationers Ltd",
    ("Unit 4, Canal Wharf", "Felpersham", "FE2 9QS"),
    _vat(),
    account="461",
    phone="01632 960 412",
    email="accounts@quillfeather.example",
    company_number="07123456",
)
COBALT = Party(
    "Cobalt Cloud Software Ltd",
    ("88 Tenter Street", "Manchester", "M4 6ZZ"),
    _vat(),
    account="463",
    email="billing@cobaltcloud.example",
)
BRIGHTWATER = Party(
    "Brightwater Energy Ltd",
    ("Brightwater House, Dock Road", "Bristol", "BS1 9XX"),
    _vat(),
    account="445",
    phone="01632 960 800",
    email="business@brightwater.example",
    company_number="06543210",
)
MARLOW = Party(
    "Marlow & Finch LLP",
    ("Chartered Accountants", "12 Sheep Street, Felpersham FE1 3AB"),
    _vat(),
    account="412",
    phone="01632 960 233",
    email="office@marlowfinch.example",
    company_number="OC412345",
)
HARBOURSIDE = Party(
    "Harbourside Insurance Brokers Ltd",
    ("2 Quayside Chambers", "Portsea", "PO9 1QT"),
    None,
    account="433",
    phone="01632 960 561",
    email="renewals@harbourside.example",
    company_number="05432109",
)
MILLSTONE = Party(
    "Millstone Flour Co Ltd",
    ("The Old Mill, Ford Lane", "Hassett", "HA7 2MF"),
    _vat(),
    account="310",
    phone="01632 960 377",
    email="sales@millstoneflour.example",
    company_number="04567123",
)
KESTREL = Party(
    "Kestrel Mobile Ltd",
    ("PO Box 4410", "Reading", "RG1 8KM"),
    _vat(),
    account="489",
    phone="0808 157 0900",
    email="business@kestrelmobile.example",
)
SPARKLE = Party(
    "Sparkle & Shine Cleaning Services Ltd",
    ("41 Market Row", "Felpersham", "FE3 5SS"),
    _vat(),
    account="408",
    phone="01632 960 944",
    email="hello@sparkleshine.example",
)
ASHDOWN = Party(
    "Ashdown Property Repairs Ltd",
    ("Ashdown Yard, Mill Road", "Little Wickham", "WX4 2AP"),
    _vat(),
    account="473",
    phone="01632 960 615",
    email="jobs@ashdownrepairs.example",
    company_number="08765432",
)
PARCEL_POINT = Party(
    "Parcel Point Ltd",
    ("High Street Post Office", "Little Wickham WX4 1PP"),
    _vat(),
    account="425",
)
NORTHGATE = Party("Northgate Rail Ltd", ("Felpersham Station", "Ticket Office"), _vat(), account="493")
RIVERBEND = Party(
    "Riverbend District Council",
    ("Revenues and Benefits", "Council Offices, Bridge Street, Felpersham FE1 1RB"),
    None,
    account="469",
    phone="01632 960 300",
)
GREENACRE = Party(
    "Greenacre Dairy Ltd",
    ("Greenacre Farm", "Upper Loxley", "LX3 8GD"),
    _vat(),
    account="310",
    phone="01632 960 702",
    email="orders@greenacredairy.example",
    company_number="03321456",
)
SUNRISE = Party(
    "Sunrise Packaging Ltd",
    ("Unit 12, Brook Trading Estate", "Borchester", "BC5 4SP"),
    _vat() + "002",
    account="310",
    phone="01632 960 129",
    email="sales@sunrisepack.example",
)
FERNHILL = Party("Fernhill Fuels Ltd", ("Fernhill Service Station", "A417, Little Wickham"), _vat(), account="449")
TINKER = Party(
    "Tinker & Tap Tools Ltd",
    ("7 Forge Close", "Borchester", "BC2 7TT"),
    invalid_vat_number(_rng),
    vat_valid=False,
    account="473",
    email="sales@tinkertap.example",
)
OAKFIELD = Party(
    "Oakfield Print & Design Ltd",
    ("19 Printers Yard", "Felpersham", "FE4 2OP"),
    _vat(),
    account="400",
    phone="01632 960 488",
    email="studio@oakfieldprint.example",
)
MEADOW_LANE = Party("Meadow Lane Farm Shop", ("Meadow Lane, Upper Loxley",), None, account="310")
COPPER_KETTLE = Party("The Copper Kettle Cafe", ("22 Church Street", "Felpersham FE1 2CK"), _vat(), account="495")

OLD_FORGE = Party("The Old Forge Cafe Ltd", ("The Green", "Penny Hassett", "PH2 4OF"))
RIVERSIDE = Party("Riverside Deli Ltd", ("5 Towpath Walk", "Felpersham", "FE2 1RD"))
VILLAGE_STORES = Party("Wickham Village Stores Ltd", ("1 The Square", "Little Wickham", "WX4 1VS"))

# Cases added for issue #11, from their own seeded RNG so that the VAT numbers above do not change.
_rng_11 = random.Random(202611)  # noqa: S311 - fixed seed for reproducible fictitious data, not security

# One distinctive word from the tenant's name ("Eatery" for "Bakery"): 90% alike as strings, another business.
HOLLYBUSH_EATERY = Party(
    "Hollybush Eatery Ltd",
    ("4 Church Lane", "Little Wickham", "WX4 3HE"),
    valid_vat_number(_rng_11),
    account="495",
    phone="01632 960 271",
    email="events@hollybush-eatery.example",
    company_number="10234567",
)
# A till set up with its customer's VAT number (the tenant's) in place of its own.
WICKHAM_HARDWARE = Party(
    "Wickham Hardware Ltd", ("12 High Street", "Little Wickham WX4 1HW"), TENANT.vat_number, account="473"
)
BORCHESTER_CASH_CARRY = Party(
    "Borchester Cash & Carry Ltd",
    ("Unit 9, Brook Trading Estate", "Borchester", "BC5 4CC"),
    invalid_vat_number(_rng_11),
    vat_valid=False,
    account="408",
)
INVALID_VAT_NOTE = (
    "The VAT number printed fails its check digits: no VAT is reclaimed until a person has a valid VAT invoice."
)
OWN_VAT_NOTE = "The receipt prints the business's own VAT number, not the supplier's: no VAT is reclaimed on it."

d = D
S, R, Z = D("20"), D("5"), D("0")


def _flour_items() -> list[Item]:
    """Forty lines for the three-page Millstone invoice: ingredients at 0%, sundries at 20%."""
    base = [
        ("Strong white bread flour 16kg", "14.20", Z),
        ("Wholemeal bread flour 16kg", "15.10", Z),
        ("Rye flour, dark, 16kg", "18.40", Z),
        ("Spelt flour 16kg", "21.90", Z),
        ("Plain flour 16kg", "12.60", Z),
        ("Self-raising flour 16kg", "12.95", Z),
        ("Malted grain flour 16kg", "16.75", Z),
        ("Pasta flour 00 grade, 15kg", "17.30", Z),
        ("Fresh yeast 1kg", "3.85", Z),
        ("Dried yeast 500g", "4.60", Z),
        ("Caster sugar 25kg", "24.80", Z),
        ("Demerara sugar 3kg", "5.15", Z),
        ("Icing sugar 12.5kg", "13.40", Z),
        ("Fine sea salt 12.5kg", "6.90", Z),
        ("Sunflower seeds 5kg", "12.25", Z),
        ("Pumpkin seeds 5kg", "23.60", Z),
        ("Poppy seeds 1kg", "6.35", Z),
        ("Sesame seeds 5kg", "14.80", Z),
        ("Rolled oats 12.5kg", "11.45", Z),
        ("Mixed dried fruit 5kg", "19.95", Z),
        ("Sultanas 5kg", "17.20", Z),
        ("Glace cherries 2kg", "11.60", Z),
        ("Cocoa powder 1kg", "9.40", Z),
        ("Dark chocolate drops 5kg", "38.50", Z),
        ("Ground almonds 1kg", "10.80", Z),
        ("Vanilla extract 500ml", "18.90", Z),
        ("Baking powder 2.5kg", "7.65", Z),
        ("Bicarbonate of soda 1kg", "2.95", Z),
        ("Ground cinnamon 500g", "5.70", Z),
        ("Mixed spice 500g", "5.25", Z),
        ("Golden syrup 7kg", "12.10", Z),
        ("Black treacle 7kg", "13.35", Z),
        ("Rapeseed oil 20L", "29.90", Z),
        ("Baking parchment rolls, 50m", "6.20", S),
        ("Piping bags, disposable, 100", "8.75", S),
        ("Greaseproof sheets, 500", "11.30", S),
        ("Cake boards, 10in, pack of 25", "9.60", S),
        ("Oven gloves, long, pair", "12.40", S),
        ("Dough scrapers, pack of 6", "7.20", S),
        ("Proving basket liners, 10", "14.90", S),
    ]
    qtys = [4, 2, 1, 1, 3, 2, 1, 1, 6, 2, 1, 3, 1, 2, 1, 1, 2, 1, 2, 1, 1, 2, 3, 1, 2, 1, 1, 2, 1, 1, 1, 1, 2, 5,
            4, 2, 3, 1, 2, 1]  # fmt: skip
    return [Item(desc, D(price), D(q), rate) for (desc, price, rate), q in zip(base, qtys, strict=True)]


def _cleaning_visits() -> list[Item]:
    rooms = ["front of shop", "bakehouse", "kitchen", "store room", "office and toilets", "yard and bins", "windows"]
    items = []
    for week in range(1, 3):
        for room in rooms:
            items.append(Item(f"Week {week} clean, {room}", D("38.00") if room != "windows" else D("24.00"), D(1), S))
    return items


def documents() -> list[DocSpec]:
    T = TENANT
    docs = [
        DocSpec(
            1,
            "quillfeather-invoice",
            "table",
            "pdf",
            QUILLFEATHER,
            T,
            "purchase_invoice",
            "QS-10388",
            date(2026, 1, 12),
            [
                Item("Copier paper A4 80gsm, box of 5", d("24.50"), d(3)),
                Item("Ballpoint pens, black, pack of 50", d("8.95"), d(2)),
                Item("Lever arch files, pack of 10", d("15.60"), d(1)),
                Item("Till rolls 57 x 40mm, box of 20", d("12.40"), d(2)),
            ],
            extra={"account_no": "HOL001"},
        ),
        DocSpec(
            2,
            "cobalt-cloud-subscription",
            "minimal",
            "pdf",
            COBALT,
            T,
            "purchase_invoice",
            "CC-48213",
            date(2026, 1, 5),
            [
                Item("Bookkeeping Pro plan, January 2026", d("24.00")),
                Item("Extra user seat", d("6.00")),
            ],
            date_style="iso",
            money_style="suffix",
        ),
        DocSpec(
            3,
            "brightwater-electricity",
            "table",
            "pdf",
            BRIGHTWATER,
            T,
            "purchase_invoice",
            "BW-2026-004417",
            date(2026, 2, 3),
            [
                Item("Standing charge, 31 days", d("0.52"), d(31), R),
                Item("Electricity, day rate (kWh)", d("0.25"), d(860), R),
                Item("Electricity, night rate (kWh)", d("0.14"), d(260), R),
            ],
            date_style="long",
            title="ELECTRICITY BILL",
            extra={"period": (date(2026, 1, 1), date(2026, 1, 31)), "account_no": "BW-88120"},
        ),
        DocSpec(
            4,
            "marlow-finch-accountancy",
            "letter",
            "pdf",
            MARLOW,
            T,
            "purchase_invoice",
            "MF-2026-031",
            date(2026, 3, 20),
            [
                Item("Year-end accounts for the year to 31 December 2025", d("1200.00")),
                Item("Corporation tax return (CT600)", d("350.00")),
                Item("Payroll bureau, January to March 2026", d("180.00")),
            ],
            date_style="long",
            extra={"salutation": "Dear Mrs Hale,"},
        ),
        DocSpec(
            5,
            "harbourside-insurance",
            "letter",
            "pdf",
            HARBOURSIDE,
            T,
            "purchase_invoice",
            "HIB/2026/0193",
            date(2026, 2, 2),
            [
                Item("Commercial combined policy, annual premium", d("312.00"), rate=EXEMPT),
                Item("Goods in transit cover", d("168.00"), rate=EXEMPT),
            ],
            date_style="long",
            extra={"salutation": "Dear Policyholder,"},
        ),
        DocSpec(
            6,
            "millstone-flour-3-pages",
            "table",
            "pdf",
            MILLSTONE,
            T,
            "purchase_invoice",
            "MFC-77120",
            date(2026, 2, 16),
            _flour_items(),
            date_style="dash_mon",
            rows_per_page=17,
        ),
        DocSpec(
            7,
            "hollybush-sales-old-forge",
            "table",
            "pdf",
            T,
            OLD_FORGE,
            "sales_invoice",
            "HB-2026-0142",
            date(2026, 2, 27),
            [
                Item("Sourdough loaves, 800g", d("3.10"), d(24), Z),
                Item("Cinnamon buns", d("1.45"), d(36), Z),
                Item("Hot sausage rolls", d("1.80"), d(20), S),
                Item("Delivery", d("5.00"), d(1), S),
            ],
        ),
        DocSpec(
            8,
            "quillfeather-credit-note",
            "table",
            "pdf",
            QUILLFEATHER,
            T,
            "credit_note",
            "CN-2041",
            date(2026, 1, 19),
            [
                Item("Copier paper A4 80gsm, box of 5 (returned, damaged)", d("24.50"), d(1)),
            ],
            title="CREDIT NOTE",
            extra={"against": "QS-10388"},
        ),
        DocSpec(
            9,
            "kestrel-mobile-bill",
            "table",
            "pdf",
            KESTREL,
            T,
            "purchase_invoice",
            "KM-5561092",
            date(2026, 3, 1),
            [
                Item("Business SIM plan, per line", d("18.00"), d(2)),
                Item("Broadband Fibre 500", d("32.00"), d(1)),
                Item("Roaming charges", d("4.35"), d(1)),
            ],
            date_style="long",
            title="BILL",
            extra={"account_no": "7730-2291"},
        ),
        DocSpec(
            10,
            "sparkle-shine-cleaning",
            "minimal",
            "pdf",
            SPARKLE,
            T,
            "purchase_invoice",
            "SS-0932",
            date(2026, 3, 5),
            [
                Item("Kitchen deep clean, February (4 visits)", d("260.00")),
                Item("Extractor hood degrease", d("85.00")),
            ],
        ),
        DocSpec(
            11,
            "ashdown-repairs",
            "letter",
            "pdf",
            ASHDOWN,
            T,
            "purchase_invoice",
            "APR-1187",
            date(2026, 3, 9),
            [
                Item("Replace oven door seal, deck oven 2", d("145.00")),
                Item("Call-out and labour, 3 hours", d("165.00")),
                Item("Parts: oven thermostat", d("62.40")),
            ],
            date_style="long",
            extra={"salutation": "Dear Mr Hale,"},
        ),
        DocSpec(
            12,
            "parcel-point-receipt",
            "receipt",
            "pdf",
            PARCEL_POINT,
            None,
            "receipt",
            "R-2026-004512",
            date(2026, 2, 11),
            [
                Item("1st Class stamps", d("1.70"), d(12), EXEMPT),
                Item("Parcel Tracked 48", d("4.29"), None, EXEMPT),
                Item("Bubble wrap roll", d("3.60"), None, S),
            ],
            inclusive=True,
            title="SALES RECEIPT",
        ),
        DocSpec(
            13,
            "northgate-rail-ticket",
            "receipt",
            "pdf",
            NORTHGATE,
            None,
            "receipt",
            "NR-8841207",
            date(2026, 1, 23),
            [
                Item("Anytime Return to London", d("48.60"), None, Z),
                Item("Travelcard zones 1-6", d("15.90"), None, Z),
            ],
            inclusive=True,
            date_style="dash_mon",
            title="TICKET RECEIPT",
        ),
        DocSpec(
            14,
            "riverbend-business-rates",
            "minimal",
            "pdf",
            RIVERBEND,
            T,
            "purchase_invoice",
            "BR-2026-00871",
            date(2026, 2, 1),
            [
                Item("Non-domestic rates, instalment 3 of 10", d("212.00"), rate=EXEMPT),
            ],
            date_style="iso",
            title="Business Rates Bill",
            extra={"outside_scope": True},
        ),
        DocSpec(
            15,
            "greenacre-dairy",
            "table",
            "pdf",
            GREENACRE,
            T,
            "purchase_invoice",
            "GD-20931",
            date(2026, 2, 2),
            [
                Item("Unsalted butter 5kg", d("31.50"), d(4), Z),
                Item("Double cream 2L", d("7.20"), d(6), Z),
                Item("Free-range eggs, tray of 30", d("8.40"), d(5), Z),
            ],
            date_style="dash_mon",
            title="TAX INVOICE",
        ),
        DocSpec(
            16,
            "sunrise-packaging",
            "table",
            "pdf",
            SUNRISE,
            T,
            "purchase_invoice",
            "SP-31177",
            date(2026, 2, 9),
            [
                Item("Cake boxes 10in, pack of 50", d("21.00"), d(3)),
                Item("Bread bags, paper, 1000", d("38.50"), d(2)),
                Item("Labels, printed, 2000", d("45.00"), d(1)),
            ],
            money_style="plain",
        ),
        DocSpec(
            17,
            "hollybush-sales-riverside-deli",
            "letter",
            "pdf",
            T,
            RIVERSIDE,
            "sales_invoice",
            "HB-2026-0151",
            date(2026, 3, 16),
            [
                Item("Wedding cake, three tiers", d("285.00"), rate=Z),
                Item("Afternoon tea pastries, 60 pieces", d("96.00"), rate=Z),
            ],
            date_style="long",
            extra={"salutation": "Dear Ms Okafor,"},
        ),
        DocSpec(
            18,
            "fernhill-fuels-receipt",
            "receipt",
            "pdf",
            FERNHILL,
            None,
            "receipt",
            None,
            date(2026, 3, 2),
            [
                Item("Unleaded pump 4, 38.42 L", d("54.95")),
                Item("Screen wash 5L", d("6.50")),
            ],
            inclusive=True,
            title="VAT RECEIPT",
        ),
        DocSpec(
            19,
            "tinker-tap-invalid-vat",
            "minimal",
            "pdf",
            TINKER,
            T,
            "purchase_invoice",
            "TT-5520",
            date(2026, 1, 28),
            [
                Item("Bench scrapers, stainless", d("6.50"), d(4)),
                Item("Socket set, 40 piece", d("34.99"), d(1)),
            ],
            date_style="slash",
            money_style="plain",
            expected_state="needs_review",
            review_note=INVALID_VAT_NOTE,
            review_reason=INVALID_VAT_NUMBER_REASON,
        ),
        DocSpec(
            20,
            "oakfield-print-leaflets",
            "table",
            "pdf",
            OAKFIELD,
            T,
            "purchase_invoice",
            "OPD-2290",
            date(2026, 3, 12),
            [
                Item("Leaflets A5, full colour, 2000", d("89.00"), d(1), Z),
                Item("Design work, hours", d("35.00"), d(2), S),
            ],
            date_style="long",
            money_style="suffix",
        ),
    ]
    docs += _scanned(T) + _more_pdfs(T)
    return docs


def _scanned(T: Party) -> list[DocSpec]:
    """Printed, then scanned or photographed: OCR has to read these."""
    return [
        DocSpec(
            21,
            "quillfeather-invoice-scan",
            "table",
            "png",
            QUILLFEATHER,
            T,
            "purchase_invoice",
            "QS-10412",
            date(2026, 2, 14),
            [
                Item("Envelopes DL, white, box of 500", d("18.75"), d(2)),
                Item("Printer toner, black", d("64.00"), d(1)),
                Item("Sticky notes, pack of 12", d("6.40"), d(3)),
            ],
            extra={"account_no": "HOL001"},
        ),
        DocSpec(
            22,
            "cobalt-cloud-scan",
            "minimal",
            "jpg",
            COBALT,
            T,
            "purchase_invoice",
            "CC-49120",
            date(2026, 2, 5),
            [
                Item("Bookkeeping Pro plan, February 2026", d("24.00")),
                Item("Extra user seat", d("6.00")),
            ],
            date_style="iso",
            money_style="suffix",
            dpi=150,
        ),
        DocSpec(
            23,
            "fernhill-fuels-receipt-photo",
            "receipt",
            "jpg",
            FERNHILL,
            None,
            "receipt",
            None,
            date(2026, 3, 18),
            [
                Item("Diesel pump 2, 41.07 L", d("62.35")),
                Item("AdBlue 10L", d("15.99")),
            ],
            inclusive=True,
            title="VAT RECEIPT",
        ),
        DocSpec(
            24,
            "northgate-rail-receipt-scan",
            "receipt",
            "png",
            NORTHGATE,
            None,
            "receipt",
            "NR-8851934",
            date(2026, 2, 20),
            [
                Item("Off-Peak Return to Borchester", d("12.40"), None, Z),
            ],
            inclusive=True,
            date_style="dash_mon",
            title="TICKET RECEIPT",
        ),
        DocSpec(
            25,
            "meadow-lane-farm-shop",
            "receipt",
            "jpg",
            MEADOW_LANE,
            None,
            "receipt",
            None,
            date(2026, 3, 7),
            [
                Item("Free-range eggs, dozen", d("3.20"), d(4), NO_VAT),
                Item("Local honey 454g", d("6.50"), None, NO_VAT),
                Item("Rhubarb, bunch", d("2.80"), d(2), NO_VAT),
            ],
            inclusive=True,
            title="RECEIPT",
        ),
        DocSpec(
            26,
            "marlow-finch-letter-scan",
            "letter",
            "jpg",
            MARLOW,
            T,
            "purchase_invoice",
            "MF-2026-012",
            date(2026, 1, 30),
            [
                Item("Quarterly VAT return, October to December 2025", d("220.00")),
                Item("Bookkeeping review", d("140.00")),
            ],
            date_style="long",
            extra={"salutation": "Dear Mrs Hale,"},
        ),
        DocSpec(
            27,
            "sparkle-shine-2-pages",
            "table",
            "tif",
            SPARKLE,
            T,
            "purchase_invoice",
            "SS-0915",
            date(2026, 2, 28),
            _cleaning_visits(),
            rows_per_page=10,
        ),
        DocSpec(
            28,
            "greenacre-dairy-scanned",
            "table",
            "scanpdf",
            GREENACRE,
            T,
            "purchase_invoice",
            "GD-21407",
            date(2026, 3, 2),
            [
                Item("Salted butter 5kg", d("30.90"), d(3), Z),
                Item("Whole milk 4 pints", d("1.85"), d(12), Z),
            ],
            date_style="dash_mon",
            title="TAX INVOICE",
        ),
        DocSpec(
            29,
            "kestrel-mobile-scan",
            "table",
            "png",
            KESTREL,
            T,
            "purchase_invoice",
            "KM-5548310",
            date(2026, 2, 1),
            [
                Item("Business SIM plan, per line", d("18.00"), d(2)),
                Item("Broadband Fibre 500", d("32.00"), d(1)),
            ],
            date_style="long",
            title="BILL",
            dpi=150,
            extra={"account_no": "7730-2291"},
        ),
        DocSpec(
            30,
            "hollybush-sales-village-stores-scan",
            "table",
            "jpg",
            T,
            VILLAGE_STORES,
            "sales_invoice",
            "HB-2026-0128",
            date(2026, 1, 31),
            [
                Item("White tin loaves, 800g", d("1.95"), d(40), Z),
                Item("Granary rolls, dozen", d("3.60"), d(10), Z),
                Item("Victoria sponge, whole", d("9.50"), d(4), Z),
            ],
        ),
        DocSpec(
            31,
            "sunrise-packaging-credit-scan",
            "table",
            "png",
            SUNRISE,
            T,
            "credit_note",
            "SPC-0418",
            date(2026, 2, 23),
            [
                Item("Bread bags, paper, 1000 (misprinted)", d("38.50"), d(1)),
            ],
            title="CREDIT NOTE",
            negative_style="minus",
            expected_state="needs_review",
            review_note="OCR is unsure of the credit note's number (its words read at low confidence): a person "
            "should confirm. The supplier's name, which OCR also doubts, is confirmed by the name on record for "
            "its VAT number (invoice 016; decision 0030).",
            money_style="plain",
            extra={"against": "SP-31177"},
        ),
        DocSpec(
            32,
            "brightwater-electricity-scan",
            "table",
            "jpg",
            BRIGHTWATER,
            T,
            "purchase_invoice",
            "BW-2026-005102",
            date(2026, 3, 3),
            [
                Item("Standing charge, 28 days", d("0.52"), d(28), R),
                Item("Electricity, day rate (kWh)", d("0.25"), d(790), R),
                Item("Electricity, night rate (kWh)", d("0.14"), d(240), R),
            ],
            date_style="long",
            title="ELECTRICITY BILL",
            dpi=150,
            extra={"period": (date(2026, 2, 1), date(2026, 2, 28)), "account_no": "BW-88120"},
        ),
        DocSpec(
            33,
            "ashdown-repairs-scan",
            "letter",
            "tif",
            ASHDOWN,
            T,
            "purchase_invoice",
            "APR-1203",
            date(2026, 3, 24),
            [
                Item("Unblock bakehouse drain", d("95.00")),
                Item("Replace mixer belt", d("48.60")),
            ],
            date_style="long",
            extra={"salutation": "Dear Mr Hale,"},
        ),
        DocSpec(
            34,
            "copper-kettle-receipt",
            "receipt",
            "png",
            COPPER_KETTLE,
            None,
            "receipt",
            "0412",
            date(2026, 3, 13),
            [
                Item("Flat white", d("3.40"), d(2), S),
                Item("Bacon roll, hot", d("4.95"), None, S),
                Item("Cheese sandwich, takeaway", d("3.75"), None, Z),
            ],
            inclusive=True,
            title="RECEIPT",
        ),
        DocSpec(
            35,
            "harbourside-insurance-scan",
            "letter",
            "png",
            HARBOURSIDE,
            T,
            "purchase_invoice",
            "HIB/2026/0207",
            date(2026, 3, 1),
            [
                Item("Employers liability cover, annual premium", d("226.00"), rate=EXEMPT),
            ],
            date_style="long",
            dpi=150,
            extra={"salutation": "Dear Policyholder,"},
        ),
        DocSpec(
            36,
            "parcel-point-receipt-mislabelled",
            "receipt",
            "png",
            PARCEL_POINT,
            None,
            "receipt",
            "R-2026-004901",
            date(2026, 3, 10),
            [
                Item("1st Class stamps", d("1.70"), d(6), EXEMPT),
                Item("Padded envelopes, pack of 10", d("4.99"), None, S),
            ],
            inclusive=True,
            title="SALES RECEIPT",
            extra={"save_as": "pdf"},
        ),
        DocSpec(
            37,
            "oakfield-print-scan",
            "minimal",
            "jpg",
            OAKFIELD,
            T,
            "purchase_invoice",
            "OPD-2314",
            date(2026, 3, 26),
            [
                Item("Shop window poster A1", d("42.00"), d(2)),
                Item("Menu boards, laminated", d("16.50"), d(4)),
            ],
            date_style="dash_mon",
        ),
    ]


def _more_pdfs(T: Party) -> list[DocSpec]:
    return [
        DocSpec(
            38,
            "cobalt-cloud-march",
            "minimal",
            "pdf",
            COBALT,
            T,
            "purchase_invoice",
            "CC-50077",
            date(2026, 3, 5),
            [
                Item("Bookkeeping Pro plan, March 2026", d("24.00")),
                Item("Extra user seat", d("6.00"), d(2)),
                Item("Payroll add-on, March 2026", d("12.00")),
            ],
            date_style="iso",
            money_style="suffix",
        ),
        DocSpec(
            39,
            "millstone-flour-small",
            "table",
            "pdf",
            MILLSTONE,
            T,
            "purchase_invoice",
            "MFC-76804",
            date(2026, 1, 8),
            [
                Item("Strong white bread flour 16kg", d("14.20"), d(6), Z),
                Item("Rye flour, dark, 16kg", d("18.40"), d(2), Z),
            ],
            date_style="dash_mon",
            money_style="plain",
        ),
        DocSpec(
            40,
            "quillfeather-march",
            "table",
            "pdf",
            QUILLFEATHER,
            T,
            "purchase_invoice",
            "QS-10455",
            date(2026, 3, 11),
            [
                Item("Card wallet folders, pack of 50", d("11.80"), d(2)),
                Item("Shipping labels, 500", d("14.25"), d(1)),
                Item("Stapler, heavy duty", d("27.90"), d(1)),
            ],
            date_style="iso",
            money_style="suffix",
            extra={"account_no": "HOL001"},
        ),
        DocSpec(
            41,
            "brightwater-credit-note",
            "minimal",
            "pdf",
            BRIGHTWATER,
            T,
            "credit_note",
            "BWC-2026-0077",
            date(2026, 2, 18),
            [
                Item("Correction of estimated reading, January", d("41.20"), rate=R),
            ],
            date_style="long",
            negative_style="minus",
            title="CREDIT NOTE",
            extra={"against": "BW-2026-004417"},
        ),
        DocSpec(
            42,
            "hollybush-sales-wickham-minimal",
            "minimal",
            "pdf",
            T,
            VILLAGE_STORES,
            "sales_invoice",
            "HB-2026-0160",
            date(2026, 3, 27),
            [
                Item("Hot cross buns, 6 packs", d("4.20"), d(12), Z),
                Item("Simnel cake", d("18.00"), d(2), Z),
                Item("Hot pasties, heated", d("3.10"), d(15), S),
            ],
            date_style="slash",
        ),
        *_issue_11_cases(T),
    ]


def _issue_11_cases(T: Party) -> list[DocSpec]:
    """A bill from a near namesake (a purchase), a receipt with the tenant's own VAT number and one
    with an invalid number (both to review, no VAT reclaimed). Numbered from 50 to leave room."""
    return [
        DocSpec(
            50,
            "hollybush-eatery-catering",
            "table",
            "pdf",
            HOLLYBUSH_EATERY,
            T,
            "purchase_invoice",
            "HE-0412",
            date(2026, 3, 12),
            [
                Item("Catered sandwich lunch, staff day", d("7.50"), d(12), S),
                Item("Tea and coffee service", d("2.25"), d(12), S),
            ],
            extra={"account_no": "HB-77"},
        ),
        DocSpec(
            51,
            "wickham-hardware-own-vat-receipt",
            "receipt",
            "pdf",
            WICKHAM_HARDWARE,
            None,
            "receipt",
            "WH-30917",
            date(2026, 3, 14),
            [
                Item("Hand tools, screwdriver set", d("14.99"), None, S),
                Item("Wall plugs, box of 100", d("3.49"), None, S),
            ],
            inclusive=True,
            title="VAT RECEIPT",
            expected_state="needs_review",
            review_note=OWN_VAT_NOTE,
            review_reason=OWN_VAT_NUMBER_REASON,
        ),
        DocSpec(
            52,
            "borchester-cash-carry-invalid-vat",
            "receipt",
            "pdf",
            BORCHESTER_CASH_CARRY,
            None,
            "receipt",
            "BCC-118204",
            date(2026, 3, 18),
            [
                Item("Bleach, thick, 5L", d("4.80"), d(2), S),
                Item("Disinfectant spray, 750ml", d("2.15"), d(6), S),
            ],
            inclusive=True,
            title="VAT RECEIPT",
            expected_state="needs_review",
            review_note=INVALID_VAT_NOTE,
            review_reason=INVALID_VAT_NUMBER_REASON,
        ),
    ]


BAD_INPUTS = {
    # number: (slug, what, expected substring of the validator's reason, its code)
    44: ("truncated", "the first third of 001's bytes", "damaged or incomplete", "corrupt_pdf"),
    45: ("encrypted", "a PDF with a user password", "password-protected", "encrypted_pdf"),
    46: ("oversized", "a 21 MB PDF, generated on demand under var/golden/", "the limit is", "too_large"),
}
DUPLICATES = {43: ("quillfeather-invoice-copy", 1)}  # number: (slug, number of the document it copies)
OVERSIZED_BYTES = 21_000_000
