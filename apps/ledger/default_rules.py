"""Global default classification rules: versioned with the code, not rows in the database.

Tried after a tenant's own rules, in three passes over this list; the first
match wins:

1. supplier patterns, against the supplier's normalised name (who sent the
   document is the strongest evidence: "Shell" is fuel whatever the receipt says);
2. keywords found in the supplier's name ("Cobalt Cloud Software Ltd");
3. keywords found in the line descriptions and the document's text.

Within a pass, rules are tried in this order, so put narrow rules before broad
ones and keep keywords specific ("unleaded", not "delivery", which appears on
many an ingredients invoice). Patterns and keywords match whole words,
case-insensitively. Account codes are those of ``chart.DEFAULT_CHART``; a test
checks that each is an expense account there.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.ledger.domain import VatTreatment

DEFAULT_RULES_VERSION = "2026.1"


def _phrases(text: str) -> tuple[str, ...]:
    """'a, b c, d' -> ('a', 'b c', 'd'): long lists stay readable."""
    return tuple(p.strip() for p in text.split(",") if p.strip())


@dataclass(frozen=True)
class DefaultRule:
    name: str
    account_code: str
    suppliers: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    vat_treatment: str = ""  # blank: worked out from the document's VAT rates


DEFAULT_RULES: tuple[DefaultRule, ...] = (
    DefaultRule(
        "Business rates",
        "469",
        suppliers=_phrases("council, borough council, district council, city council"),
        keywords=_phrases("business rates, non-domestic rates, non domestic rates"),
        vat_treatment=VatTreatment.OUTSIDE_SCOPE,  # rates are a tax: outside the scope of VAT
    ),
    DefaultRule(
        "Insurance",
        "433",
        suppliers=_phrases("aviva, axa, hiscox, direct line, simply business, zurich, allianz, rsa, qbe"),
        keywords=_phrases("insurance, insurance premium, public liability, employers liability, indemnity"),
        vat_treatment=VatTreatment.EXEMPT,  # insurance is exempt from VAT (IPT is not VAT)
    ),
    DefaultRule(
        "Accountancy and legal",
        "412",
        suppliers=_phrases("accountants, chartered accountants, solicitors, bookkeeping services"),
        keywords=_phrases("accountancy, bookkeeping, year end accounts, tax return, payroll services, legal fees"),
    ),
    DefaultRule(
        "Bank and card fees",
        "404",
        suppliers=_phrases("sumup, stripe, paypal, zettle, izettle, worldpay, dojo"),
        keywords=_phrases("bank charges, card fees, transaction fees, merchant service charge"),
        vat_treatment=VatTreatment.EXEMPT,
    ),
    DefaultRule(
        "Postage",
        "425",
        suppliers=_phrases("royal mail, parcelforce, dpd, evri, hermes, dhl, ups, fedex, yodel, post office"),
        keywords=_phrases("postage, stamps, first class, second class, special delivery, recorded delivery, courier"),
    ),
    DefaultRule(
        "Fuel",
        "449",
        suppliers=_phrases("shell, bp, esso, texaco, gulf, murco, applegreen"),
        keywords=_phrases("unleaded, super unleaded, diesel, petrol, adblue, fuel, fuels"),
    ),
    DefaultRule(
        "Vehicle running costs",
        "449",
        suppliers=_phrases("kwik fit, halfords autocentre, ats euromaster"),
        keywords=_phrases("mot test, tyres, tyre, car wash, vehicle service"),
    ),
    DefaultRule(
        "Phone and internet",
        "489",
        suppliers=_phrases("bt, ee, vodafone, o2, hutchison 3g, virgin media, talktalk, plusnet, giffgaff"),
        keywords=_phrases("broadband, mobile phone, airtime, sim only, landline, fibre broadband, mobile"),
    ),
    DefaultRule(
        "Utilities",
        "445",
        suppliers=_phrases(
            "british gas, edf, octopus energy, eon, e on, ovo, scottish power, sse, good energy, ecotricity, "
            "energy, electric"
        ),
        keywords=_phrases("electricity, kwh, gas supply, standing charge, heating oil"),
    ),
    DefaultRule(
        "Rent and water",
        "469",
        suppliers=_phrases("thames water, anglian water, severn trent, united utilities, yorkshire water"),
        keywords=_phrases("rent, water rates, service charge"),
    ),
    DefaultRule(
        "Software and subscriptions",
        "463",
        suppliers=_phrases(
            "microsoft, adobe, xero, quickbooks, intuit, dropbox, github, atlassian, zoom, slack, canva, shopify, "
            "squarespace, wix, godaddy, 123 reg"
        ),
        keywords=_phrases("software, subscription, licence, license, saas, google workspace, web hosting, domain"),
    ),
    DefaultRule(
        "Advertising and marketing",
        "400",
        suppliers=_phrases("yell, google ads"),
        keywords=_phrases(
            "advertising, advert, google ads, facebook ads, sponsored post, marketing, leaflets, flyers, "
            "poster, posters, menu boards, signage, banner"
        ),
    ),
    DefaultRule(
        "Travel",
        "493",
        suppliers=_phrases(
            "trainline, national rail, lner, gwr, avanti west coast, tfl, transport for london, uber, addison lee, "
            "easyjet, ryanair, british airways, premier inn, travelodge, national express"
        ),
        keywords=_phrases("rail, railway, train ticket, railcard, taxi, flight, hotel, parking, congestion charge"),
    ),
    DefaultRule(
        "Subsistence",
        "495",
        suppliers=_phrases("costa, starbucks, pret a manger, caffe nero, greggs, subway, mcdonalds"),
        keywords=_phrases("cafe, sandwich, latte, cappuccino, americano, lunch, breakfast, meal deal"),
    ),
    DefaultRule(
        "Bakery ingredients and packaging",
        "310",
        suppliers=_phrases("bako, brakes, bidfood, booker, dunns, shipton mill, marriage and sons, allied mills"),
        keywords=_phrases(
            "flour, strong white flour, yeast, caster sugar, icing sugar, butter, free range eggs, eggs, "
            "baking powder, bicarbonate of soda, margarine, double cream, chocolate chips, dairy, "
            "packaging, bread bags, cake boxes, cake boards"
        ),
    ),
    DefaultRule(
        "Cleaning",
        "408",
        suppliers=_phrases("cleaning services, cleaners, janitorial"),
        keywords=_phrases("cleaning, office cleaning, window cleaning, bleach, detergent, disinfectant, mop"),
    ),
    DefaultRule(
        "Repairs and maintenance",
        "473",
        suppliers=_phrases("screwfix, toolstation, wickes, travis perkins"),
        keywords=_phrases(
            "repair, repairs, maintenance, plumber, plumbing, electrician, boiler service, call out, tools"
        ),
    ),
    DefaultRule(
        "Stationery and printing",
        "461",
        suppliers=_phrases("viking, viking direct, staples, ryman, office depot, vistaprint, instantprint"),
        keywords=_phrases(
            "stationery, stationers, envelopes, printer paper, copier paper, a4 paper, toner, ink cartridge, "
            "business cards, printing"
        ),
    ),
    DefaultRule("Training", "477", keywords=_phrases("training course, training, workshop, seminar, cpd")),
    DefaultRule("Entertainment", "420", keywords=_phrases("client entertainment, entertaining, hospitality")),
)
