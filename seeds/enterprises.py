"""Enterprises of the demo city.

A handful are the companies the city's own reports talk about; the rest are invented
from word lists. Districts get enterprises in proportion to the published figures
(奎文区 793 and 坊子区 946 enterprises with commissioners), scaled down about four
times so the demo stays quick to load.
"""

from .names import address, mobile, person_name
from .regions import DISTRICTS, TOWNS, ZONES, credit_division

HOME_ENTERPRISE = "潍坊浩泰机械有限公司"  # the enterprise of the demo login ``qiye``

# (name, district/zone code, industry, size)
REAL_ENTERPRISES = [
    (HOME_ENTERPRISE, "370705", "manufacturing", "medium"),
    ("潍坊农村商业银行股份有限公司", "370705", "finance", "large"),
    ("潍坊华天动力科技有限公司", "370705", "manufacturing", "medium"),
    ("青岛啤酒（潍坊）有限公司", "370705", "manufacturing", "large"),
    ("潍柴雷沃重工股份有限公司", "370704", "manufacturing", "large"),
    ("豪迈（潍坊）科技研发有限公司", "370704", "manufacturing", "medium"),
    ("潍坊美林卫浴有限公司", "370704", "manufacturing", "medium"),
    ("潍坊富源空气悬浮风机有限公司", "370704", "manufacturing", "small"),
    ("潍坊精诺新能源矿车有限公司", "370704", "manufacturing", "small"),
    ("潍坊鑫聚龙涡轮增压发动机有限公司", "370704", "manufacturing", "small"),
    ("潍坊中基食品有限公司", "370704", "manufacturing", "medium"),
    ("潍坊阿齐食品有限公司", "370704", "manufacturing", "small"),
    ("潍坊金玖保温材料有限公司", "370704", "manufacturing", "small"),
    ("潍坊玉泉洼农业发展有限公司", "370704", "agriculture", "small"),
    ("潍坊玉棵松数字农业有限公司", "370704", "agriculture", "small"),
    ("潍坊稷丰农业科技有限公司", "370704", "agriculture", "small"),
    ("潍柴动力股份有限公司", "9707001", "manufacturing", "large"),
    ("潍坊万声健康工场有限公司", "9707001", "culture", "small"),
    ("潍坊高创置业有限公司", "9707001", "real_estate", "medium"),
    ("潍坊传化公路港物流有限公司", "370702", "logistics", "medium"),
    ("潍坊信科精密机械有限公司", "370702", "manufacturing", "small"),
    ("潍坊天泰金大地置业有限公司", "370702", "real_estate", "medium"),
    ("山东省华盛农业股份有限公司", "370703", "agriculture", "medium"),
    ("山东华艺雕塑艺术有限公司", "370724", "culture", "small"),
    ("比德文控股集团有限公司", "370725", "manufacturing", "large"),
    ("山东联科科技股份有限公司", "370781", "manufacturing", "large"),
    ("山东博苑医药化学股份有限公司", "370783", "health", "medium"),
    ("潍坊中粮贸易物流仓储有限公司", "9707002", "logistics", "medium"),
    ("潍坊天锦汽车装备有限公司", "9707002", "manufacturing", "large"),
]

# How many enterprises each district or zone has in the demo, real ones included.
QUOTAS = {
    "370705": 198,  # 奎文区: 793 in the reports
    "370704": 236,  # 坊子区: 946 in the reports
    "9707001": 48,  # 高新区
    "370702": 30,  # 潍城区
    "370703": 24,  # 寒亭区
    "370724": 4,
    "370725": 5,
    "370781": 5,
    "370782": 4,
    "370783": 5,
    "370784": 3,
    "370785": 4,
    "370786": 4,
    "9707002": 5,
    "9707003": 2,
    "9707004": 3,
}

BRANDS = (
    "恒达 鑫源 华泰 宏远 瑞丰 金城 盛世 鸿运 泰和 天成 永兴 众诚 中瑞 海川 鲁信 凯盛 博远 润丰 佳禾 德润 "
    "汇通 昊天 联创 新阳 正源 东方 宝通 鸢飞 白浪 虞河 福瑞 安康 启航 弘毅 嘉信 明德 和顺 兴隆 金鼎 银海 "
    "华辰 卓越 信诚 晟达 志远 隆昌 聚贤 恒信 泰丰 兆丰 鼎盛 益民 同创 协力 锦程 东岳 齐鲁 沃野 丰源 惠民 "
    "亿达 凯瑞 英创 龙腾 祥和 万象 远航 金穗 绿源 蓝海 富康 华晨 中泰 天润 晨光 康达 亚星 美佳 立新 伟业 "
    "盛隆 世纪 远东 恒昌 中孚 天和 长兴 宏昇 海纳 云创 智谷 九龙 凤鸣 坊安 银河 金桥 振兴 百川 恒润 荣昌"
).split()

PLACE_PREFIXES = ("潍坊", "潍坊", "潍坊", "山东")

