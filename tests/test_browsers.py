"""The browsers we support are written once, in package.json (the list the
stylesheet's check reads), and the README quotes them as they are."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_quotes_the_browserslist_of_package_json():
    query = json.loads((ROOT / "package.json").read_text())["browserslist"]
    readme = (ROOT / "README.md").read_text()
    quoted = re.search(r"```browserslist\n(.*?)\n```", readme, re.S)
    assert quoted, "README.md has no ```browserslist block"
    assert quoted.group(1).splitlines() == query
