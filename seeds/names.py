"""Word lists for plausible (invented) personal names, phones and street addresses."""

SURNAMES = (
    "王张李刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "魏苏吕丁任沈姚卢姜崔钟谭陆范汪廖石金韦贾夏付方邹孟秦侯邵"
)

GIVEN_NAMES = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 涛 明 超 霞 平 刚 鹏 飞 斌 峰 "
    "建国 志勇 海波 晓东 春梅 文斌 宏伟 永新 立新 雪梅 凤兰 俊峰 丽君 玉兰 国庆 德胜 成龙 振华 瑞雪 "
    "宇航 思远 嘉怡 子涵 浩然 欣怡 秀英 桂芳 建军 红梅 海燕 晓燕 卫东 志强 金龙 玉梅 学文 春雷 "
    "立军 晓峰 丽娟 春燕 宏亮 玉洁 建华 国栋 延庆 文静 晓明 承志 庆华 兆祥 德明 洪涛 爱华 树林"
).split()

ROADS = {
    "370705": [
        "东风东街",
        "胜利东街",
        "健康东街",
        "福寿东街",
        "虞河路",
        "新华路",
        "民生东街",
        "潍州路",
        "北海路",
        "四平路",
        "文化路",
        "鸢飞路",
        "梨园街",
        "北宫东街",
    ],
    "370704": ["坊泰路", "凤凰街", "北海南路", "龙泉街", "坊安街", "潍安路", "长宁街", "九龙路"],
    "9707001": ["健康东街", "玉清东街", "金马路", "樱前街", "东方路", "惠贤路", "新城东路", "蓉花路"],
    "370702": ["胜利西街", "和平路", "向阳路", "月河路", "北宫西街", "西环路", "福寿西街"],
    "370703": ["通亭街", "民主街", "友爱路", "朱里街", "海龙路", "渤海路"],
}
DEFAULT_ROADS = ["人民路", "工业路", "建设街", "振兴路", "开发区大道", "新兴路", "民主街"]

MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "180",
    "181",
    "182",
    "185",
    "186",
    "187",
    "188",
    "189",
)


def person_name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def mobile(rng) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def address(rng, district_code: str, district_name: str, town_name: str = "") -> str:
    road = rng.choice(ROADS.get(district_code, DEFAULT_ROADS))
    return f"山东省潍坊市{district_name}{town_name}{road}{rng.randint(1, 9999)}号"
