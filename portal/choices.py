"""Choice labels read once for a whole page or workbook.

``get_FOO_display()`` looks the value up in the field's choices again on every call and returns a lazy
translation; a list of 25 rows or a ledger of 10,000 rows needs each label only once."""

from django.db.models import Model


def choice_labels(model: type[Model], field: str) -> dict[str, str]:
    """``value -> label`` for one field's choices, as text in the active language."""
    return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}
