"""The portal's URLs plus the benchmark floor (only ``manage.py bench`` serves these)."""

from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns

from .targets import floor_view

urlpatterns = [path("bench/floor/", floor_view, name="bench_floor"), *portal_urlpatterns]
