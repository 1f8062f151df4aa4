"""Provinces and districts as JSON: natural keys (GSO codes) everywhere, NetBox-style.

A district's name is `District.full_name` ("Thành phố Hạ Long") everywhere in the API, the
reports included; the bare name is `short_name`.
"""

from rest_framework import serializers

from core.api.representations import BriefCodeField, BriefSerializer, URLField, display_field
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


class DistrictSerializer(serializers.ModelSerializer):
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
