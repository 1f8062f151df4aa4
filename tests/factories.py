"""factory_boy factories for tests: a province, districts, agency types, agencies ..."""

import datetime

import factory

from districts.choices import DistrictKind
from districts.models import District, Province
from mergers.choices import DecisionIssuer, DecisionKind, Sector, SourceKind
from mergers.models import Agency, AgencyType, Decision, HeadcountRecord, Programme


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = "22"
    name = "Quảng Ninh"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    province = factory.SubFactory(ProvinceFactory)
    code = factory.Sequence(lambda n: f"{500 + n}")
    name = factory.Sequence(lambda n: f"Huyện thử {n}")
    kind = DistrictKind.RURAL


class AgencyTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"loai-{n}")
    name = factory.Sequence(lambda n: f"Loại cơ quan {n}")
    name_en = factory.Sequence(lambda n: f"Agency type {n}")
    sector = Sector.PARTY


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    district = factory.SubFactory(DistrictFactory)
    agency_type = factory.SubFactory(AgencyTypeFactory)
    name = factory.Sequence(lambda n: f"Cơ quan {n}")
    established_on = datetime.date(2000, 1, 1)


class DecisionFactory(factory.django.DjangoModelFactory):
    """An entry of the decision register; the same number, issuer and date is the same entry."""

    class Meta:
        model = Decision
        django_get_or_create = ("number", "issuer", "date")

    number = factory.Sequence(lambda n: f"{n}-QĐ/TU")
    date = datetime.date(2015, 1, 1)
    issuer = DecisionIssuer.PROVINCIAL_PARTY
    kind = DecisionKind.DECISION


class ProgrammeFactory(factory.django.DjangoModelFactory):
    """A programme citing the register's entry for `decision_number` and `decided_on`."""

    class Meta:
        model = Programme
        skip_postgeneration_save = True

    class Params:
        decision_number = "1-QĐ/TU"
        decided_on = datetime.date(2015, 1, 1)

    code = factory.Sequence(lambda n: f"de-an-{n}")
    name = factory.Sequence(lambda n: f"Đề án {n}")
    decision = factory.SubFactory(
        DecisionFactory, number=factory.SelfAttribute("..decision_number"), date=factory.SelfAttribute("..decided_on")
    )
    result_type = factory.SubFactory(AgencyTypeFactory)

    @factory.post_generation
    def source_types(self, create, extracted, **kwargs):
        if create and extracted:
            self.source_types.set(extracted)


class HeadcountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HeadcountRecord

    agency = factory.SubFactory(AgencyFactory)
    as_of = datetime.date(2015, 1, 1)
    authorised = 10
    actual = None
    source = "test"
    source_kind = SourceKind.OFFICIAL
