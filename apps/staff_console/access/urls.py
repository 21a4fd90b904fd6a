"""Mounted at /staff/access/ with the namespace "staff-access"."""

from django.urls import path

from apps.staff_console.access import views

app_name = "staff-access"

urlpatterns = [
    path("", views.home, name="home"),
    path("tenants/<uuid:tenant_id>/request/", views.request_access, name="request"),
    path("tenants/<uuid:tenant_id>/break-glass/", views.break_glass, name="break-glass"),
    path("<uuid:elevation_id>/approve/", views.approve, name="approve"),
    path("<uuid:elevation_id>/deny/", views.deny, name="deny"),
    path("<uuid:elevation_id>/end/", views.end, name="end"),
    path("<uuid:elevation_id>/review/", views.review_break_glass, name="review"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/items/<uuid:item_id>/", views.decide_item, name="decide-item"),
    path("roles/", views.roles, name="roles"),
]
