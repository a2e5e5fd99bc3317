"""Test helpers shared by every app (the browser-test pytest plugin lives in ``browser``)."""
