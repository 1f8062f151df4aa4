"""What every app's services do alike when they change a record."""

from django.core.exceptions import ValidationError


def set_fields(obj, data: dict, fields) -> None:
    """Copy onto `obj` the `fields` that `data` gives (a partial update leaves the others)."""
    for name in fields:
        if name in data:
            setattr(obj, name, data[name])


def refuse_key_change(obj, data: dict, message, field: str = "code") -> None:
    """A record's natural key identifies it (fixtures, URLs, the API): refused on its field if changed."""
    if field in data and data[field] != getattr(obj, field):
        raise ValidationError({field: ValidationError(message, code="fixed")})
