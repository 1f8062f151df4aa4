"""What every endpoint under /api/ shares: permissions, pagination, CSV, errors, ETags, schema.

Split in small modules because REST_FRAMEWORK settings name several of these classes, and
DRF imports them while rest_framework.views is still loading.
"""
