"""Government units that receive dispatched requests: (name, short name) per region."""

CITY_DEPARTMENTS = [
    ("市人社局", "人社局"),
    ("市住建局", "住建局"),
    ("市自然资源和规划局", "自然资源和规划局"),
    ("市行政审批服务局", "行政审批服务局"),
    ("市市场监管局", "市场监管局"),
    ("市税务局", "税务局"),
    ("市发改委", "发改委"),
    ("市工信局", "工信局"),
    ("市金融办", "金融办"),
    ("市商务局", "商务局"),
    ("市生态环境局", "生态环境局"),
    ("市交通运输局", "交通运输局"),
    ("市水利局", "水利局"),
    ("市财政局", "财政局"),
    ("市科技局", "科技局"),
    ("市农业农村局", "农业农村局"),
    ("市城市管理局", "城管局"),
    ("市大数据局", "大数据局"),
    ("市投资促进局", "投资促进局"),
]

# Bureaus every district government in the demo has; the district name is put in front.
DISTRICT_BUREAUS = [
    ("人社局", "人社局"),
    ("住建局", "住建局"),
    ("行政审批服务局", "行政审批服务局"),
    ("市场监管局", "市场监管局"),
    ("自然资源局", "自然资源局"),
    ("发改局", "发改局"),
    ("商务局", "商务局"),
    ("财政局", "财政局"),
    ("工信局", "工信局"),
]

# 高新区 is run by a management committee and names some units differently.
ZONE_BUREAUS = {
    "9707001": [
        ("人社局", "人社局"),
        ("住建局", "住建局"),
        ("行政审批服务局", "行政审批服务局"),
        ("市场监管局", "市场监管局"),
        ("自然资源局", "自然资源局"),
        ("经发局", "经发局"),
        ("商务局", "商务局"),
        ("财政金融局", "财政金融局"),
        ("城管中心", "城管中心"),
    ],
}

# Districts whose own bureaus are in the demo (the others are served by city departments).
DISTRICTS_WITH_BUREAUS = ["370705", "370704", "9707001", "370702", "370703"]


def all_departments(region_names: dict[str, str], towns: list[tuple[str, str, str]]):
    """Every department as (region code, name, short name)."""
    rows = [("370700", name, short) for name, short in CITY_DEPARTMENTS]
    for code in DISTRICTS_WITH_BUREAUS:
        prefix = region_names[code]
        for name, short in ZONE_BUREAUS.get(code, DISTRICT_BUREAUS):
            rows.append((code, f"{prefix}{name}", short))
    # Each street in the demo has its street office (街道办事处), which looks after its enterprises.
    for code, name, parent in towns:
        if parent in DISTRICTS_WITH_BUREAUS:
            rows.append((code, f"{name}办事处", "街道办"))
    return rows
