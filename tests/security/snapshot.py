"""What the database holds, to prove that a refused write wrote nothing."""

from django.apps import apps


def snapshot() -> dict:
    """Per model of the districts and mergers apps (with their history tables): row count and rows' versions;
    for many-to-many link tables (a programme's source types, a merger's sources, an editor's
    districts, and their history), every row: a refused write must not add or drop a link either."""
    state = {}
    for app in ("districts", "mergers"):
        for model in apps.get_app_config(app).get_models(include_auto_created=True):
            queryset = model.objects.all()
            if model._meta.auto_created:  # a many-to-many link table
                rows = tuple(queryset.order_by("pk").values_list())
            elif any(f.name == "version" for f in model._meta.fields) and not model.__name__.startswith("Historical"):
                rows = tuple(queryset.order_by("pk").values_list("pk", "version"))
            else:
                rows = ()
            state[model._meta.label] = (queryset.count(), rows)
    return state
