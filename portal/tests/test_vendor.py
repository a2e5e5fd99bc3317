"""static/vendor/MANIFEST.json lists every third-party file the portal serves, with its origin, SHA-256
and licence, and the licence and NOTICE files those licences require are shipped beside them."""

import hashlib
import json
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"
MANIFEST = json.loads((VENDOR / "MANIFEST.json").read_text())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _entries(kind: str) -> dict[str, dict]:
    return {name: entry for package in MANIFEST["packages"] for name, entry in package[kind].items()}


def test_every_vendored_file_is_in_the_manifest():
    on_disk = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file()} - {"MANIFEST.json"}
    listed = set(_entries("files")) | set(_entries("licence_files"))
    assert on_disk - listed == set(), "add these files to static/vendor/MANIFEST.json"
    assert listed - on_disk == set(), "the manifest lists files that are not there"


def test_every_vendored_file_matches_its_checksum():
    for name, entry in {**_entries("files"), **_entries("licence_files")}.items():
        assert _sha256(VENDOR / name) == entry["sha256"], f"{name} changed: update the manifest with its origin"


def test_every_package_says_where_it_comes_from_and_ships_its_licence():
    for package in MANIFEST["packages"]:
        assert package["name"] and package["version"] and package["licence"], package
        assert package["source"].startswith("npm ") and package["tarball"].startswith("https://registry.npmjs.org/")
        assert len(package["tarball_sha256"]) == 64
        assert package["licence_files"], f"{package['name']} has no licence file"
        for name in [*package["files"], *package["licence_files"]]:
            assert name.split("/")[0].endswith(f"-{package['version']}"), (package["name"], name)
        for entry in package["files"].values():
            # A file changed from upstream says how.
            assert entry["sha256"] == entry["upstream_sha256"] or entry.get("change"), entry


def test_apache_licensed_packages_ship_their_notice():
    for package in MANIFEST["packages"]:
        if package["licence"] == "Apache-2.0":
            assert any(name.endswith("/NOTICE") for name in package["licence_files"]), package["name"]


def test_bundled_libraries_ship_their_licences():
    licence_files = set(_entries("licence_files"))
    assert "bootstrap-5.3.8/LICENSE-popper" in licence_files  # the bundle includes Popper
    assert "echarts-5.6.0/LICENSE-zrender" in licence_files  # and ECharts its renderer
    assert "Federico Zivolo" in (VENDOR / "bootstrap-5.3.8" / "LICENSE-popper").read_text()
