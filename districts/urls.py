from django.urls import path

from districts import views

app_name = "districts"

urlpatterns = [
    path("<str:code>/", views.DistrictDetailView.as_view(), name="district"),
]
