"""Provinces and districts as JSON: natural keys (GSO codes) everywhere."""

from rest_framework import serializers

from districts.models import District, Province


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name"]


class DistrictSerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="code", read_only=True)
    successor = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = District
        fields = ["code", "name", "kind", "province", "established_on", "dissolved_on", "successor"]
