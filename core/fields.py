"""Model field shapes every app uses."""

from django.conf import settings
from django.db import models


def optional_link(to, *, related_name: str, verbose_name, **options) -> models.ForeignKey:
    """A link that may be empty and keeps what it points to from being deleted (PROTECT)."""
    return models.ForeignKey(
        to,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
        **options,
    )


def recorded_by(verbose_name) -> models.ForeignKey:
    """The user who recorded a row; the row stays when the user is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )
