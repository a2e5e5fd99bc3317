"""Region tree of the demo city: (code, name, level, parent code).

Districts and counties carry their national division codes. Functional zones have
no national code, so they get internal codes starting with 9. Towns and streets
use the district code plus a three-digit sequence.
"""

CITY_CODE = "370700"

CITY = (CITY_CODE, "潍坊市", "city", None)

DISTRICTS = [
    ("370702", "潍城区"),
    ("370703", "寒亭区"),
    ("370704", "坊子区"),
    ("370705", "奎文区"),
    ("370724", "临朐县"),
    ("370725", "昌乐县"),
    ("370781", "青州市"),
    ("370782", "诸城市"),
    ("370783", "寿光市"),
    ("370784", "安丘市"),
    ("370785", "高密市"),
    ("370786", "昌邑市"),
]

# Functional zones: internal codes, never used as a credit-code division part.
ZONES = [
    ("9707001", "高新区"),
    ("9707002", "滨海区"),
    ("9707003", "峡山区"),
    ("9707004", "综保区"),
]

TOWNS = [
    # 奎文区
    ("370705001", "东关街道", "370705"),
    ("370705002", "大虞街道", "370705"),
    ("370705003", "梨园街道", "370705"),
    ("370705004", "廿里堡街道", "370705"),
    ("370705005", "潍州路街道", "370705"),
    ("370705006", "北苑街道", "370705"),
    ("370705007", "广文街道", "370705"),
    # 坊子区
    ("370704001", "坊城街道", "370704"),
    ("370704002", "凤凰街道", "370704"),
    ("370704003", "九龙街道", "370704"),
    ("370704004", "黄旗堡街道", "370704"),
    ("370704005", "王家庄街道", "370704"),
    # 高新区
    ("9707001001", "新城街道", "9707001"),
    ("9707001002", "清池街道", "9707001"),
]


def all_regions():
    """Every region as (code, name, level, parent code), parents before children."""
    rows = [CITY]
    rows += [(code, name, "district", CITY_CODE) for code, name in DISTRICTS]
    rows += [(code, name, "district", CITY_CODE) for code, name in ZONES]
    rows += [(code, name, "town", parent) for code, name, parent in TOWNS]
    return rows


def credit_division(district_code: str) -> str:
    """The six-digit division part of a credit code for an enterprise registered in a district.

    Zones have no national code; their enterprises are registered at city level.
    """
    return district_code if not district_code.startswith("9") else CITY_CODE
