"""HTML building blocks of the report: escaping, numbers, intervals, tables and a small Markdown subset."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

# ---------------------------------------------------------------------------- formatting


def esc(value: Any) -> str:
    """Text escaped for HTML."""
    return html.escape(str(value), quote=True)


def fmt(x: Any) -> str:
    """A number with digits that suit its size; '–' for missing values."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        return esc(x)
    if math.isnan(x):
        return "–"
    size = abs(x)
    digits = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 1 else 3
    return f"{round(x, digits) + 0.0:,.{digits}f}"  # + 0.0: a number that rounds to -0 shows no sign


def interval(low: Any, high: Any) -> str:
    """A 95% confidence interval as text, '–' when unknown (fewer than two replications)."""
    if pd.isna(low) or pd.isna(high):
        return "–"
    return f"{fmt(low)} to {fmt(high)}"


def decimals(half_width: Any, value: Any = 0.0) -> int:
    """Decimal places for a number with an interval: two significant digits of the half-width
    (negative: round to tens, hundreds, ...), or three of the value when there is no interval."""
    h = abs(float(half_width)) if not pd.isna(half_width) else 0.0
    size = h if h > 0 else abs(float(value)) if not pd.isna(value) else 0.0
    if size == 0 or not math.isfinite(size):
        return 0
    return min(6, (1 if h > 0 else 2) - math.floor(math.log10(size)))


def rounded(x: Any, places: int, plus: bool = False) -> str:
    """``x`` rounded to ``places`` decimals (tens, hundreds for negative places); a number that
    rounds to zero is '0', never '-0.00' or '+0'; ``plus`` puts '+' before positive numbers."""
    if pd.isna(x):
        return "–"
    value = round(float(x), places)
    if value == 0:
        return "0"
    text = f"{abs(value):,.{max(places, 0)}f}"
    return ("-" if value < 0 else "+" if plus else "") + text


def difference(mean: Any, low: Any, high: Any) -> tuple[str, str]:
    """A difference and its interval as text, rounded alike to the interval's precision."""
    half = (float(high) - float(low)) / 2 if not (pd.isna(low) or pd.isna(high)) else math.nan
    places = decimals(half, mean)
    ci = "–" if math.isnan(half) else f"{rounded(low, places)} to {rounded(high, places)}"
    return rounded(mean, places, plus=True), ci


def excludes_zero(low: Any, high: Any) -> bool:
    """Whether a confidence interval lies wholly above or wholly below 0."""
    return not (pd.isna(low) or pd.isna(high)) and (float(low) > 0 or float(high) < 0)


def table(header: Sequence[str], rows: Iterable[Sequence[str]], classes: Iterable[str] = ()) -> str:
    """An HTML table; cells are given as HTML (escape text first), numbers marked ``num``."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    rows, classes = list(rows), list(classes)
    classes += [""] * (len(rows) - len(classes))
    body = []
    for row, cls in zip(rows, classes, strict=True):
        cells = "".join(f'<td class="num">{c}</td>' if _numeric(c) else f"<td>{c}</td>" for c in row)
        body.append(f'<tr class="{cls}">{cells}</tr>' if cls else f"<tr>{cells}</tr>")
    table_html = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f'<div class="scroll">{table_html}</div>'


def _numeric(cell: str) -> bool:
    """Whether a table cell holds a number (or an interval, a percentage, '–'): right-aligned."""
    return bool(re.fullmatch(r"[-+−–]?[\d,.]+( to [-+]?[\d,.]+)?%?|–", cell))


def frame_table(frame: pd.DataFrame) -> str:
    """A whole DataFrame as an HTML table (numbers formatted, text escaped)."""
    rows = [[fmt(v) if isinstance(v, float) else esc(v) for v in r] for r in frame.itertuples(index=False)]
    return table(list(frame.columns), rows)


# ---------------------------------------------------------------------------- markdown subset


def _inline(text: str) -> str:
    """Inline markdown of the template: `code`, **bold**, *italic* (after escaping)."""
    text = esc(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?!\w)", r"<em>\1</em>", text)


def render_markdown(text: str, shift: int = 0) -> str:
    """HTML of a small markdown subset: headings, paragraphs, bullet lists, fenced code."""
    out: list[str] = []
    para: list[str] = []
    items: list[str] = []
    code: list[str] | None = None

    def flush() -> None:
        """Close the open paragraph or list."""
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        if code is not None:
            if line.startswith("```"):
                out.append(f"<pre>{esc(chr(10).join(code))}</pre>")
                code = None
            else:
                code.append(line)
        elif line.startswith("```"):
            flush()
            code = []
        elif heading := re.match(r"^(#{1,6})\s+(.*)", line):
            flush()
            level = min(6, len(heading[1]) + shift)
            out.append(f"<h{level}>{_inline(heading[2])}</h{level}>")
        elif line.startswith("- "):
            if para:
                flush()
            items.append(line[2:].strip())
        elif not line.strip():
            flush()
        elif items and line.startswith("  "):
            items[-1] += " " + line.strip()
        else:
            if items:
                flush()
            para.append(line.strip())
    flush()
    return "\n".join(out)
