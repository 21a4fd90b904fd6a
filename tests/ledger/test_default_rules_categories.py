"""The default rules by expense category (default_rules.py, version 2026.2).

One synthetic document per ordinary UK small-business expense group, from
fictitious suppliers whose names are not in any rule's supplier list, so each
case is recognised by its category's words (in the supplier's name or in the
lines), not by a supplier seen before. The second half pins the words two
trades share, where the order of the rules or a narrower phrase decides.
"""

from __future__ import annotations

import pytest

from apps.ledger import chart
from apps.ledger.default_rules import DEFAULT_RULES, DEFAULT_RULES_VERSION
from apps.ledger.rules_engine import classify
from tests.ledger.builders import make_extraction

NO_VAT = {"net": "100.00", "vat": "0.00", "gross": "100.00", "breakdown": ()}


def run(supplier: str, lines=(), text: str = "", **fields):
    return classify(
        make_extraction(supplier=supplier, lines=list(lines), text=text, **fields), tenant_rules=[], threshold=0.9
    )


CATEGORIES = [
    # (category, supplier, lines, account, rule name)
    ("premises: rent", "Larkspur Estates", ["Workshop rent, April 2026"], "469", "Rent and water"),
    ("premises: room hire", "Tolland Village Hall", ["Room hire 3 hours"], "469", "Rent and water"),
    ("premises: water", "Brindle Water Services", ["Sewerage charges Q1"], "469", "Rent and water"),
    ("legal", "Pennock & Rae", ["Conveyancing: lease of Unit 4"], "412", "Accountancy and legal"),
    ("professional", "Ormsby Surveyors", ["Survey fee, rear extension"], "412", "Accountancy and legal"),
    ("staff: recruitment", "Talbot Recruitment Ltd", ["Placement fee: bakery assistant"], "412",
     "Recruitment and staff services"),
    ("staff: agency", "Kestle People Ltd", ["Agency staff w/e 14 March"], "412", "Recruitment and staff services"),
    ("financial: bank", "Eastgate Business Banking", ["Monthly account fee"], "404", "Bank and card fees"),
    ("financial: loan", "Fairhill Finance Ltd", ["Loan interest, March"], "404", "Bank and card fees"),
    ("postage", "Swiftwing Couriers Ltd", ["Next day delivery x3"], "425", "Postage"),
    ("motor: repairs", "Dunmore Motors", ["Brake pads front, oil change"], "449", "Vehicle running costs"),
    ("motor: lease", "Oxbridge Vehicle Finance", ["Van lease, month 14 of 36"], "449", "Vehicle running costs"),
    ("telecoms", "Kittiwake Telecom Ltd", ["Line rental and call charges"], "489", "Phone and internet"),
    ("utilities", "Northmoor Heating Ltd", ["Bottled gas 47kg"], "445", "Utilities"),
    ("IT: analytics SaaS", "Lumenfold Analytics Ltd", ["Growth plan, 5 users"], "463", "Software and subscriptions"),
    ("IT: cloud", "Nimbusway Ltd", ["Cloud storage 2 TB, monthly"], "463", "Software and subscriptions"),
    ("subscriptions", "Wessex Bakers Guild", ["Annual membership 2026"], "463", "Memberships and publications"),
    ("advertising", "Brightlark Media", ["Pay per click campaign, March"], "400", "Advertising and marketing"),
    ("travel", "Coldharbour Taxis", ["Station to client site"], "493", "Travel"),
    ("travel: hotel", "The Harbour View", ["Accommodation 2 nights, room only"], "493", "Travel"),
    ("subsistence", "Pippin's Cafe", ["Sandwich and latte"], "495", "Subsistence"),
    ("restaurant", "Maison Verte Brasserie", ["Roast hake x2", "Sticky toffee pudding"], "495", "Restaurants and bars"),
    ("restaurant: by the dishes", "Olive & Ash", ["Starters x3", "House wine 750ml"], "495", "Restaurants and bars"),
    ("bar", "The Copper Lantern Bar", ["Lager x4"], "495", "Restaurants and bars"),
    ("entertaining", "Olive & Ash", ["Client entertainment: dinner for 4"], "420", "Entertainment"),
    ("stock", "Fairbourne Trading", ["Goods for resale: mixed confectionery"], "310", "Stock and goods for resale"),
    ("stock: materials", "Redmire Supplies", ["Raw materials: clay 25kg"], "310", "Stock and goods for resale"),
    ("cleaning: waste", "Greenbin Ltd", ["Trade waste collection, weekly"], "408", "Cleaning"),
    ("cleaning: pests", "Hawkswood Pest Control", ["Quarterly visit"], "408", "Cleaning"),
    ("repairs: builders' merchant", "Carrow Builders Merchants Ltd", ["Plasterboard 12.5mm x10"], "473",
     "Repairs and maintenance"),
    ("repairs: electrical wholesale", "Ferngrove Electrical Wholesale Ltd", ["LED panel 600x600"], "473",
     "Repairs and maintenance"),
    ("repairs: garden centre", "Bramblewick Garden Centre", ["Bedding plants, compost"], "473",
     "Repairs and maintenance"),
    ("repairs: kiln engineering", "Ashby Kiln Engineering Ltd", ["Kiln service, element replacement"], "473",
     "Repairs and maintenance"),
    ("repairs: safety checks", "Halden Compliance", ["PAT testing 40 items"], "473", "Repairs and maintenance"),
    ("office costs", "Pendle Paper Co", ["Ring binders x10, sticky notes"], "461", "Stationery and printing"),
    ("equipment: office interiors", "Marlowe Office Interiors Ltd", ["Sit-stand desk"], "429",
     "Office furniture and equipment"),
    ("equipment: computers", "Tenby Systems", ["Laptop 14in", "Docking station"], "429",
     "Office furniture and equipment"),
    ("clothing", "Stallard Safety Ltd", ["Hi vis vest x4, safety boots x2"], "429", "Workwear and protective clothing"),
    ("training", "Calder Skills", ["First aid course, 2 delegates"], "477", "Training"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("supplier", "lines", "account", "rule_name"),
    [case[1:] for case in CATEGORIES],
    ids=[case[0] for case in CATEGORIES],
)
def test_each_category_classifies_to_its_account(supplier, lines, account, rule_name):
    result = run(supplier, lines, **(NO_VAT if account == "404" else {}))  # bank charges are exempt
    assert (result.account_code, result.rule_name) == (account, rule_name), result.explanation
    assert not result.needs_review, result.reasons


def test_insurance_for_a_van_is_insurance_and_exempt():
    result = run("Holloway Underwriting", ["Van insurance, annual premium"], **NO_VAT)
    assert (result.account_code, result.vat_treatment) == ("433", "exempt")


def test_every_account_is_an_expense_account_of_the_chart_and_the_version_moved():
    expense = {a.code for a in chart.DEFAULT_CHART if a.type == chart.AccountType.EXPENSE}
    assert {rule.account_code for rule in DEFAULT_RULES} <= expense
    assert DEFAULT_RULES_VERSION == "2026.2"


class TestSharedWords:
    def test_a_restaurant_service_charge_is_not_rent(self):
        result = run("Juniper & Fig", ["Tasting menu x2", "Discretionary service charge"])
        assert (result.account_code, result.rule_name) == ("495", "Restaurants and bars")

    def test_a_landlords_service_charge_is_rent(self):
        result = run("Larkspur Estates", ["Estate service charge, Q2"])
        assert result.account_code == "469"

    def test_a_restaurant_bill_takes_its_vat_from_its_rates(self):
        # No rule-set treatment: the document's 20% decides, as for the Subsistence and Entertainment rules.
        result = run("Maison Verte Brasserie", ["Dinner for 2"])
        assert (result.account_code, result.vat_treatment) == ("495", "standard")

    def test_a_mobile_number_on_a_letterhead_is_not_a_phone_bill(self):
        result = run("Hatherley Joinery", ["Shelf repairs"], text="Mobile: 07700 900123")
        assert result.account_code == "473"

    def test_a_mobile_network_is_a_phone_bill_by_its_name(self):
        assert run("Kestrel Mobile Ltd", ["Monthly plan"]).account_code == "489"

    def test_a_software_plan_called_starter_is_software(self):
        result = run("Quillon Ltd", ["Starter plan, monthly subscription"])
        assert result.account_code == "463"

    def test_a_toll_free_number_is_not_travel(self):
        result = run("Pendle Paper Co", ["Copier paper"], text="Toll free 0800 000 000")
        assert result.account_code == "461"

    def test_software_engineering_is_software_not_repairs(self):
        assert run("Brackwater Software Engineering Ltd", ["Sprint 14"]).account_code == "463"

    def test_a_hotel_chain_named_inn_is_travel(self):
        assert run("Premier Inn Hotels Ltd", ["Room, 1 night"]).account_code == "493"

    def test_client_lunch_is_entertainment_not_subsistence(self):
        assert run("Olive & Ash", ["Client lunch"]).account_code == "420"

    def test_printer_paper_is_stationery_not_equipment(self):
        assert run("Tenby Systems", ["Printer paper A4"]).account_code == "461"

    @pytest.mark.parametrize(
        "line", ["Parental leave advice", "Table lamps", "Clay pigeons", "Tiptoe socks", "Mobiles workshop"]
    )
    def test_whole_words_only(self, line):
        # None of "rent", "table", "lay", "tip", "mobile" match inside other words; "workshop" is training.
        result = run("Oddments Ltd", [line])
        assert result.account_code in {None, "477"}, result.explanation

    def test_a_cash_and_carry_is_classified_by_what_it_sold(self):
        assert run("Fairbourne Cash & Carry", ["Bleach 5L x4", "Blue roll"]).account_code == "408"
        assert run("Ferngrove Electrical Wholesale Ltd", ["Cable 2.5mm 100m"]).account_code == "473"
