"""The demo's year-4 figures are the seed's, computed by the selectors from the submissions."""

from covenant.conftest import user_for
from covenant.monitoring import selectors
from covenant.monitoring.models import Cycle


def figures(demo, number, role="secretariat"):
    cycle = Cycle.objects.get(covenant=demo, year__number=number)
    return {
        r.indicator.code: r for r in selectors.figure_list(cycle=cycle, fetched_by=user_for(role))
    }


def fraction(row):
    return (row.figure.numerator, row.figure.denominator)


def test_year_four_reproduces_the_seed(demo):
    rows = figures(demo, 4)
    assert fraction(rows["policy_published"]) == (11, 12)
    assert fraction(rows["self_assessment"]) == (8, 11)
    assert fraction(rows["risk_analysis"]) == (7, 11)


def test_one_company_joined_in_year_four_and_is_not_monitored(demo):
    cycle = Cycle.objects.get(covenant=demo, year__number=4)
    population = selectors.cycle_population(cycle=cycle)
    assert [o.name for o in population.joined_this_year] == ["Metaalrecycling Rijnmond B.V."]
    assert len(population.monitored) == 11
    assert len(population.members_end) == 12


def test_year_two_had_six_of_nine_companies_with_a_policy(demo):
    assert fraction(figures(demo, 2)["policy_published"]) == (6, 9)


def test_the_figures_computed_now_equal_the_frozen_ones(demo):
    cycle = Cycle.objects.get(covenant=demo, year__number=4)
    live = {r.indicator.code: fraction(r) for r in selectors.compute_figures(cycle=cycle)}
    frozen = {k: (v["numerator"], v["denominator"]) for k, v in cycle.frozen_figures.items()}
    assert live == frozen


def test_only_the_secretariat_sees_the_companies_behind_a_figure(demo):
    assert len(figures(demo, 4)["risk_analysis"].organisation_ids) == 7
    assert figures(demo, 4, "stakeholder")["risk_analysis"].organisation_ids == []
    assert fraction(figures(demo, 4, "stakeholder")["risk_analysis"]) == (7, 11)


def test_the_target_figure_is_suppressed_when_too_few_companies_answered(demo):
    # Year 5 is open: one company (or none) has submitted its self-assessment so far.
    rows = figures(demo, 5, "stakeholder")
    assert rows["score_at_target"].figure.suppressed
    assert rows["score_overall"].figure.suppressed
    assert not figures(demo, 5, "secretariat")["score_at_target"].figure.suppressed
