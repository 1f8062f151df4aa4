import pytest
from mergers.models import Merger, Agency, Programme

@pytest.mark.django_db
def test_pages(client, editor, quang_ninh):
    client.force_login(editor)
    m = Merger.objects.first()
    a = Agency.objects.first()
    p = Programme.objects.first()
    for url in ["/mergers/", "/mergers/?ordering=-reduction_pct", f"/mergers/{m.pk}/", "/mergers/new/", "/mergers/new/?programme=khoi-mttq&district=193",
                "/agencies/", f"/agencies/{a.pk}/", f"/agencies/{a.pk}/edit/", "/agencies/new/",
                "/programmes/", f"/programmes/{p.code}/", f"/programmes/{p.code}/edit/", "/programmes/new/",
                "/headcounts/", "/headcounts/entry/", "/headcounts/entry/?district=193&as_of=01/01/2019", "/headcounts/import/", "/headcounts/template.xlsx?district=193&as_of=01/01/2019"]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
    r = client.get(f"/mergers/{m.pk}/")
    print(r.content.decode()[-6000:])
