"""Routes of the register's API (agency types, agencies, programmes, mergers, headcounts,
decisions); config/api_urls.py merges every app's router into /api/v1/."""

from rest_framework.routers import SimpleRouter

from registry.api.views import (
    AgencyTypeViewSet,
    AgencyViewSet,
    DecisionViewSet,
    HeadcountViewSet,
    MergerViewSet,
    ProgrammeViewSet,
)

router = SimpleRouter()
router.register("agency-types", AgencyTypeViewSet, basename="agencytype")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("programmes", ProgrammeViewSet, basename="programme")
router.register("mergers", MergerViewSet, basename="merger")
router.register("headcounts", HeadcountViewSet, basename="headcount")
router.register("decisions", DecisionViewSet, basename="decision")

urlpatterns = router.urls
