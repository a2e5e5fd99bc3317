"""Key projects (重点项目) of the demo city.

Names follow the projects the city's reports mention; stages, levels and yearly
figures are invented. Investment is in 万元. 奎文区 and 坊子区 carry about a
quarter of their published project counts (80 and 89).
"""

import random
from decimal import Decimal

from .names import person_name
from .regions import DISTRICTS

# (district/zone code, name, stage, level, total investment in 万元 or None for a random figure,
#  enterprise name or None)
PROJECTS = [
    # 奎文区
    ("370705", "人才科创小镇", "started", "province", 500000, None),
    ("370705", "泰华南片区开发改造", "started", "city", 320000, None),
    ("370705", "动力智谷产业园", "started", "city", 180000, "潍坊华天动力科技有限公司"),
    ("370705", "龙泉仁居", "started", "county", None, None),
    ("370705", "云创金谷", "approved", "city", None, None),
    ("370705", "蓝湾智谷", "approved", "city", None, None),
    ("370705", "欣嘉苑", "started", "county", None, None),
    ("370705", "东鼎国际", "started", "county", None, None),
    ("370705", "北王尚城", "approved", "county", None, None),
    ("370705", "潍坊农商银行总部办公楼", "operating", "city", 90000, "潍坊农村商业银行股份有限公司"),
    ("370705", "浩泰机械技能人才实训基地", "operating", "county", 3500, "潍坊浩泰机械有限公司"),
    ("370705", "北苑街道乡贤创业园", "signed", "county", None, None),
    ("370705", "虞河路数字经济产业园", "signed", "county", None, None),
    ("370705", "奎文经济开发区标准化厂房", "started", "county", None, None),
    ("370705", "东关商圈城市更新", "negotiating", "county", None, None),
    ("370705", "梨园街道智慧康养中心", "approved", "county", None, None),
    ("370705", "廿里堡老旧厂区改造", "negotiating", "county", None, None),
    ("370705", "潍州路总部经济楼宇", "signed", "county", None, None),
    ("370705", "大虞街道社区商业综合体", "started", "county", None, None),
    ("370705", "广文街道科创孵化器", "completed", "county", None, None),
    # 坊子区
    ("370704", "潍柴（坊子）国际配套园", "started", "province", 600000, "潍柴雷沃重工股份有限公司"),
    ("370704", "豪迈（潍坊）研发基地", "started", "city", 150000, "豪迈（潍坊）科技研发有限公司"),
    ("370704", "环保设备产业园", "started", "city", None, None),
    ("370704", "新能源产业园", "approved", "city", None, None),
    ("370704", "富源空气悬浮风机项目", "operating", "county", None, "潍坊富源空气悬浮风机有限公司"),
    ("370704", "精诺新能源矿车项目", "started", "county", None, "潍坊精诺新能源矿车有限公司"),
    ("370704", "鑫聚龙涡轮增压发动机项目", "started", "county", None, "潍坊鑫聚龙涡轮增压发动机有限公司"),
    ("370704", "歌尔工学院", "approved", "city", None, None),
    ("370704", "SDL科学实验室", "signed", "province", None, None),
    ("370704", "坊茨小镇文化创意街区", "negotiating", "city", None, None),
    ("370704", "九龙科教新城", "negotiating", "city", None, None),
    ("370704", "国药（潍坊）医疗科技产业园", "started", "province", None, None),
    ("370704", "中基食品加工项目", "operating", "county", None, "潍坊中基食品有限公司"),
    ("370704", "阿齐食品项目", "operating", "county", None, "潍坊阿齐食品有限公司"),
    ("370704", "亚米基项目", "started", "county", None, None),
    ("370704", "潍疆项目", "started", "county", None, None),
    ("370704", "玉泉洼农产品加工项目", "started", "county", None, "潍坊玉泉洼农业发展有限公司"),
    ("370704", "玉棵松数字农业产业园", "started", "county", None, "潍坊玉棵松数字农业有限公司"),
    ("370704", "稷丰农业研发加工冷藏项目", "approved", "county", None, "潍坊稷丰农业科技有限公司"),
    ("370704", "谷德大艺城", "signed", "city", None, None),
    ("370704", "电子元件研发生产项目", "signed", "county", None, None),
    ("370704", "金玖保温材料项目", "signed", "county", None, "潍坊金玖保温材料有限公司"),
    # 潍城区
    ("370702", "潍坊传化公路港", "started", "city", 150000, "潍坊传化公路港物流有限公司"),
    ("370702", "信科精密机械零部件生产项目", "started", "county", None, "潍坊信科精密机械有限公司"),
    ("370702", "潍坊邮件处理中心", "started", "city", None, None),
    ("370702", "智群学校", "started", "county", 26000, None),
    ("370702", "天泰金大地·新地城", "started", "city", 200000, "潍坊天泰金大地置业有限公司"),
    ("370702", "万特公馆", "started", "county", None, None),
    ("370702", "龙居佳苑一期", "completed", "county", None, None),
    # 高新区
    ("9707001", "潍柴动力未来科技试验检测中心", "started", "province", None, "潍柴动力股份有限公司"),
    ("9707001", "潍柴国际配套产业园二期", "started", "province", None, "潍柴动力股份有限公司"),
    ("9707001", "高创·柏年城", "started", "city", None, "潍坊高创置业有限公司"),
    ("9707001", "万声健康工场浮空岛", "started", "county", None, "潍坊万声健康工场有限公司"),
    # 寒亭区
    ("370703", "中星微SVAC人工智能与物联网大数据产业基地", "signed", "province", None, None),
    ("370703", "中国物流“两国两园”项目", "signed", "city", None, None),
    ("370703", "万海再生医学产业园", "signed", "city", None, None),
    ("370703", "农丰宝有机肥生产项目", "signed", "county", None, None),
    # 其他县市区
    ("9707002", "天锦汽车高端装备产业园", "operating", "province", 1000000, "潍坊天锦汽车装备有限公司"),
    ("9707002", "中粮贸易潍坊港粮食物流项目", "completed", "city", 25000, "潍坊中粮贸易物流仓储有限公司"),
    ("370725", "比德文新能源乘用车项目", "operating", "province", None, "比德文控股集团有限公司"),
    ("370786", "海洋生态养殖示范园", "started", "city", None, None),
]

