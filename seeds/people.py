"""Demo people: the named logins, and how many generated cadres and users there are."""

ENTERPRISE_USERS_EVERY = 10  # one generated enterprise user (qy001 …) per this many enterprises
HOME_PAIRINGS = 20  # other 奎文区 enterprises that zhuanyuan / zhuanyuan_b look after besides 浩泰

# Generated commissioners (zy001 …) per district; "370700" are city cadres who look after
# the enterprises of the counties and zones that have no bureaus in the demo.
COMMISSIONER_POOLS = {"370705": 16, "370704": 18, "9707001": 6, "370702": 4, "370703": 4, "370700": 12}

# username -> fields. ``unit`` is the department a commissioner or handler belongs to,
# ``scope`` the region code a supervisor watches.
MAIN_USERS = {
    "admin": {"real_name": "系统管理员", "phone": "13705360001", "is_staff": True, "is_superuser": True},
    "dudao": {"real_name": "刘建华", "phone": "13705360002", "is_supervisor": True, "scope": "370700"},
    "dudao_kw": {"real_name": "王晓梅", "phone": "13705360003", "is_supervisor": True, "scope": "370705"},
    "dudao_fz": {"real_name": "孙志刚", "phone": "13705360004", "is_supervisor": True, "scope": "370704"},
    "zhuanyuan": {
        "real_name": "陈立新",
        "phone": "13805360001",
        "is_commissioner": True,
        "unit": ("370705", "奎文区商务局"),
    },
    "zhuanyuan_b": {
        "real_name": "赵文斌",
        "phone": "13805360002",
        "is_commissioner": True,
        "unit": ("370705", "奎文区工信局"),
    },
    "jingban": {"real_name": "李静", "phone": "18605360001", "is_handler": True, "unit": ("370700", "市人社局")},
    "qiye": {"real_name": "张海涛", "phone": "15905360001", "is_enterprise_user": True},
}


def commissioner_phone(n: int) -> str:
    return f"1380536{1000 + n:04d}"


def handler_phone(n: int) -> str:
    return f"1860536{1000 + n:04d}"


def enterprise_user_phone(n: int) -> str:
    return f"1590536{1000 + n:04d}"
