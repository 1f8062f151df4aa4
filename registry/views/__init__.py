"""Web pages for provincial staff, one module per entity, on the generic views of core.views.

Every page needs a login and the model's permission (view for pages, add/change for forms).
A form checks shapes; the service decides. A service refusal is put back on the form, next
to the field it names, with the user's input kept; nothing is half-saved.
"""