# Titles of the responsible leader (包靠领导), by the kind of region the project is in.
LEADER_TITLES = {
    "区": ("区委常委", "副区长", "区人大常委会副主任", "区政协副主席"),
    "县": ("县委常委", "副县长"),
    "市": ("市委常委", "副市长"),
    "zone": ("党工委副书记", "管委会副主任"),
}

# Share of this year's plan already done, by stage.
DONE_SHARE = {
    "negotiating": (0, 0),
    "signed": (0, 10),
    "approved": (0, 25),
    "started": (25, 85),
    "operating": (85, 100),
    "completed": (100, 100),
}


# 奎文区 and 坊子区 carry their published project counts: the named projects above, then projects named
# after their streets and industries up to these totals.
TOTALS = {"370705": 80, "370704": 89}
PLACES = {
    "370705": ("北苑", "梨园", "大虞", "潍州", "廿里堡", "东关", "广文", "新城", "清池", "北海路", "胜利东街"),
    "370704": ("凤凰", "坊安", "坊城", "九龙", "黄旗堡", "王家庄", "太保庄", "眉村", "坊子经济开发区", "龙泉"),
}
KINDS = (
    "智能制造产业园",
    "新材料项目",
    "冷链物流中心",
    "商业综合体",
    "数字经济楼宇",
    "医疗器械项目",
    "食品加工项目",
    "新能源装备项目",
    "人才公寓",
    "科创中心",
    "汽车零部件项目",
    "高端装备项目",
)
# Stages of the generated projects, drawn with these weights (most are being built).
STAGE_WEIGHTS = (
    ("negotiating", 2),
    ("signed", 2),
    ("approved", 3),
    ("started", 8),
    ("operating", 3),
    ("completed", 1),
)
LEVEL_WEIGHTS = (("province", 1), ("city", 3), ("county", 6))


def _extra(rng, district: str, count: int, taken: set) -> list[tuple]:
    stages = [stage for stage, weight in STAGE_WEIGHTS for _ in range(weight)]
    levels = [level for level, weight in LEVEL_WEIGHTS for _ in range(weight)]
    rows = []
    for kind in KINDS:
        for place in PLACES[district]:
            if len(rows) == count:
                return rows
            name = f"{place}{kind}"
            if name not in taken:
                rows.append((district, name, rng.choice(stages), rng.choice(levels), None, None))
    return rows


def generate(rng):
    """Every demo project as a dict of field values plus ``district`` and ``enterprise_name``."""
    district_names = dict(DISTRICTS)
    rows = []
    listed = list(PROJECTS)
    names = {row[1] for row in listed}
    for district, total_count in TOTALS.items():
        have = sum(1 for row in listed if row[0] == district)
        listed += _extra(random.Random(f"projects-{district}"), district, total_count - have, names)
    for district, name, stage, level, total, enterprise in listed:
        if total is None:
            total = rng.choice((8000, 12000, 15000, 20000, 30000, 50000, 80000, 120000)) + rng.randrange(0, 5000, 100)
        total = Decimal(total)
        if stage == "negotiating":
            planned = Decimal(0)
        else:
            planned = (total * Decimal(rng.randint(15, 45)) / 100).quantize(Decimal("0.01"))
        low, high = DONE_SHARE[stage]
        completed = (planned * Decimal(rng.randint(low, high)) / 100).quantize(Decimal("0.01"))
        rows.append(
            {
                "district": district,
                "name": name,
                "stage": stage,
                "level": level,
                "total_investment": total.quantize(Decimal("0.01")),
                "planned_investment": planned,
                "completed_investment": completed,
                "leader": f"{person_name(rng)}（{rng.choice(_titles(district_names.get(district)))}）",
                "enterprise_name": enterprise,
            }
        )
    return rows


def _titles(district_name):
    if district_name is None:
        return LEADER_TITLES["zone"]
    return LEADER_TITLES[district_name[-1]]
