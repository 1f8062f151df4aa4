"""Routes of the districts API; config/api_urls.py merges every app's router into /api/v1/."""

from rest_framework.routers import SimpleRouter

from districts.api.views import DistrictViewSet, ProvinceViewSet

router = SimpleRouter()
router.register("provinces", ProvinceViewSet, basename="province")
router.register("districts", DistrictViewSet, basename="district")

urlpatterns = router.urls
