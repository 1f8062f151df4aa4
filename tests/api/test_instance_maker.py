"""Instances made by filling their __dict__ (core.api.compiled.instance_maker) are the ones
Model.from_db makes, for every model of the project; where they could differ, Django's way is
taken (issue 17)."""

import pytest
from django.apps import apps
from django.db import models
from django.db.models.signals import post_init, pre_init
from django.test.utils import isolate_apps

from core.api import compiled
from districts.models import District
from mergers.models import HeadcountRecord


def values_for(fields) -> tuple:
    """A value of its own for each field (from_db does not check them)."""
    return tuple(f"value-{i}" if not field.is_relation else 1000 + i for i, field in enumerate(fields))


def state(obj) -> dict:
    """The instance's ModelState: `fields_cache` is made on first use, so none is an empty one."""
    return {"fields_cache": {}, **vars(obj._state)}


def assert_same(made, expected) -> None:
    assert type(made) is type(expected)
    assert {k: v for k, v in vars(made).items() if k != "_state"} == {
        k: v for k, v in vars(expected).items() if k != "_state"
    }
    assert list(vars(made)) == list(vars(expected))  # the same attributes, in the same order
    assert state(made) == state(expected)
    assert made._state.adding is False and made._state.db == "default"


MODELS = sorted(apps.get_models(include_auto_created=True), key=lambda model: model._meta.label)
# A decision's scan is a FileField, whose descriptor makes a FieldFile of the value: Django's way.
BY_DJANGO = {"mergers.Decision"}


def test_only_the_models_with_a_file_are_made_by_django():
    made_by_django = {
        model._meta.label
        for model in MODELS
        if compiled.instance_maker(model, [field.attname for field in model._meta.concrete_fields]) is None
    }
    assert made_by_django == BY_DJANGO
    assert len(MODELS) > 30


@pytest.mark.parametrize(
    "model", [m for m in MODELS if m._meta.label not in BY_DJANGO], ids=lambda model: model._meta.label
)
def test_every_model_is_made_as_from_db_makes_it_whole_and_deferred(model):
    concrete = model._meta.concrete_fields
    whole = [field.attname for field in concrete]
    make = compiled.instance_maker(model, whole)
    values = values_for(concrete)
    assert_same(make("default", values), model.from_db("default", whole, values))
    if len(concrete) > 2:  # deferred: the primary key and every other field, in the fields' order
        some = [field for i, field in enumerate(concrete) if field.primary_key or i % 2]
        names = [field.attname for field in some]
        made = compiled.instance_maker(model, names)("default", values_for(some))
        expected = model.from_db("default", names, values_for(some))
        assert_same(made, expected)
        assert made.get_deferred_fields() == expected.get_deferred_fields() != set()


@isolate_apps("districts")
def test_a_model_with_its_own_ways_is_made_by_django():
    class Base(models.Model):
        class Meta:
            abstract = True
            app_label = "districts"

        def __str__(self):
            return "test"

    class OwnInit(Base):
        name = models.CharField(max_length=10)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.seen = True

    class OwnFromDb(Base):
        name = models.CharField(max_length=10)

        @classmethod
        def from_db(cls, db, field_names, values):
            return super().from_db(db, field_names, values)

    class WithFile(Base):
        upload = models.FileField()

    class OwnSetattr(Base):
        name = models.CharField(max_length=10)

        def __setattr__(self, name, value):
            super().__setattr__(name, value)

    class Plain(Base):
        name = models.CharField(max_length=10)

    for model in (OwnInit, OwnFromDb, WithFile, OwnSetattr):
        assert compiled.instance_maker(model, [f.attname for f in model._meta.concrete_fields]) is None, model
    assert compiled.instance_maker(Plain, ["id", "name"]) is not None


@pytest.mark.django_db
def test_a_page_is_made_by_the_maker_and_by_django_while_a_receiver_listens(quang_ninh):
    """The same records, agencies and districts either way; with a pre_init or post_init receiver
    connected, each instance is made by Django (the receiver hears every one)."""
    district = District.objects.get(code="193")

    def build(district):
        return (
            HeadcountRecord.objects.select_related("agency__district").filter(agency__district=district).order_by("pk")
        )

    def page():
        return compiled.compiled_objects(("test", "instance maker"), build, district=district.pk)

    expected = list(build(district.pk))
    assert len(expected) == 15

    def check(objects):
        assert len(objects) == len(expected)
        for got, orm in zip(objects, expected, strict=True):
            assert_same(got, orm)
            assert_same(got.agency, orm.agency)
            assert_same(got.agency.district, orm.agency.district)

    check(page())
    heard = []

    def receiver(sender, **kwargs):
        heard.append(sender)

    for signal in (pre_init, post_init):
        heard.clear()
        signal.connect(receiver)
        try:
            check(page())
        finally:
            signal.disconnect(receiver)
        assert sorted(model.__name__ for model in set(heard)) == ["Agency", "District", "HeadcountRecord"]
        assert len(heard) == 45
    heard.clear()
    check(page())
    assert heard == []


@pytest.mark.django_db
def test_a_made_instance_behaves_as_django_s(quang_ninh):
    """Its attributes' descriptors are the model's own: a deferred field is read from the database
    when asked for, a foreign key's id set anew forgets the cached object, save() updates."""
    record = HeadcountRecord.objects.select_related("agency").order_by("pk").first()
    names = ["id", "agency_id", "as_of"]
    made = compiled.instance_maker(HeadcountRecord, names)("default", (record.pk, record.agency_id, record.as_of))
    assert made.get_deferred_fields() == {"authorised", "actual", "source", "source_kind", "created_at", "version"}
    assert made.actual == record.actual  # read now, from the database
    HeadcountRecord._meta.get_field("agency").set_cached_value(made, record.agency)
    made.agency_id = record.agency_id  # the same id: the cached agency stays
    assert HeadcountRecord._meta.get_field("agency").is_cached(made)
    made.agency_id = record.agency_id + 1
    assert not HeadcountRecord._meta.get_field("agency").is_cached(made)
    whole = [field.attname for field in HeadcountRecord._meta.concrete_fields]
    row = HeadcountRecord.objects.filter(pk=record.pk).values_list(*whole).get()
    same = compiled.instance_maker(HeadcountRecord, whole)("default", row)
    same.source = "Báo cáo đã sửa"
    same.save(update_fields=["source"])  # an UPDATE of the row, not an INSERT
    assert HeadcountRecord.objects.get(pk=record.pk).source == "Báo cáo đã sửa"
