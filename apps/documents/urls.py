from django.urls import path

from apps.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.document_index, name="list"),
    path("upload/", views.upload, name="upload"),
    path("review/", views.review_queue, name="review-queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("<uuid:document_id>/review/", views.review, name="review"),
    path("<uuid:document_id>/", views.document_detail, name="detail"),
    path("<uuid:document_id>/retry/", views.retry, name="retry"),
    path("<uuid:document_id>/archive/", views.archive, name="archive"),
    path("<uuid:document_id>/restore/", views.restore, name="restore"),
    path("<uuid:document_id>/reopen/", views.reopen, name="reopen"),
    path("<uuid:document_id>/file/", views.original_file, name="file"),
    path("<uuid:document_id>/pages/<int:page>.png", views.page_image, name="page"),
]
