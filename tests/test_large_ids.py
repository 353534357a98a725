"""Ids of 1000 and more must not be printed with the Vietnamese thousands separator ("1.234")
in links and form values: the next request would not find the object. PostgreSQL sequences
reach such ids quickly."""

import re

from django.urls import reverse

from tests import factories as f


def test_links_and_choices_carry_plain_ids(client, world):
    unit = f.OrgUnitFactory(code="BIG", name="Huyện Số Lớn", parent=world.province)
    sub = f.SubAgreementFactory(id=12345, parent=world.plan, org_unit=unit)
    officer = f.UserFactory(username="doan.big")
    f.MembershipFactory(user=officer, org_unit=unit)
    client.force_login(officer)
    page = client.get(reverse("activities:month_list", args=[sub.pk])).content.decode()
    assert "unit=12345" in page
    template = client.get(f"{reverse('activities:import_template')}?unit=12345")
    assert template.status_code == 200
    client.force_login(world.staff)
    documents = client.get(reverse("pdf:index")).content.decode()
    assert 'value="12345"' in documents
    for body in (page, documents):
        assert not re.search(r"=12\.345\b", body)
