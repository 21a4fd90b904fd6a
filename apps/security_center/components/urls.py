"""Mounted at /staff/components/ by apps.security_center.urls."""

from django.urls import path

from apps.security_center.components import views

urlpatterns = [
    path("", views.gallery, name="components"),
    path("<slug:component>/<slug:state>/", views.component_state, name="component-state"),
]
