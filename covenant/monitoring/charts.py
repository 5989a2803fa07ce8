"""Charts of a company's monitoring parts (Vega-Lite, rendered to SVG on the server)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from covenant.lib.charts import svg
from covenant.monitoring.selectors import PeerScores


def score_chart(history: list[tuple[str, float]], peers: PeerScores, target: int) -> str:
    """The company's overall score per year as bars, with this year's peer group (median as a
    tick, the middle half as a band) when it may be shown, and the target as a rule."""
    import altair as alt

    if not history:
        return ""
    rows = [{"year": label, "score": score, "who": _("your company")} for label, score in history]
    base = alt.Chart(alt.Data(values=rows))
    bars = base.mark_bar(color="#0b5cab", size=28).encode(
        x=alt.X("year:N", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("score:Q", title=_("overall score (%)"), scale=alt.Scale(domain=[0, 100])),
        tooltip=["year:N", "score:Q"],
    )
    layers = [bars]
    target_rule = (
        alt.Chart(alt.Data(values=[{"target": target}]))
        .mark_rule(color="#a4161a", strokeDash=[4, 3])
        .encode(y="target:Q")
    )
    layers.append(target_rule)
    if not peers.suppressed and peers.median is not None:
        current = history[-1][0]
        peer = [{"year": current, "q1": peers.q1, "q3": peers.q3, "median": peers.median}]
        band = alt.Chart(alt.Data(values=peer)).mark_bar(color="#f0a500", opacity=0.35, size=40)
        layers.append(band.encode(x=alt.X("year:N", sort=None), y="q1:Q", y2="q3:Q"))
        tick = alt.Chart(alt.Data(values=peer)).mark_tick(color="#7a4b00", thickness=3, size=40)
        layers.append(tick.encode(x=alt.X("year:N", sort=None), y="median:Q"))
    chart = alt.layer(*layers).properties(
        width=max(160, 70 * len(history)),
        height=180,
        title=_("Overall score per year"),
    )
    return svg(chart.to_json())


def risk_matrix_chart(grid: list[list[int]]) -> str:
    """The register's risks as a heat map of severity (4 at the top) by likelihood."""
    import altair as alt

    rows = [
        {"severity": 4 - i, "likelihood": j + 1, "risks": n}
        for i, line in enumerate(grid)
        for j, n in enumerate(line)
    ]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("likelihood:O", title=_("likelihood")),
        y=alt.Y("severity:O", title=_("severity"), sort="descending"),
    )
    top = max(1, *(n for line in grid for n in line))
    shade = alt.Color(
        "risks:Q", scale=alt.Scale(domain=[1, top], range=["#f7c59f", "#b3261e"]), legend=None
    )
    heat = base.mark_rect(stroke="#c9ced6").encode(
        color=alt.condition("datum.risks == 0", alt.value("#ffffff"), shade)
    )
    text = (
        base.transform_filter("datum.risks > 0")
        .mark_text(fontSize=14)
        .encode(
            text=alt.Text("risks:Q"),
            color=alt.condition(f"datum.risks > {top / 2}", alt.value("white"), alt.value("black")),
        )
    )
    return svg(alt.layer(heat, text).properties(width=200, height=200).to_json())
