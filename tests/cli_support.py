"""What the CLI tests share: each runs in its own temporary directory (the fixture
`in_temporary_directory`, in tests/conftest.py), calls `main([...])` in-process and reads
what it printed, so what a command writes (or must not write) can be seen there.
"""

import re
import xml.etree.ElementTree as ET

from viz.cli import main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_valid_svg(path, *texts):
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    content = path.read_text(encoding="utf-8")
    for text in texts:
        assert text in content


def row(out, name, *numbers):
    """Whether the table in `out` has a row: name, then the numbers, cell by cell."""
    cells = r"\s*│\s*".join(re.escape(cell) for cell in (name, *numbers))
    return re.search(rf"│\s*{cells}\s*│", out) is not None
