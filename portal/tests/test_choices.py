from django.utils import translation

from portal.choices import choice_labels
from portal.orgs.models import Region


def test_it_gives_each_value_its_label_as_text_in_the_active_language():
    with translation.override("zh-hans"):
        labels = choice_labels(Region, "level")
    assert labels == {"city": "市", "district": labels["district"], "town": "镇（街道）"}
    assert all(type(label) is str for label in labels.values())  # not lazy: no lookup per cell or row
    with translation.override("en"):
        assert choice_labels(Region, "level")["town"] == "Town / street"
