"""The summary paragraph of an annual report, drafted from its figures in Dutch and English,
the way the metals covenant's news item does ("11 van de 12 bedrijven publiceerden …")."""

from __future__ import annotations

NUMBERS_NL = {1: "één", 2: "twee", 3: "drie", 4: "vier", 5: "vijf", 6: "zes", 7: "zeven",
              8: "acht", 9: "negen", 10: "tien", 11: "elf", 12: "twaalf"}  # fmt: skip
NUMBERS_EN = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
              8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve"}  # fmt: skip


def _cap_nl(n: int) -> str:
    # Dutch capitalises "één" at the start of a sentence as "Eén".
    word = NUMBERS_NL.get(n, str(n))
    return "Eén" if word == "één" else word.capitalize()


def _and(names: list[str], word: str) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {word} " + names[-1]


def _fraction(figures: dict, code: str) -> tuple[int, int] | None:
    f = figures.get(code, {}).get("public")
    if not f or f["suppressed"] or f["numerator"] is None:
        return None
    return int(f["numerator"]), int(f["denominator"])


def draft_summary(data: dict) -> tuple[str, str]:
    """Return the summary paragraph (Dutch, English) drafted from the report's data."""
    figures = {f["code"]: f for f in data.get("figures", [])}
    year = data["year"]["number"]
    nl, en = [], []
    policy = _fraction(figures, "policy_published")
    if policy:
        nl.append(f"Dit jaar publiceerden {policy[0]} van de {policy[1]} bedrijven hun IMVO-beleid")
        en.append(f"This year {policy[0]} of {policy[1]} companies published their RBC policy")
    assessment = _fraction(figures, "self_assessment")
    if assessment:
        nl.append(
            f"maakten {assessment[0]} bedrijven gebruik van de assessment tool om hun "
            "voortgang bij de toepassing van de OESO-richtlijnen te monitoren"
        )
        en.append(
            f"{assessment[0]} companies used the assessment tool to monitor their "
            "progress in applying the OECD Guidelines"
        )
    sentences_nl = [" en ".join(nl) + "."] if nl else []
    sentences_en = [" and ".join(en) + "."] if en else []
    joined = data["monitoring"].get("joined_not_monitored", [])
    if joined:
        n = len(joined)
        sentences_nl.append(
            f"{_cap_nl(n)} bedrijf sloot zich in jaar {year} aan en kon "
            "daarom nog niet meedoen aan de jaarlijkse monitoring."
            if n == 1
            else f"{_cap_nl(n)} bedrijven sloten zich in jaar {year} aan en "
            "konden daarom nog niet meedoen aan de jaarlijkse monitoring."
        )
        sentences_en.append(
            f"{NUMBERS_EN.get(n, n).capitalize()} company joined in year {year} and so "
            "could not yet take part in the annual monitoring."
            if n == 1
            else f"{NUMBERS_EN.get(n, n).capitalize()} companies joined in year {year} and so "
            "could not yet take part in the annual monitoring."
        )
    risk = _fraction(figures, "risk_analysis")
    if risk:
        sentences_nl.append(
            f"Ook leverden {risk[0]} van de {risk[1]} bedrijven een risicoanalyse aan."
        )
        sentences_en.append(f"{risk[0]} of {risk[1]} companies delivered a risk analysis.")
    leaving = data["parties"].get("leaving", [])
    if leaving:
        n = len(leaving)
        sentences_nl.append(
            f"Daarnaast hebben {NUMBERS_NL.get(n, n)} bedrijven ({_and(leaving, 'en')}) "
            f"aangegeven het convenant na jaar {year} te verlaten."
            if n > 1
            else f"Daarnaast heeft {leaving[0]} aangegeven het convenant na jaar {year} "
            "te verlaten."
        )
        sentences_en.append(
            f"{NUMBERS_EN.get(n, n).capitalize()} companies ({_and(leaving, 'and')}) said they "
            f"will leave the covenant after year {year}."
            if n > 1
            else f"{leaving[0]} said it will leave the covenant after year {year}."
        )
    return " ".join(sentences_nl), " ".join(sentences_en)
