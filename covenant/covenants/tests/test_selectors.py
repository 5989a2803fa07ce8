from covenant.covenants import selectors
from covenant.covenants.models import Organisation


def names(memberships):
    return sorted(m.organisation.name for m in memberships)


def companies_in(covenant, year):
    return [
        m
        for m in selectors.membership_list(covenant=covenant, year=year)
        if m.organisation.kind == Organisation.Kind.COMPANY
    ]


def test_year_four_has_twelve_member_companies(demo):
    assert len(companies_in(demo, 4)) == 12


def test_one_company_joined_in_year_four_and_two_leave_after_it(demo):
    changes = {c.year.number: c for c in selectors.membership_changes(covenant=demo)}
    assert names(changes[4].joined) == ["Metaalrecycling Rijnmond B.V."]
    assert names(changes[4].leaving) == ["E-MAX", "Van Peperzeel"]


def test_companies_leaving_after_year_four_are_gone_in_year_five(demo):
    year5 = names(companies_in(demo, 5))
    assert len(year5) == 10
    assert "Van Peperzeel" not in year5
    assert "E-MAX" not in year5


def test_year_two_has_nine_member_companies(demo):
    assert len(companies_in(demo, 2)) == 9


def test_parties_are_grouped_by_kind_with_the_flags_of_the_year(demo):
    groups = {g.kind: g for g in selectors.parties_by_kind(covenant=demo, year=4)}
    rows = {r.membership.organisation.name: r for r in groups["company"].rows}
    assert rows["Metaalrecycling Rijnmond B.V."].joined_this_year
    assert rows["Van Peperzeel"].leaves_after_this_year
    assert not rows["Tata Steel"].joined_this_year
    assert [r.membership.organisation.name for r in groups["union"].rows] == ["CNV Internationaal"]


def test_the_years_of_the_demo_covenant_run_from_2019_to_2024(demo):
    labels = [y.label for y in selectors.covenant_year_list(covenant=demo)]
    assert labels == ["2019-2020", "2020-2021", "2021-2022", "2022-2023", "2023-2024"]


def test_organisation_list_is_empty_for_those_who_do_not_manage_the_covenant(
    demo, company, outsider, secretariat
):
    assert selectors.organisation_list(covenant=demo, fetched_by=company).count() == 0
    assert selectors.organisation_list(covenant=demo, fetched_by=outsider).count() == 0
    assert selectors.organisation_list(covenant=demo, fetched_by=secretariat).count() == 17