# industry -> (weight by district kind, trade words)
TRADES = {
    "manufacturing": [
        "机械",
        "精密机械",
        "汽车零部件",
        "动力科技",
        "机电设备",
        "新材料",
        "化工",
        "塑业",
        "纺织",
        "食品",
        "包装制品",
        "智能装备",
        "铸造",
        "电气设备",
        "环保设备",
    ],
    "agriculture": ["农业发展", "种业", "果蔬专业合作社", "生态农业", "农产品", "畜牧"],
    "construction": ["建设工程", "建筑安装", "市政工程", "装饰工程", "园林绿化工程"],
    "energy": ["能源", "热力", "新能源", "燃气", "光伏科技"],
    "it": ["信息技术", "软件", "网络科技", "电子科技", "数据科技", "智能科技"],
    "logistics": ["物流", "供应链管理", "运输", "仓储"],
    "trade": ["商贸", "贸易", "百货", "进出口", "汽车销售"],
    "hospitality": ["酒店管理", "餐饮管理", "食府"],
    "finance": ["融资担保", "小额贷款", "投资管理"],
    "real_estate": ["置业", "房地产开发", "物业管理"],
    "services": ["人力资源", "企业管理咨询", "会计服务", "广告", "检测技术", "知识产权代理"],
    "health": ["医疗器械", "生物科技", "医药", "健康管理", "养老服务"],
    "culture": ["文化传媒", "旅游开发", "文化创意", "教育科技"],
}

# Urban districts lean to services; the others to industry and farming.
URBAN_WEIGHTS = {
    "manufacturing": 14,
    "agriculture": 1,
    "construction": 8,
    "energy": 2,
    "it": 12,
    "logistics": 6,
    "trade": 16,
    "hospitality": 8,
    "finance": 4,
    "real_estate": 6,
    "services": 12,
    "health": 6,
    "culture": 5,
}
INDUSTRIAL_WEIGHTS = {
    "manufacturing": 36,
    "agriculture": 10,
    "construction": 8,
    "energy": 4,
    "it": 6,
    "logistics": 7,
    "trade": 10,
    "hospitality": 3,
    "finance": 1,
    "real_estate": 3,
    "services": 5,
    "health": 4,
    "culture": 3,
}
URBAN = {"370705", "370702"}

SIZES = (("micro", 28), ("small", 42), ("medium", 22), ("large", 8))

CONTACT_TITLES = ("办公室主任", "行政经理", "总经理", "财务总监", "综合部部长")


def organisation_code(rng) -> str:
    """Nine-character organisation code (GB 11714): eight digits and their check character."""
    body = f"{rng.randrange(10**8):08d}"
    total = sum(int(ch) * w for ch, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng, district_code: str) -> str:
    from portal.orgs.validators import credit_code_check_character

    first17 = "91" + credit_division(district_code) + organisation_code(rng)
    return first17 + credit_code_check_character(first17)


def _weighted(rng, pairs):
    items, weights = zip(*pairs, strict=True)
    return rng.choices(items, weights=weights)[0]


def generate(rng):
    """Every demo enterprise as a dict of field values plus ``district`` and ``town`` codes.

    The same ``rng`` state always yields the same list.
    """
    district_names = dict(DISTRICTS + ZONES)
    towns_of: dict[str, list[tuple[str, str]]] = {}
    for code, name, parent in TOWNS:
        towns_of.setdefault(parent, []).append((code, name))

    rows, names, codes = [], set(), set()

    def add(name, district, industry, size):
        town_code, town_name = rng.choice(towns_of[district]) if district in towns_of else (None, "")
        code = credit_code(rng, district)
        while code in codes:
            code = credit_code(rng, district)
        codes.add(code)
        names.add(name)
        rows.append(
            {
                "name": name,
                "credit_code": code,
                "district": district,
                "town": town_code,
                "industry": industry,
                "size": size,
                "address": address(rng, district, district_names[district], town_name),
                "contact_name": person_name(rng),
                "contact_phone": mobile(rng),
                "legal_representative": person_name(rng),
            }
        )

    for name, district, industry, size in REAL_ENTERPRISES:
        add(name, district, industry, size)

    for district, quota in QUOTAS.items():
        weights = URBAN_WEIGHTS if district in URBAN else INDUSTRIAL_WEIGHTS
        have = sum(1 for row in rows if row["district"] == district)
        for _ in range(quota - have):
            industry = _weighted(rng, weights.items())
            size = _weighted(rng, SIZES)
            while True:
                trade = rng.choice(TRADES[industry])
                suffix = "股份有限公司" if size in ("medium", "large") and rng.random() < 0.3 else "有限公司"
                if trade.endswith("合作社"):
                    suffix = ""
                name = f"{rng.choice(PLACE_PREFIXES)}{rng.choice(BRANDS)}{trade}{suffix}"
                if name not in names:
                    break
            add(name, district, industry, size)
    return rows
