"""What a long-lived web process does once it has loaded the portal."""

import gc


def freeze_loaded() -> None:
    """Move every object alive now (Django, the apps, their models, URL patterns and templates loaded so
    far) out of the garbage collector's generations. A full collection otherwise walks them all, about
    120,000 objects and 85 ms on the bench machine: a pause that was the slowest fetch of the heavier
    list pages (the department queue's text search: 200–220 ms against a median of 100–110 ms). They live
    as long as the process anyway. gunicorn's workers call it once loaded (gunicorn.conf.py), and
    ``manage.py bench`` once it has signed its people in."""
    gc.collect()
    gc.freeze()
