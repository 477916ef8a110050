from django.urls import reverse

from .conftest import edition_items, form_data, make_assessment


def test_flow(client, world, cycle):
    client.force_login(world.official)
    r = client.get(reverse("assessments:assessment-mine"))
    assert r.status_code == 200, r.content
    r = client.post(reverse("assessments:assessment-start"))
    assert r.status_code == 302
    edit = r["Location"]
    r = client.get(edit)
    assert r.status_code == 200
    a = world.official.assessments.get()
    items = edition_items(cycle)
    r = client.post(edit, form_data(a, {items[0].pk: "2", items[1].pk: ("na", "not my job")}))
    assert r.status_code == 302, r.content.decode()[:3000]
    r = client.get(edit)
    assert r.status_code == 200
    b = make_assessment(world.colleague, cycle, state="submitted")
    client.force_login(world.other_supervisor)
    r = client.get(reverse("assessments:assessment-review", args=[b.pk]))
    assert r.status_code == 200
    for name in ["assessment-detail", "assessment-results", "assessment-results-pdf"]:
        r = client.get(reverse(f"assessments:{name}", args=[b.pk]))
        assert r.status_code == 200, name
    r = client.get(reverse("assessments:team-list"))
    assert r.status_code == 200
    client.force_login(world.manager)
    r = client.get(reverse("assessments:office-list"))
    assert r.status_code == 200
    r = client.get(reverse("home"))
    assert r.status_code == 200
