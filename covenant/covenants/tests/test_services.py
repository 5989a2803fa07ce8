import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from covenant.covenants import services
from covenant.covenants.models import Covenant, Membership, Organisation


@pytest.fixture
def covenant(db):
    return services.covenant_create(
        name="Test", slug="test", sector="Metal", start_date=dt.date(2019, 7, 1), number_of_years=5
    )


def test_it_creates_the_years_with_labels(covenant):
    years = list(covenant.years.order_by("number"))
    assert [y.number for y in years] == [1, 2, 3, 4, 5]
    assert years[3].label == "2022-2023"
    assert years[3].start == dt.date(2022, 7, 1)
    assert years[3].end == dt.date(2023, 6, 30)


def test_it_refuses_a_duplicate_organisation_in_the_same_covenant(covenant):
    services.organisation_add(covenant=covenant, name="Acme Metals", kind="company")
    count = Organisation.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.organisation_add(covenant=covenant, name="  acme   METALS ", kind="company")
    assert "already an organisation of this covenant" in str(exc.value)
    assert Organisation.objects.count() == count


def test_it_reuses_an_organisation_of_another_covenant(covenant):
    other = services.covenant_create(
        name="Other",
        slug="other",
        sector="Stone",
        start_date=dt.date(2023, 1, 1),
        number_of_years=3,
    )
    first, created = services.organisation_add(covenant=other, name="Acme Metals", kind="company")
    again, created_again = services.organisation_add(
        covenant=covenant, name="Acme Metals", kind="company"
    )
    assert created and not created_again
    assert again == first
    assert set(first.covenants.values_list("slug", flat=True)) == {"test", "other"}


def test_it_refuses_a_membership_that_leaves_before_it_joins(covenant):
    org, _ = services.organisation_add(covenant=covenant, name="Acme", kind="company")
    with pytest.raises(ValidationError) as exc:
        services.membership_create(
            covenant=covenant, organisation=org, joined_in_year=4, leaves_after_year=2
        )
    assert exc.value.message_dict["leaves_after_year"] == [
        "A membership cannot end before the year in which it starts."
    ]
    assert not Membership.objects.filter(covenant=covenant).exists()


@pytest.mark.parametrize(
    "joined,leaves,field",
    [(6, None, "joined_in_year"), (0, None, "joined_in_year"), (1, 9, "leaves_after_year")],
)
def test_it_refuses_a_year_outside_the_covenant(covenant, joined, leaves, field):
    org, _ = services.organisation_add(covenant=covenant, name="Acme", kind="company")
    with pytest.raises(ValidationError) as exc:
        services.membership_create(
            covenant=covenant, organisation=org, joined_in_year=joined, leaves_after_year=leaves
        )
    assert "outside this covenant, which has years 1 to 5" in exc.value.message_dict[field][0]
    assert not Membership.objects.filter(covenant=covenant).exists()


def test_it_refuses_a_second_membership_of_the_same_organisation(covenant):
    org, _ = services.organisation_add(covenant=covenant, name="Acme", kind="company")
    services.membership_create(covenant=covenant, organisation=org, joined_in_year=1)
    with pytest.raises(ValidationError, match="already a member"):
        services.membership_create(covenant=covenant, organisation=org, joined_in_year=2)


def test_it_refuses_a_membership_of_an_organisation_not_listed_in_the_covenant(covenant):
    org = Organisation.objects.create(name="Elsewhere", kind="company")
    with pytest.raises(ValidationError, match="first"):
        services.membership_create(covenant=covenant, organisation=org, joined_in_year=1)


def test_ending_a_membership_keeps_it_in_earlier_years(covenant):
    org, _ = services.organisation_add(covenant=covenant, name="Acme", kind="company")
    m = services.membership_create(covenant=covenant, organisation=org, joined_in_year=1)
    services.membership_update(membership=m, joined_in_year=1, leaves_after_year=3)
    assert Membership.objects.in_year(3).filter(pk=m.pk).exists()
    assert not Membership.objects.in_year(4).filter(pk=m.pk).exists()


def test_a_year_may_not_overlap_the_next(covenant):
    year = covenant.years.get(number=2)
    with pytest.raises(ValidationError) as exc:
        services.covenant_year_update(
            year=year, start=year.start, end=dt.date(2021, 8, 1), label=year.label
        )
    assert "end" in exc.value.message_dict
    year.refresh_from_db()
    assert year.end == dt.date(2021, 6, 30)


def test_adding_a_year_extends_the_covenant(covenant):
    year = services.covenant_year_add(covenant=covenant)
    assert (year.number, year.label, year.start) == (6, "2024-2025", dt.date(2024, 7, 1))
    assert Covenant.objects.get(pk=covenant.pk).number_of_years == 6


def test_a_covenant_cannot_succeed_itself(covenant):
    with pytest.raises(ValidationError):
        services.covenant_update(covenant=covenant, successor=covenant)
