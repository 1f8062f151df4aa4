"""Provinces and districts as JSON: natural keys (GSO codes) everywhere, NetBox-style.

A district's name is `District.full_name` ("Thành phố Hạ Long") everywhere in the API, the
reports included; the bare name is `short_name`.
"""

from rest_framework import serializers

from core.api.representations import (
    BriefCodeField,
    BriefSerializer,
    DirectRepresentationMixin,
    URLField,
    display_field,
    iso_date,
    object_url,
    text,
)
from districts.models import District, Province


class BriefProvinceSerializer(BriefSerializer):
    route, lookup = "province-detail", "code"
    code = serializers.CharField(read_only=True)


class BriefDistrictSerializer(BriefSerializer):
    route, lookup = "district-detail", "code"
    code = serializers.CharField(read_only=True)


class ProvinceSerializer(serializers.ModelSerializer):
    url = URLField("province-detail", "code")
    display = display_field()

    class Meta:
        model = Province
        fields = ["id", "url", "display", "code", "name"]


class DistrictSerializer(DirectRepresentationMixin, serializers.ModelSerializer):
    url = URLField("district-detail", "code")
    display = display_field()
    name = serializers.CharField(source="full_name", read_only=True)
    short_name = serializers.CharField(source="name", read_only=True)
    province = BriefCodeField(BriefProvinceSerializer, read_only=True)
    successor = BriefCodeField(BriefDistrictSerializer, read_only=True, allow_null=True)

    class Meta:
        model = District
        fields = [
            "id",
            "url",
            "display",
            "code",
            "name",
            "short_name",
            "kind",
            "province",
            "established_on",
            "dissolved_on",
            "successor",
        ]

    def represent(self, district, request) -> dict:
        # Built directly (core.api.representations.DirectRepresentationMixin): a district's
        # answer is the smallest of the API, and building its fields cost a tenth of it.
        # tests/api/test_direct_representations.py checks it against DRF's walk.
        successor = district.successor
        return {
            "id": district.pk,
            "url": object_url(request, "district-detail", "code", district),
            "display": str(district),
            "code": text(district.code),
            "name": text(district.full_name),
            "short_name": text(district.name),
            "kind": district.kind,
            "province": BriefProvinceSerializer.represent(district.province, request),
            "established_on": iso_date(district.established_on),
            "dissolved_on": iso_date(district.dissolved_on),
            "successor": None if successor is None else BriefDistrictSerializer.represent(successor, request),
        }
