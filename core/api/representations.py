"""NetBox-style representations, so that generic clients read every object the same way.

- Every object carries `url` (its detail endpoint, absolute) and `display` (its name as the
  pages show it: `str(obj)`, so one name for a district everywhere, `District.full_name`).
- A foreign key reads as a brief object, `{"id", "url", "display"}` plus the natural key
  (`code` for districts, provinces, programmes and agency types), and is written as that key
  alone, as before (or as the brief object itself, whose key is read).
- `?brief=1` answers those brief objects; `?fields=a,b` only the fields named.
"""

from urllib.parse import quote

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

MSG_UNKNOWN_FIELDS = _("Không có trường “%(names)s”. Các trường: %(allowed)s.")
MSG_BAD_BRIEF = _("Giá trị của brief phải là 1, true, 0 hoặc false, không phải “%(value)s”.")
BRIEF_TRUE = ("1", "true", "True", "yes")
BRIEF_VALUES = (*BRIEF_TRUE, "0", "false", "False", "no", "")


# A key every detail route accepts (ids, GSO codes, programme codes) and no path holds besides.
_MARK = "7417417417"
_ROUTES: dict[tuple, tuple[str, str] | None] = {}


def _route_parts(route: str, lookup: str) -> tuple[str, str] | None:
    """The route's path before and after its key, reversed once per URL configuration and
    script prefix: a 50-row page of mergers names 500 objects, and reversing each URL cost a
    fifth of the answer. None when the key cannot be cut out (then each URL is reversed)."""
    key = (get_urlconf(), get_script_prefix(), get_language(), route, lookup)
    if key not in _ROUTES:
        parts = reverse(route, kwargs={lookup: _MARK}).split(_MARK)
        _ROUTES[key] = (parts[0], parts[1]) if len(parts) == 2 else None
    return _ROUTES[key]


def route_path(route: str, lookup: str, value) -> str:
    """`reverse(route, kwargs={lookup: value})`, the same path, without reversing every time."""
    parts = _route_parts(route, lookup)
    if parts is None:
        return reverse(route, kwargs={lookup: value})
    return f"{parts[0]}{quote(str(value), safe=RFC3986_SUBDELIMS + '/~:@')}{parts[1]}"  # reverse()'s own quoting


def _plain(value) -> bool:
    """A key that neither quoting nor `build_absolute_uri` changes (an id, a GSO code, a slug)."""
    return type(value) is int or (
        isinstance(value, str) and value != "" and value.replace("-", "").replace("_", "").isalnum() and value.isascii()
    )


def object_url(request, route: str, lookup: str, obj) -> str:
    """`request.build_absolute_uri(route_path(...))`: a 50-row page of mergers names 500 objects.

    The absolute URL before and after the key is built once per request (kept on the request:
    the scheme, host and language are the request's); a plain key (`_plain`) goes between them
    as it is, since neither reverse()'s quoting nor build_absolute_uri's changes it. Any other
    key takes the whole way."""
    value = getattr(obj, lookup)
    if request is None:
        return route_path(route, lookup, value)
    if _plain(value):
        cache = request.__dict__.setdefault("_absolute_routes", {})
        parts = cache.get((route, lookup), False)
        if parts is False:
            parts = None
            if _route_parts(route, lookup) is not None:
                split = request.build_absolute_uri(route_path(route, lookup, _MARK)).split(_MARK)
                parts = (split[0], split[1]) if len(split) == 2 else None
            cache[(route, lookup)] = parts
        if parts is not None:
            return f"{parts[0]}{value}{parts[1]}"
    return request.build_absolute_uri(route_path(route, lookup, value))


@extend_schema_field(OpenApiTypes.URI)
class URLField(serializers.Field):
    """The object's detail endpoint, absolute: https://host/api/v1/districts/193/."""

    def __init__(self, route: str, lookup: str = "pk", **kwargs):
        self.route, self.lookup = route, lookup
        kwargs.update(read_only=True, source="*")
        super().__init__(**kwargs)

    def to_representation(self, value):
        return object_url(self.context.get("request"), self.route, self.lookup, value)


class DirectRepresentationMixin:
    # (Comments, not a docstring: the OpenAPI schema would show it as each serializer's description.)
    # A serializer whose `represent(instance, request)` builds its whole answer directly: a
    # page of 50 rows is hundreds of values, and DRF's walk over the fields, one `get_attribute`
    # and `to_representation` each, cost a third of an uncached list. DRF's walk stays the
    # reference (`represent_generic`): a test compares the two on real data for each serializer.
    #
    # `fields` is built only when something asks for it (keep_fields, for `?fields=`, or a
    # write's validation): then the answer keeps its readable fields, in its order.

    def represent(self, instance, request) -> dict:
        raise NotImplementedError

    def to_representation(self, instance):
        data = self.represent(instance, self.context.get("request"))
        fields = self.__dict__.get("fields")
        if fields is None:
            return data
        return {name: data[name] for name, field in fields.items() if not field.write_only}

    def represent_generic(self, instance):
        """DRF's own walk over the fields: what `to_representation` must equal."""
        return super().to_representation(instance)


