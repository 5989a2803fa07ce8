"""Rendering of report text and charts: Markdown to safe HTML, Markdown to typst (user text is
always a typst string, never markup), and Vega-Lite charts as SVG for page and PDF alike."""

from __future__ import annotations

from markdown_it import MarkdownIt

from covenant.lib import charts

_md = MarkdownIt("commonmark", {"html": False}).disable(["image", "html_block", "html_inline"])


def markdown_html(text: str, base_level: int = 3) -> str:
    """Return the narrative text as HTML; raw HTML is shown as text, unsafe links dropped.

    Headings in the text start at `base_level`, below the section's own heading.
    """
    html = _md.render(text or "")
    for level in range(6, 0, -1):
        new = min(level + base_level - 1, 6)
        html = html.replace(f"<h{level}>", f"<h{new}>").replace(f"</h{level}>", f"</h{new}>")
    return html


def typst_str(text: str) -> str:
    """Return `text` as a typst string literal: shown as is, never evaluated."""
    escaped = (text or "").replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\r", "").replace("\n", "\\n").replace("\t", " ")
    return f'"{escaped}"'


def _inline_typst(children) -> str:
    out = []
    stack = []
    for tok in children or []:
        if tok.type == "text" or tok.type == "code_inline":
            out.append(f"#{typst_str(tok.content)}")
        elif tok.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif tok.type == "strong_open":
            stack.append(out)
            out = []
        elif tok.type == "strong_close":
            inner = "".join(out)
            out = stack.pop()
            out.append(f"#strong[{inner}]")
        elif tok.type == "em_open":
            stack.append(out)
            out = []
        elif tok.type == "em_close":
            inner = "".join(out)
            out = stack.pop()
            out.append(f"#emph[{inner}]")
        elif tok.type == "link_open":
            stack.append(out)
            out = [f"\x00{tok.attrGet('href') or ''}\x00"]
        elif tok.type == "link_close":
            href = out[0].strip("\x00")
            inner = "".join(out[1:])
            out = stack.pop()
            if href.startswith(("http://", "https://", "mailto:")):
                out.append(f"#link({typst_str(href)})[{inner}]")
            else:
                out.append(inner)
    while stack:  # unbalanced markup: keep the text
        inner = "".join(out)
        out = stack.pop()
        out.append(inner)
    return "".join(out)


def markdown_typst(text: str, base_level: int = 2) -> str:
    """Return the narrative text as typst markup in which every piece of user text is a string."""
    tokens = _md.parse(text or "")
    lines: list[str] = []
    list_items: list[str] | None = None
    ordered = False
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            level = min(int(tok.tag[1]) + base_level - 1, 6)
            lines.append(f"#heading(level: {level})[{_inline_typst(tokens[i + 1].children)}]")
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            list_items, ordered = [], tok.type == "ordered_list_open"
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            fn = "enum" if ordered else "list"
            lines.append(f"#{fn}(" + ", ".join(f"[{x}]" for x in list_items or []) + ")")
            list_items = None
        elif tok.type == "inline" and tokens[i - 1].type == "paragraph_open":
            content = _inline_typst(tok.children)
            if list_items is not None:
                list_items.append(content)
            else:
                lines.append(content + "\n")
        elif tok.type in ("fence", "code_block"):
            lines.append(f"#raw({typst_str(tok.content)}, block: true)\n")
    return "\n".join(lines)


_svg = charts.svg  # kept under this name for bench/annual_report.py


def bar_chart_svg(rows: list[dict], *, x: str, y: str, title: str, percent: bool = False) -> str:
    """Return a Vega-Lite bar chart as SVG (vector, no JavaScript needed)."""
    import altair as alt

    axis = alt.Axis(format=".0f", title=None)
    chart = (
        alt.Chart(alt.Data(values=rows), title=title)
        .mark_bar(color="#0b5cab")
        .encode(
            x=alt.X(f"{x}:N", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                f"{y}:Q", axis=axis, scale=alt.Scale(domain=[0, 100]) if percent else alt.Undefined
            ),
            tooltip=[f"{x}:N", f"{y}:Q"],
        )
        .properties(width=420, height=180)
    )
    return _svg(chart.to_json())
