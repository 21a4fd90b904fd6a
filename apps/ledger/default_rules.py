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

The list follows the ordinary expense groups of a UK small business (HMRC's
allowable-expense groups: premises, insurance, legal and professional, staff,
financial costs, postage, motor, telecoms, utilities, software and
subscriptions, advertising, travel, subsistence and entertaining, stock and
materials, cleaning, repairs, office costs, equipment, clothing, training), so
an ordinary trade is recognised by the words of its category, not because one
of its suppliers was seen before. Bare words that also appear on other trades'
documents stay out: "service charge" (landlords and restaurants both print it),
"starter" (a software plan), "toll" ("toll free" on letterheads), "mobile" as
text ("Mobile: 07..." on letterheads; it is a supplier word instead). The
chart has no equipment or clothing account, so those go to General expenses
(429), where a bookkeeper sees them. A restaurant bill goes to Subsistence,
VAT worked out from its rates as for any meal: the repo has no blocked-VAT
treatment for business entertaining (docs/decisions/0036).
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.ledger.domain import VatTreatment

DEFAULT_RULES_VERSION = "2026.2"


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
    # --- Premises and rates -------------------------------------------------------------------------------------
    DefaultRule(
        "Business rates",
        "469",
        suppliers=_phrases("council, borough council, district council, city council"),
        keywords=_phrases("business rates, non-domestic rates, non domestic rates"),
        vat_treatment=VatTreatment.OUTSIDE_SCOPE,  # rates are a tax: outside the scope of VAT
    ),
    # --- Insurance (exempt) -------------------------------------------------------------------------------------
    DefaultRule(
        "Insurance",
        "433",
        suppliers=_phrases(
            "aviva, axa, hiscox, direct line, simply business, zurich, allianz, rsa, qbe, ageas, nfu mutual, "
            "markel, ecclesiastical, insurance brokers, insurance services"
        ),
        keywords=_phrases(
            "insurance, insurance premium, public liability, employers liability, indemnity, "
            "professional indemnity, product liability, business interruption, buildings insurance, "
            "contents insurance, cyber insurance, van insurance, motor insurance, fleet insurance"
        ),
        vat_treatment=VatTreatment.EXEMPT,  # insurance is exempt from VAT (IPT is not VAT)
    ),
    # --- Legal and professional ---------------------------------------------------------------------------------
    DefaultRule(
        "Accountancy and legal",
        "412",
        suppliers=_phrases(
            "accountants, chartered accountants, solicitors, bookkeeping services, law firm, legal services, "
            "chartered surveyors, surveyors, architects, notaries, tax advisers"
        ),
        keywords=_phrases(
            "accountancy, bookkeeping, year end accounts, tax return, payroll services, legal fees, "
            "legal advice, conveyancing, professional fees, consultancy fees, surveyors fee, survey fee, "
            "architects fees, confirmation statement, companies house filing, trade mark registration, "
            "trademark registration, notarial"
        ),
    ),
    DefaultRule(
        "Recruitment and staff services",
        "412",
        suppliers=_phrases("recruitment, staffing, employment agency"),
        keywords=_phrases(
            "recruitment fee, placement fee, introduction fee, agency staff, temporary staff, temp staff, "
            "dbs check, right to work check, job advert, job advertisement, hr advice, employment law advice"
        ),
    ),
    # --- Financial costs (exempt) -------------------------------------------------------------------------------
    DefaultRule(
        "Bank and card fees",
        "404",
        suppliers=_phrases(
            "sumup, stripe, paypal, zettle, izettle, worldpay, dojo, gocardless, barclaycard, elavon, "
            "lloyds bank, barclays bank, natwest, hsbc, santander, starling bank, metro bank, american express"
        ),
        keywords=_phrases(
            "bank charges, card fees, transaction fees, merchant service charge, account fee, monthly account fee, "
            "overdraft interest, overdraft fee, loan interest, arrangement fee, chargeback fee, card terminal rental"
        ),
        vat_treatment=VatTreatment.EXEMPT,
    ),
    # --- Postage and delivery -----------------------------------------------------------------------------------
    DefaultRule(
        "Postage",
        "425",
        suppliers=_phrases(
            "royal mail, parcelforce, dpd, evri, hermes, dhl, ups, fedex, yodel, post office, collectplus, inpost, "
            "parcel2go, packlink, citysprint, tnt, couriers"
        ),
        keywords=_phrases(
            "postage, stamps, first class, second class, special delivery, recorded delivery, courier, "
            "parcel delivery, parcel collection, tracked delivery, signed for, franking, po box, mail redirection, "
            "shipping label, next day delivery"
        ),
    ),
    # --- Motor --------------------------------------------------------------------------------------------------
    DefaultRule(
        "Fuel",
        "449",
        suppliers=_phrases("shell, bp, esso, texaco, gulf, murco, applegreen"),
        keywords=_phrases("unleaded, super unleaded, diesel, petrol, adblue, fuel, fuels"),
    ),
    DefaultRule(
        "Vehicle running costs",
        "449",
        suppliers=_phrases(
            "kwik fit, halfords autocentre, ats euromaster, autoglass, national windscreens, euro car parts, "
            "gsf car parts, pod point, ionity, gridserve, instavolt, rac motoring, motor services, garage services"
        ),
        keywords=_phrases(
            "mot test, tyres, tyre, car wash, vehicle service, car service, van service, windscreen, brake pads, "
            "oil change, wiper blades, vehicle lease, van lease, car lease, contract hire, vehicle excise duty, "
            "road tax, breakdown cover, ev charging, charging session"
        ),
    ),
    # --- Telecoms -----------------------------------------------------------------------------------------------
    DefaultRule(
        "Phone and internet",
        "489",
        suppliers=_phrases(
            "bt, ee, vodafone, o2, hutchison 3g, virgin media, talktalk, plusnet, giffgaff, mobile, telecom, "
            "telecoms, zen internet, hyperoptic, vonage, ringcentral, gamma telecom, tesco mobile"
        ),
        keywords=_phrases(
            "broadband, mobile phone, airtime, sim only, landline, fibre broadband, mobile plan, mobile data, "
            "line rental, call charges, phone bill, voip, hosted telephony, leased line, data bundle, roaming"
        ),
    ),
    # --- Utilities ----------------------------------------------------------------------------------------------
    DefaultRule(
        "Utilities",
        "445",
        suppliers=_phrases(
            "british gas, edf, octopus energy, eon, e on, ovo, scottish power, sse, good energy, ecotricity, "
            "energy, electric, calor, flogas, npower, utility warehouse"
        ),
        keywords=_phrases(
            "electricity, kwh, gas supply, standing charge, heating oil, unit rate, meter reading, mpan, mprn, "
            "bottled gas, lpg, kerosene, climate change levy"
        ),
    ),
    # --- Premises -----------------------------------------------------------------------------------------------
    DefaultRule(
        "Rent and water",
        "469",
        suppliers=_phrases(
            "thames water, anglian water, severn trent, united utilities, yorkshire water, southern water, "
            "south west water, wessex water, northumbrian water, affinity water, welsh water, dwr cymru, "
            "scottish water, castle water, business stream, lettings, property management, regus, wework"
        ),
        keywords=_phrases(
            "rent, water rates, property service charge, estate service charge, office rent, workshop rent, "
            "unit rent, ground rent, room hire, serviced office, coworking, co working, desk space, "
            "licence to occupy, sewerage, wastewater"
        ),
    ),
    # --- IT, software and subscriptions -------------------------------------------------------------------------
    DefaultRule(
        "Software and subscriptions",
        "463",
        suppliers=_phrases(
            "microsoft, adobe, xero, quickbooks, intuit, dropbox, github, atlassian, zoom, slack, canva, shopify, "
            "squarespace, wix, godaddy, 123 reg"
        ),
        keywords=_phrases(
            "software, subscription, licence, license, saas, cloud, google workspace, web hosting, domain, "
            "analytics, cloud storage, cloud hosting, user licence, per user, per seat, api calls, "
            "it support, managed it, antivirus, backup service, ssl certificate, dedicated server, virtual server"
        ),
    ),
    DefaultRule(
        "Memberships and publications",
        "463",
        suppliers=_phrases("federation of small businesses, chamber of commerce"),
        keywords=_phrases(
            "membership fee, annual membership, membership renewal, professional body, trade association, "
            "newspaper, magazine, trade journal, journal subscription"
        ),
    ),
    # --- Advertising and marketing ------------------------------------------------------------------------------
    DefaultRule(
        "Advertising and marketing",
        "400",
        suppliers=_phrases("yell, google ads, meta platforms, linkedin, marketing, media agency"),
        keywords=_phrases(
            "advertising, advert, google ads, facebook ads, sponsored post, marketing, leaflets, flyers, "
            "poster, posters, menu boards, signage, banner, seo, search engine optimisation, pay per click, ppc, "
            "social media management, directory listing, sponsorship, exhibition stand, trade show, "
            "promotional items, website design, web design"
        ),
    ),
    # --- Travel and subsistence ---------------------------------------------------------------------------------
    DefaultRule(
        "Travel",
        "493",
        suppliers=_phrases(
            "trainline, national rail, lner, gwr, avanti west coast, tfl, transport for london, uber, addison lee, "
            "easyjet, ryanair, british airways, premier inn, travelodge, national express, eurostar, jet2, "
            "stagecoach, first bus, arriva, megabus, hertz, avis, europcar, enterprise rent a car, ncp, ringgo, "
            "paybyphone, justpark, holiday inn, ibis, hilton, marriott, taxis, cabs"
        ),
        keywords=_phrases(
            "rail, railway, train ticket, railcard, taxi, flight, hotel, parking, congestion charge, bus fare, "
            "coach ticket, ferry, car hire, accommodation, room only, bed and breakfast, ulez"
        ),
    ),
    DefaultRule(
        "Entertainment",
        "420",
        keywords=_phrases(
            "client entertainment, client entertaining, entertaining, corporate hospitality, hospitality package, "
            "client dinner, client lunch"
        ),
    ),
    DefaultRule(
        "Subsistence",
        "495",
        suppliers=_phrases("costa, starbucks, pret a manger, caffe nero, greggs, subway, mcdonalds"),
        keywords=_phrases("cafe, sandwich, latte, cappuccino, americano, lunch, breakfast, meal deal, espresso"),
    ),
    DefaultRule(
        "Restaurants and bars",
        "495",
        suppliers=_phrases(
            "restaurant, restaurants, brasserie, bistro, trattoria, osteria, pizzeria, steakhouse, grill, "
            "tavern, pub, bar, wine bar, tapas, gastropub, diner, eatery, carvery, noodle bar, curry house, "
            "tandoori, sushi, nandos, wagamama, pizza express, prezzo, zizzi, wetherspoon"
        ),
        keywords=_phrases(
            "starters, main course, dessert, desserts, side dish, house wine, glass of wine, "
            "bottle of wine, prosecco, lager, dinner, evening meal, set menu, tasting menu, gratuity, "
            "discretionary service charge, optional service charge"
        ),
    ),
    # --- Stock and materials ------------------------------------------------------------------------------------
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
        "Stock and goods for resale",
        "310",
        suppliers=_phrases("makro, costco"),  # not "cash and carry" or "wholesale": cleaning and electrical ones too
        keywords=_phrases("goods for resale, stock for resale, resale stock, raw materials, wholesale order"),
    ),
    # --- Cleaning and waste -------------------------------------------------------------------------------------
    DefaultRule(
        "Cleaning",
        "408",
        suppliers=_phrases(
            "cleaning services, cleaners, janitorial, rentokil, phs group, biffa, veolia, grundon, waste management, "
            "hygiene services, pest control"
        ),
        keywords=_phrases(
            "cleaning, office cleaning, window cleaning, bleach, detergent, disinfectant, mop, pest control, "
            "washroom services, sanitary bins, hand towels, toilet rolls, trade waste, waste collection, "
            "refuse collection, bin collection, recycling collection, skip hire, confidential shredding"
        ),
    ),
    # --- Repairs and maintenance; building and electrical materials ---------------------------------------------
    DefaultRule(
        "Repairs and maintenance",
        "473",
        suppliers=_phrases(
            "screwfix, toolstation, wickes, travis perkins, jewson, selco, buildbase, howdens, b and q, homebase, "
            "builders merchant, builders merchants, building supplies, timber merchants, electrical wholesale, "
            "electrical wholesalers, electrical supplies, city electrical factors, edmundson, rexel, "
            "plumbing supplies, plumbers merchants, city plumbing, maintenance, "
            "property services, garden centre, landscaping, locksmiths, glazing"
        ),
        keywords=_phrases(
            "repair, repairs, maintenance, plumber, plumbing, electrician, boiler service, call out, tools, "
            "engineering, engineers, "
            "call out charge, engineer visit, service visit, annual service, servicing, calibration, spare parts, "
            "replacement parts, plasterboard, cement, timber, sheet materials, fixings, sealant, paint, "
            "consumer unit, circuit breaker, cable, trunking, light fittings, led panel, pat testing, "
            "gas safety, fire extinguisher service, fire alarm service, alarm monitoring, locksmith, "
            "grounds maintenance, garden maintenance, compost, bedding plants, shrubs, kiln service, kiln repair, "
            "element replacement, thermocouple"
        ),
    ),
    # --- Office costs -------------------------------------------------------------------------------------------
    DefaultRule(
        "Stationery and printing",
        "461",
        suppliers=_phrases(
            "viking, viking direct, staples, ryman, office depot, vistaprint, instantprint, printers, print shop, "
            "office supplies"
        ),
        keywords=_phrases(
            "stationery, stationers, envelopes, printer paper, copier paper, a4 paper, toner, ink cartridge, "
            "business cards, printing, office supplies, notebooks, ballpoint pens, sticky notes, lever arch files, "
            "ring binders, labels, laminating pouches, photocopying"
        ),
    ),
    DefaultRule(
        "Office furniture and equipment",
        "429",  # General expenses: the chart has no equipment account (capital items are for the accountant)
        suppliers=_phrases(
            "office interiors, office furniture, furniture, interiors, office equipment, currys, dell, lenovo, "
            "ebuyer, scan computers"
        ),
        keywords=_phrases(
            "office chair, office chairs, desk chair, office desk, standing desk, filing cabinet, furniture, "
            "bookcase, shelving unit, laptop, desktop computer, computer monitor, printer, headset, "
            "external hard drive, docking station, equipment hire, tool hire, plant hire, workstation"
        ),
    ),
    DefaultRule(
        "Workwear and protective clothing",
        "429",  # General expenses: the chart has no clothing account
        suppliers=_phrases("workwear, uniforms, arco, engelbert strauss"),
        keywords=_phrases(
            "workwear, uniform, uniforms, hi vis, high visibility, safety boots, safety footwear, "
            "protective clothing, overalls, ppe, chef whites, hard hat, gloves"
        ),
    ),
    # --- Training -----------------------------------------------------------------------------------------------
    DefaultRule(
        "Training",
        "477",
        suppliers=_phrases("training, training services, academy"),
        keywords=_phrases(
            "training course, training, workshop, seminar, cpd, course fee, conference ticket, conference, "
            "webinar, e learning, elearning, exam fee, certification, first aid course, food hygiene course, "
            "apprenticeship"
        ),
    ),
)
