"""Label text for DOT: every label shown literally, never parsed as DOT, record syntax or markup.

Owns the escaping of text into a record field (`escape_record_field`) and
into a plain DOT label (`escape_text`), which both views of a drawing use for
every label, so no label can break or inject into the DOT source. Imports
`graphviz` and `viz.names`; never the CLI.
"""

import graphviz

from viz.names import printable

# Characters with a meaning inside a record label (or a DOT string): each gets a backslash.
_RECORD_SPECIAL = frozenset('\\"{}|<> ')


def _lines(text):
    """`text` split into lines, each shown literally: tabs as spaces, control and other
    non-printable characters (which XML cannot hold) as escapes, `&` as `&amp;`.

    Graphviz decodes character references (`&#1;`, `&amp;`) in every label, so
    an `&` left alone would let a label write a raw control byte or a lone
    surrogate into the SVG, which no XML parser reads; escaped, it is drawn
    as typed. Blank lines (empty or only spaces and tabs) at the start and the
    end are dropped.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").split("\n")
    # Blank lines at the start or end would only push the text off centre. And Graphviz
    # drops the spaces that open a record field, so a first line of spaces is a field
    # that starts with a line break: Graphviz draws it, but it corrupts its own memory
    # doing so, and the next render in the same embedded instance traps.
    while len(lines) > 1 and not lines[0].strip(" "):
        del lines[0]
    while len(lines) > 1 and not lines[-1].strip(" "):
        del lines[-1]
    return [printable(line).replace("&", "&amp;") for line in lines]


def escape_record_field(text):
    r"""`text` as one field of a record label: shown literally, never parsed.

    Record labels give `{ } | < >` a meaning and DOT strings give `"` and `\`
    one, so each of those (and the space, which records would trim) gets a
    backslash. A newline becomes the DOT line break `\n`; other control
    characters are shown as escapes, since they are not even valid in SVG.
    """
    out = ["".join("\\" + ch if ch in _RECORD_SPECIAL else ch for ch in line) for line in _lines(text)]
    return "\\n".join(out)


def escape_text(text):
    r"""`text` as a plain DOT label (an escString): `\` and `"` escaped, newlines as `\n`."""
    out = [line.replace("\\", "\\\\").replace('"', '\\"') for line in _lines(text)]
    return graphviz.nohtml("\\n".join(out))
