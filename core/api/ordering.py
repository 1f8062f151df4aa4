"""`?ordering=` with public names that differ from the query's: `decided_on` sorts mergers and
programmes by their decision's date (the number and date live in the register)."""

from core.api.filters import StrictOrderingFilter


class AliasOrderingFilter(StrictOrderingFilter):
    """The project's strict ordering filter (an unknown name is a 400 naming it); a name in the
    view's `ordering_aliases` sorts by the path it maps to."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        aliases = getattr(view, "ordering_aliases", {})
        if not ordering or not aliases:
            return ordering
        out = []
        for term in ordering:
            name = term.lstrip("-")
            out.append(term[: len(term) - len(name)] + aliases.get(name, name))
        return out
