"""Demo knowledge base: standard answers (快解快答) and policy notes (政策解读), loaded by ``seed_demo``
after the organisation. Loading twice changes nothing: an entry with the same title is left alone."""

from datetime import date

from django.contrib.auth import get_user_model

from issues.models import Category
from knowledge import notices, services
from knowledge.models import Entry, Kind
from portal.orgs.models import Department, EnterpriseSize, Industry

User = get_user_model()

# (kind, category code, title, text, issuing department, industry, size, valid until)
ENTRIES = [
    (
        Kind.ANSWER,
        "labour",
        "企业招聘技术工人可以找哪些渠道",
        "1. 市人社局每月举办“春风行动”专场招聘会，企业可在潍坊人社网上办事大厅免费报名设展位；\n"
        "2. 技工院校订单式培养：与市技师学院签订协议，学员结业后定向输送；\n"
        "3. 新招用就业困难人员可申请社保补贴。",
        "市人社局",
        "",
        "",
        None,
    ),
    (
        Kind.ANSWER,
        "finance",
        "小微企业流动资金贷款额度不足怎么办",
        "可向市金融办申请“潍企贷”政银担合作产品：单户最高1000万元，市级担保费率不超过1%。"
        "准备近两年财务报表和纳税证明，由服务专员协助对接合作银行。",
        "市金融办",
        "",
        EnterpriseSize.SMALL,
        None,
    ),
    (
        Kind.ANSWER,
        "approval",
        "施工许可证办理需要多长时间",
        "社会投资小型低风险项目施工许可证1个工作日内办结；一般项目在材料齐全后3个工作日内办结。"
        "通过市行政审批服务局“一网通办”提交，可在线查询进度。",
        "市行政审批服务局",
        "",
        "",
        None,
    ),
    (
        Kind.ANSWER,
        "infrastructure",
        "厂区新装大工业用电如何报装",
        "在“网上国网”提交用电报装申请，160千瓦以上高压用户由供电公司上门勘查，"
        "办电时间压缩至15个工作日以内；外线工程费用按政策由供电企业承担。",
        "市发改委",
        "",
        "",
        None,
    ),
    (
        Kind.ANSWER,
        "environment",
        "建设项目环评审批咨询",
        "对照《建设项目环境影响评价分类管理名录》确定编制报告书、报告表或登记表；"
        "登记表项目网上备案即可，报告表项目审批时限不超过10个工作日。",
        "市生态环境局",
        "",
        "",
        None,
    ),
    (
        Kind.POLICY,
        "policy",
        "制造业企业技术改造设备投资补助政策解读",
        "对年度设备投资额500万元以上的技术改造项目，按设备投资额的8%给予补助，单个项目最高500万元。"
        "申报时间为每年3月至5月，向所在区县工信部门提交。",
        "市工信局",
        Industry.MANUFACTURING,
        "",
        date(2026, 12, 31),
    ),
    (
        Kind.POLICY,
        "policy",
        "小微企业稳岗返还政策解读",
        "上年度未裁员或裁员率不高于规定标准的参保小微企业，按上年度实际缴纳失业保险费的60%返还。"
        "无需申请，符合条件的企业由人社部门“免申即享”直接发放。",
        "市人社局",
        "",
        EnterpriseSize.SMALL,
        date(2026, 12, 31),
    ),
    (
        Kind.POLICY,
        "talent",
        "高层次人才引进安家补贴政策解读",
        "企业全职引进的高层次人才，按层次给予最高100万元安家补贴，分三年发放；"
        "企业通过市人才服务中心申报，材料审核时间不超过20个工作日。",
        "市科技局",
        "",
        "",
        None,
    ),
]


def load(stdout) -> None:
    author = User.objects.filter(username="dudao").first()
    if author is None:
        stdout.write("No city supervisor: the knowledge base was not seeded.\n")
        return
    categories = {c.code: c for c in Category.objects.all()}
    created = 0
    for kind, code, title, body, department, industry, size, valid_until in ENTRIES:
        if Entry.objects.filter(title=title).exists():
            continue
        entry = services.entry_create(
            actor=author,
            publish=True,
            kind=kind,
            title=title,
            body=body,
            category=categories.get(code),
            department=Department.objects.filter(name=department).first(),
            industry=industry,
            size=size,
            valid_until=valid_until,
        )
        if kind == Kind.POLICY:
            notices.policy_notify(entry_id=entry.pk)  # at once, whether or not a worker is running
        created += 1
    stdout.write(f"Knowledge base: {len(ENTRIES)} entries ({created} new).\n")