def iso_date(value):
    """A DateField's answer: ISO 8601, None for no date."""
    return value.isoformat() if value else None


def text(value):
    """A CharField's answer."""
    return None if value is None else str(value)


def integer(value):
    """An IntegerField's answer."""
    return None if value is None else int(value)


def display_field():
    return serializers.CharField(source="__str__", read_only=True, help_text=_("Tên hiển thị của đối tượng."))


class BriefSerializer(serializers.Serializer):
    """id, url, display (and the natural key, declared by subclasses): a foreign key's value and `?brief=1`."""

    route = ""
    lookup = "pk"

    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(read_only=True)
    display = serializers.CharField(read_only=True)

    @classmethod
    def represent(cls, obj, request, names=None, display=None) -> dict:
        """`display`: `str(obj)` when the caller has it already (a district's full name)."""
        display = str(obj) if display is None else display
        data = {"id": obj.pk, "url": object_url(request, cls.route, cls.lookup, obj), "display": display}
        if cls.lookup != "pk":
            data[cls.lookup] = getattr(obj, cls.lookup)
        return data if names is None else {name: data[name] for name in names}

    def to_representation(self, instance):
        return self.represent(instance, self.context.get("request"), list(self.fields))


class BriefRelatedMixin:
    """A foreign key read as its brief object, written as its key (`brief_class.lookup`)."""

    def __init__(self, brief_class, **kwargs):
        self.brief_class = brief_class
        super().__init__(**kwargs)

    def use_pk_only_optimization(self):
        return False

    def to_representation(self, value):
        return self.brief_class.represent(value, self.context.get("request"))

    def to_internal_value(self, data):
        if isinstance(data, dict):  # a brief object sent back as it was read
            data = data.get("id" if self.brief_class.lookup == "pk" else self.brief_class.lookup)
        return super().to_internal_value(data)

    def get_choices(self, cutoff=None):
        queryset = self.get_queryset()
        if queryset is None:
            return {}
        items = queryset if cutoff is None else queryset[:cutoff]
        key = "pk" if self.brief_class.lookup == "pk" else self.brief_class.lookup
        return {getattr(item, key): self.display_value(item) for item in items}


class BriefCodeField(BriefRelatedMixin, serializers.SlugRelatedField):
    """Written as the object's `code`."""

    def __init__(self, brief_class, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(brief_class, **kwargs)


class BriefIdField(BriefRelatedMixin, serializers.PrimaryKeyRelatedField):
    """Written as the object's id."""


class BriefListField(serializers.Field):
    """A prefetched list of objects (a selector's `to_attr` list), read only, as brief objects."""

    def __init__(self, brief_class, **kwargs):
        self.brief_class = brief_class
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        request = self.context.get("request")
        return [self.brief_class.represent(obj, request) for obj in value]


class BriefFieldExtension(OpenApiSerializerFieldExtension):
    """Answers: the brief object's component; requests: the key (a code or an id)."""

    target_class = BriefRelatedMixin
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            return auto_schema.resolve_serializer(self.target.brief_class, direction).ref
        return build_basic_type(OpenApiTypes.STR if self.target.brief_class.lookup != "pk" else OpenApiTypes.INT)


class BriefListFieldExtension(OpenApiSerializerFieldExtension):
    target_class = BriefListField

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "array", "items": auto_schema.resolve_serializer(self.target.brief_class, direction).ref}


def wants_brief(query_params) -> bool:
    return query_params.get("brief", "") in BRIEF_TRUE


def check_representation_params(query_params, field_names) -> list[str] | None:
    """400 naming a bad `brief` or unknown `fields`; the fields asked for (None: all).

    `field_names`: the names a representation has, or a callable giving them (called only when
    `fields` is asked for: building a serializer costs more than most cached answers)."""
    brief = query_params.get("brief")
    if brief is not None and brief not in BRIEF_VALUES:
        raise ValidationError({"brief": [str(MSG_BAD_BRIEF % {"value": brief})]})
    fields = query_params.get("fields")
    if fields is None or not fields.strip():
        return None
    asked = [name.strip() for name in fields.split(",") if name.strip()]
    if callable(field_names):
        field_names = field_names()
    unknown = [name for name in asked if name not in field_names]
    if unknown:
        raise ValidationError(
            {"fields": [str(MSG_UNKNOWN_FIELDS % {"names": ", ".join(unknown), "allowed": ", ".join(field_names)})]}
        )
    return asked


def keep_fields(serializer, names: list[str]) -> None:
    """Drop every field not in `names` from a serializer (or a list serializer's child)."""
    target = getattr(serializer, "child", serializer)
    for name in list(target.fields):
        if name not in names:
            target.fields.pop(name)
