"""The request categories (docs/requests.md, "Categories"), kept present after every migrate and database flush."""

CATEGORIES = [
    ("policy", "政策", "Policy"),
    ("finance", "融资", "Financing"),
    ("labour", "用工", "Labour"),
    ("talent", "人才", "Talent"),
    ("land", "土地", "Land"),
    ("approval", "审批手续", "Approvals and permits"),
    ("infrastructure", "基础设施 水电气暖路", "Infrastructure (water, power, gas, heating, roads)"),
    ("environment", "环保", "Environmental protection"),
    ("market", "市场", "Market"),
    ("legal", "法律", "Legal"),
    ("other", "其他", "Other"),
]


def ensure_categories(sender=None, using="default", **kwargs) -> None:
    """Create the categories that are missing; never changes ones an administrator edited."""
    from .models import Category

    existing = set(Category.objects.using(using).values_list("code", flat=True))
    created = Category.objects.using(using).bulk_create(
        [
            Category(code=code, name=name, name_en=name_en, sort_order=order)
            for order, (code, name, name_en) in enumerate(CATEGORIES)
            if code not in existing
        ]
    )
    if created and using == "default":
        from portal.orgs import listing

        listing.changed()  # the categories are kept with the listing (bulk_create sends no signal)
