"""An empty URL configuration: the security center's links when its pages are not mounted."""

urlpatterns: list = []
