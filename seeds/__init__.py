"""Demo data for the demo city (Weifang), loaded by ``python manage.py seed_demo``.

The data lives in plain Python modules next to this one; ``seeds.loader`` writes it
to the database. Every demo account shares one password, listed below so that the
run command and the README can print the logins.
"""

DEMO_PASSWORD = "Weifang@2026"

DEMO_URL = "http://127.0.0.1:8000/"

# (role, username, password) for the logins shown on the console and in the README.
DEMO_LOGINS = [
    ("企业用户", "qiye", DEMO_PASSWORD),
    ("服务专员（A角）", "zhuanyuan", DEMO_PASSWORD),
    ("服务专员（B角）", "zhuanyuan_b", DEMO_PASSWORD),
    ("部门经办人", "jingban", DEMO_PASSWORD),
    ("市级督导", "dudao", DEMO_PASSWORD),
    ("奎文区督导", "dudao_kw", DEMO_PASSWORD),
    ("坊子区督导", "dudao_fz", DEMO_PASSWORD),
    ("管理员", "admin", DEMO_PASSWORD),
]
