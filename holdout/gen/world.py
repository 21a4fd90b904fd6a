"""The holdout's fictitious world: its own tenant, suppliers, customers and vocabularies.

Every business, person and place is invented. Postcodes start with letters no UK postcode area uses (QV, XW,
VQ, ...), telephone numbers are Ofcom's drama range (01632 960xxx), e-mail and web addresses end in .example.
VAT numbers are made to pass HMRC's check digits (python-stdnum's gb.vat), except the deliberately invalid ones.
"""

from __future__ import annotations

import random
from decimal import Decimal

from stdnum.gb import vat as gb_vat

from holdout.gen.model import Party

D = Decimal


def valid_vat(seed: int) -> str:
    """A 9-digit GB VAT number whose check digits pass (mod 97 or the 9755 scheme)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    while True:
        stem = f"{rng.randint(1, 9)}{rng.randint(0, 999999):06d}"
        for check in range(100):
            number = f"{stem}{check:02d}"
            if gb_vat.is_valid(number):
                return number


def invalid_vat(seed: int) -> str:
    """A 9-digit number that looks like a VAT number but fails its check digits."""
    number = valid_vat(seed)
    broken = number[:8] + str((int(number[8]) + 3) % 10)
    assert not gb_vat.is_valid(broken)
    return broken


def _phone(n: int) -> str:
    return f"01632 960{n:03d}"


def _party(name: str, street: str, town: str, postcode: str, seed: int, domain: str, *, vat: bool = True,
           company: bool = True) -> Party:  # fmt: skip
    return Party(
        name=name,
        address=(street, town, postcode),
        vat_number=valid_vat(seed) if vat else None,
        phone=_phone(seed % 1000),
        email=f"accounts@{domain}.example",
        web=f"www.{domain}.example",
        company_no=f"{(seed * 7717) % 10_000_000:08d}" if company else "",
    )


TENANT = _party("Marrowgate Pottery Ltd", "Unit 4, Kilnyard Lane", "Stallingford", "QV7 2LT", 1207, "marrowgate")
OWN_NAMES = [TENANT.name]
OWN_VAT_NUMBERS = [TENANT.vat_number or ""]

SUPPLIERS = {
    "pixelhive": _party(
        "Pixelhive Analytics Ltd", "3rd Floor, 18 Cordwain Street", "Amblecote Vale", "XW1 4RD", 2101, "pixelhive"
    ),
    "ledgerleaf": _party(
        "Ledgerleaf Software Limited", "The Maltings, 2 Ferry Row", "Quenby Marsh", "VQ3 9HS", 2113, "ledgerleaf"
    ),
    "brackley": _party(
        "Brackley & Sons Builders' Merchants",
        "Tollgate Industrial Estate",
        "Wexcombe",
        "QX2 6PA",
        2131,
        "brackleysons",
        company=False,
    ),
    "fenwright": _party(
        "Fenwright Electrical Wholesale Ltd", "Unit 9, Saltings Road", "Harrowfold", "XV8 1NE", 2143, "fenwright"
    ),
    "corvid": _party(
        "Corvid Tyre & Exhaust Centre",
        "41 Mill Causeway",
        "Little Hadleigh",
        "QZ5 3TB",
        2161,
        "corvidtyres",
        company=False,
    ),
    "saltmarsh": _party(
        "Saltmarsh Co-operative Stores", "12 High Street", "Orrinsby", "VX4 2EE", 2179, "saltmarshcoop"
    ),
    "penhallow": _party("Penhallow Garden Centre", "Trewint Road", "Penhallow St Just", "QJ9 7AF", 2203, "penhallowgc"),
    "nightjar": _party(
        "The Nightjar Brasserie", "7 Chantry Yard", "Stallingford", "QV7 1JQ", 2221, "nightjar", company=False
    ),
    "lanternfish": _party(
        "Lanternfish Noodle Bar", "88 Dock Parade", "Amblecote Vale", "XW2 8UU", 2237, "lanternfish", company=False
    ),
    "tidewell": _party(
        "Tidewell Water Services plc", "Tidewell House, Reservoir Way", "Harrowfold", "XV1 0WW", 2251, "tidewell"
    ),
    "glowmere": _party("Glowmere Energy Supply Ltd", "PO Box 4410", "Quenby Marsh", "VQ9 9GE", 2269, "glowmere"),
    "ostler": _party(
        "Ostler & Vane Chartered Surveyors", "5 Bellfounder's Court", "Wexcombe", "QX1 2BV", 2281, "ostlervane"
    ),
    "hartigan": _party(
        "Hartigan Pryce Solicitors LLP",
        "Chancery House, 14 Abbotsgate",
        "Little Hadleigh",
        "QZ1 5HP",
        2293,
        "hartiganpryce",
    ),
    "wrenfield": _party(
        "Wrenfield Clay Supplies Ltd", "Pitside Works, Marl Lane", "Orrinsby", "VX8 4CL", 2311, "wrenfieldclay"
    ),
    "bellweather": _party(
        "Bellweather Couriers Ltd", "Hub 2, Crossways Park", "Harrowfold", "XV3 7DX", 2333, "bellweather"
    ),
    "inkwell": _party(
        "Inkwell & Quire Print Studio",
        "The Old Chapel, Vicarage Walk",
        "Penhallow St Just",
        "QJ2 3PQ",
        2341,
        "inkwellquire",
        company=False,
    ),
    "ravenscar": _party(
        "Ravenscar Office Interiors Ltd", "Unit 22, Kestle Mill Estate", "Stallingford", "QV3 8RO", 2357, "ravenscar"
    ),
    "moorcroft": _party("Moorcroft Kiln Engineering Ltd", "Furnace Lane", "Wexcombe", "QX7 9KE", 2377, "moorcroftkiln"),
    "dunnock": _party(
        "Dunnock Petroleum Filling Station",
        "Ring Road South",
        "Quenby Marsh",
        "VQ5 6FS",
        2389,
        "dunnockfuel",
        company=False,
    ),
    "thimble": _party(
        "Thimble Lane Market Stall",
        "Saturday Market",
        "Orrinsby",
        "VX4 1MS",
        2399,
        "thimblelane",
        vat=False,
        company=False,
    ),
    "greybeck": _party("Greybeck Packaging Supplies Ltd", "Greybeck Mill", "Harrowfold", "XV6 2GP", 2411, "greybeck"),
    "halcyon": _party(
        "Halcyon Telecom Ltd", "Halcyon Point, 1 Signal Street", "Amblecote Vale", "XW9 3HT", 2423, "halcyontel"
    ),
    "quayside": _party(
        "Quayside Hardware & DIY", "2 Harbour Steps", "Penhallow St Just", "QJ5 1QH", 2437, "quaysidediy", company=False
    ),
    "sorrel": _party(
        "Sorrel & Sage Catering Ltd", "The Bakehouse, 6 Pound Lane", "Little Hadleigh", "QZ3 4SS", 2441, "sorrelsage"
    ),
}

CUSTOMERS = {
    "fairholme": _party("Fairholme Interiors Ltd", "19 Weavers Row", "Amblecote Vale", "XW3 5FI", 3101, "fairholme"),
    "copperbeech": _party(
        "The Copper Beech Tearooms", "1 Green End", "Orrinsby", "VX2 9CB", 3113, "copperbeech", company=False
    ),
    "linnet": _party("Linnet & Lark Gift Shop Ltd", "33 Abbey Street", "Wexcombe", "QX4 2LL", 3121, "linnetlark"),
    "harbourlight": _party(
        "Harbourlight Hotel Group Ltd", "The Esplanade", "Penhallow St Just", "QJ1 1HH", 3137, "harbourlight"
    ),
}

# What each kind of supplier sells: (description, unit price range in pounds, VAT rate or None for exempt).
ITEMS: dict[str, list[tuple[str, tuple[float, float], Decimal | None]]] = {
    "saas": [
        ("Analytics Pro plan, monthly seat", (18, 45), D(20)),
        ("Dashboard add-on (annual)", (120, 300), D(20)),
        ("Onboarding workshop, half day", (250, 450), D(20)),
        ("API usage overage, 10k calls", (4, 12), D(20)),
        ("Priority support tier", (35, 90), D(20)),
        ("Data retention extension 12 months", (60, 140), D(20)),
    ],
    "builders": [
        ("Sharp sand 25kg bag", (3, 6), D(20)),
        ("Portland cement 25kg", (6, 9), D(20)),
        ("CLS timber 38x63mm 2.4m", (3, 5), D(20)),
        ("Plasterboard 12.5mm 2400x1200", (8, 12), D(20)),
        ("Galvanised wall ties, box 250", (18, 30), D(20)),
        ("Expanding foam gun grade 750ml", (6, 10), D(20)),
        ("Dust sheet, heavy duty 12x9ft", (5, 9), D(20)),
        ("Masonry drill bit set", (9, 16), D(20)),
        ("Brick trowel 11in", (10, 18), D(20)),
        ("Builders' bucket 14L", (2, 4), D(20)),
    ],
    "electrical": [
        ("Twin & earth cable 2.5mm 50m", (45, 70), D(20)),
        ("LED batten 1500mm 4000K", (14, 26), D(20)),
        ("Double switched socket, white", (3, 6), D(20)),
        ("RCBO 32A type A", (18, 30), D(20)),
        ("Junction box 30A", (2, 4), D(20)),
        ("Cable clips 7mm, box 100", (2, 3), D(20)),
        ("Kiln element connector block", (6, 11), D(20)),
        ("Extractor fan 100mm timer", (22, 38), D(20)),
    ],
    "tyres": [
        ("Tyre 195/65 R15 91V", (55, 85), D(20)),
        ("Wheel alignment, four wheel", (35, 55), D(20)),
        ("Valve and balance", (8, 14), D(20)),
        ("Exhaust back box, fitted", (90, 140), D(20)),
        ("Tyre disposal charge", (2, 4), D(20)),
    ],
    "grocery": [
        ("Semi skimmed milk 2 pints", (1.2, 1.6), D(0)),
        ("Wholemeal loaf 800g", (1.1, 1.8), D(0)),
        ("Free range eggs x6", (1.8, 2.6), D(0)),
        ("Bananas loose", (0.6, 1.4), D(0)),
        ("Washing up liquid 450ml", (1.0, 1.9), D(20)),
        ("Kitchen roll 2pk", (1.8, 2.9), D(20)),
        ("Sparkling water 1.5L", (0.7, 1.2), D(20)),
        ("Digestive biscuits 400g", (0.9, 1.6), D(0)),
        ("Bin bags 20pk", (1.5, 2.8), D(20)),
        ("Instant coffee 200g", (3.5, 6.5), D(0)),
    ],
    "garden": [
        ("Peat-free compost 50L", (5, 9), D(20)),
        ("Terracotta pot 30cm", (6, 14), D(20)),
        ("Lavender Hidcote 2L", (4, 7), D(20)),
        ("Bird seed mix 2kg", (4, 8), D(20)),
        ("Secateurs bypass", (9, 20), D(20)),
        ("Children's gardening book", (5, 9), D(0)),
    ],
    "restaurant": [
        ("Soup of the day", (5.5, 7.5), D(20)),
        ("Pan-fried hake", (16, 22), D(20)),
        ("Mushroom risotto", (13, 17), D(20)),
        ("Sticky toffee pudding", (6.5, 8.5), D(20)),
        ("House white 175ml", (6, 8.5), D(20)),
        ("Sparkling water 750ml", (3.5, 5), D(20)),
        ("Flat white", (3, 3.8), D(20)),
        ("Chicken katsu ramen", (11, 14), D(20)),
        ("Gyoza x5", (5.5, 7), D(20)),
        ("Jasmine tea pot", (2.8, 3.6), D(20)),
    ],
    "water": [
        ("Fresh water standing charge", (20, 40), D(0)),
        ("Fresh water volume charge", (60, 140), D(0)),
        ("Wastewater volume charge", (50, 120), D(0)),
        ("Trade effluent charge", (30, 80), D(20)),
    ],
    "energy": [
        ("Electricity day units", (200, 420), D(20)),
        ("Electricity night units", (60, 160), D(20)),
        ("Standing charge", (25, 45), D(20)),
        ("Climate Change Levy", (8, 20), D(20)),
    ],
    "energy_domestic": [
        ("Gas units (studio heating)", (80, 180), D(5)),
        ("Gas standing charge", (10, 20), D(5)),
    ],
    "surveyor": [
        ("Schedule of condition, studio premises", (450, 900), D(20)),
        ("Site visit and report", (250, 400), D(20)),
        ("Land Registry search fee (disbursement)", (3, 7), None),
    ],
    "solicitor": [
        ("Professional charges: lease renewal", (900, 1600), D(20)),
        ("Professional charges: correspondence", (120, 300), D(20)),
        ("Search fees (disbursement)", (150, 250), None),
        ("Courier (disbursement)", (15, 30), D(20)),
    ],
    "clay": [
        ("Stoneware clay, buff, 12.5kg", (9, 14), D(20)),
        ("Porcelain clay 10kg", (18, 26), D(20)),
        ("Transparent glaze 5kg", (28, 45), D(20)),
        ("Kiln shelf 40x30cm", (22, 38), D(20)),
        ("Cone pack 06-6, box 50", (12, 20), D(20)),
        ("Wax resist 1L", (9, 15), D(20)),
        ("Sponge, elephant ear", (4, 8), D(20)),
        ("Bisque tiles 15cm, box 20", (15, 22), D(20)),
    ],
    "courier": [
        ("Next day parcel up to 10kg", (8, 14), D(20)),
        ("Pallet collection, half pallet", (55, 90), D(20)),
        ("Fragile handling surcharge", (3, 6), D(20)),
        ("Fuel surcharge", (2, 5), D(20)),
        ("International parcel (outside scope)", (22, 40), None),
    ],
    "print": [
        ("A5 flyers 170gsm x500", (45, 75), D(20)),
        ("Printed booklets 16pp x100", (110, 190), D(0)),
        ("Business cards x250", (25, 40), D(20)),
        ("Design time per hour", (35, 55), D(20)),
    ],
    "office": [
        ("Ergonomic task chair", (140, 260), D(20)),
        ("Sit-stand desk 1400mm", (320, 520), D(20)),
        ("Pedestal, 3 drawer", (90, 150), D(20)),
        ("Delivery and installation", (40, 80), D(20)),
    ],
    "kiln": [
        ("Annual kiln service and safety test", (180, 260), D(20)),
        ("Thermocouple type K replacement", (40, 70), D(20)),
        ("Controller firmware update", (30, 50), D(20)),
        ("Call-out charge", (60, 95), D(20)),
    ],
    "fuel": [
        ("Diesel", (55, 85), D(20)),
        ("Unleaded", (45, 75), D(20)),
        ("AdBlue 10L", (12, 18), D(20)),
        ("Car wash, premium", (8, 12), D(20)),
        ("Newspaper", (2, 3.5), D(0)),
    ],
    "market": [
        ("Seasonal flowers bunch", (5, 9), D(0)),
        ("Jar of local honey", (5, 8), D(0)),
        ("Sourdough loaf", (3.5, 5), D(0)),
        ("Hand-thrown egg cup", (6, 10), D(0)),
    ],
    "packaging": [
        ("Double-wall boxes 305x229x229, x25", (28, 45), D(20)),
        ("Bubble wrap 750mm x 50m", (18, 30), D(20)),
        ("Paper void fill 5kg", (20, 32), D(20)),
        ("Fragile tape 48mm x6", (9, 14), D(20)),
        ("Tissue paper, ivory, ream", (12, 20), D(20)),
    ],
    "telecom": [
        ("Business fibre 150Mb line rental", (38, 55), D(20)),
        ("Mobile plan, 2 handsets", (28, 44), D(20)),
        ("Call charges", (3, 12), D(20)),
        ("Router rental", (4, 7), D(20)),
    ],
    "hardware": [
        ("Screws 4x40mm, box 200", (4, 7), D(20)),
        ("Sugar soap 1L", (3, 5), D(20)),
        ("Paint brush set", (6, 11), D(20)),
        ("Padlock 40mm brass", (8, 14), D(20)),
        ("Extension lead 4-gang", (9, 16), D(20)),
    ],
    "catering": [
        ("Buffet lunch for 12, open day", (140, 220), D(20)),
        ("Cold sandwich platters x4", (60, 90), D(0)),
        ("Hot drinks service", (30, 50), D(20)),
        ("Staff and delivery", (25, 45), D(20)),
    ],
    "sales": [
        ("Hand-thrown mug, celadon", (9, 14), D(20)),
        ("Serving bowl 28cm, tenmoku", (28, 42), D(20)),
        ("Dinner plate set x6, oatmeal", (70, 110), D(20)),
        ("Bud vase trio", (18, 26), D(20)),
        ("Commissioned house-name plaque", (60, 120), D(20)),
        ("Delivery to premises", (8, 15), D(20)),
    ],
}
