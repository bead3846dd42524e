from django.urls import path

from . import health_views, manage_views, moderation_views, views

app_name = "communities"

urlpatterns = [
    path("communities/", views.directory, name="directory"),
    path("communities/mine/", views.mine, name="mine"),
    path("communities/new/", views.create, name="create"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("c/<slug:slug>/", views.detail, name="detail"),
    path("c/<slug:slug>/join/", views.join, name="join"),
    path("c/<slug:slug>/leave/", views.leave, name="leave"),
    path("c/<slug:slug>/charter/", views.charter, name="charter"),
    path("c/<slug:slug>/charter/accept/", views.charter_accept, name="charter_accept"),
    path("c/<slug:slug>/members/", views.members, name="members"),
    path("c/<slug:slug>/onboarding/profile/", views.onboarding_profile, name="onboarding_profile"),
    path("c/<slug:slug>/onboarding/intro/", views.onboarding_intro, name="onboarding_intro"),
    path("c/<slug:slug>/onboarding/pinned/", views.onboarding_pinned, name="onboarding_pinned"),
    # Facilitators
    path("c/<slug:slug>/manage/", manage_views.details, name="manage"),
    path("c/<slug:slug>/manage/launch/", manage_views.launch, name="manage_launch"),
    path("c/<slug:slug>/manage/charter/", manage_views.charter, name="manage_charter"),
    path(
        "c/<slug:slug>/manage/charter/rules/<int:pk>/",
        manage_views.rule_edit,
        name="manage_rule",
    ),
    path(
        "c/<slug:slug>/manage/charter/rules/<int:pk>/move/",
        manage_views.rule_move,
        name="manage_rule_move",
    ),
    path(
        "c/<slug:slug>/manage/charter/rules/<int:pk>/delete/",
        manage_views.rule_delete,
        name="manage_rule_delete",
    ),
    path(
        "c/<slug:slug>/manage/charter/publish/",
        manage_views.charter_publish,
        name="manage_charter_publish",
    ),
    path("c/<slug:slug>/manage/questions/", manage_views.questions, name="manage_questions"),
    path("c/<slug:slug>/manage/onboarding/", manage_views.onboarding, name="manage_onboarding"),
    path("c/<slug:slug>/manage/requests/", manage_views.requests, name="manage_requests"),
    path(
        "c/<slug:slug>/manage/requests/<int:pk>/",
        manage_views.request_decide,
        name="manage_request_decide",
    ),
    path("c/<slug:slug>/manage/invitations/", manage_views.invitations, name="manage_invitations"),
    path(
        "c/<slug:slug>/manage/invitations/<int:pk>/revoke/",
        manage_views.invitation_revoke,
        name="manage_invitation_revoke",
    ),
    path(
        "c/<slug:slug>/manage/invitations/<int:pk>/resend/",
        manage_views.invitation_resend,
        name="manage_invitation_resend",
    ),
    path("c/<slug:slug>/manage/members/", manage_views.members, name="manage_members"),
    path(
        "c/<slug:slug>/manage/members/<int:pk>/",
        manage_views.member_action,
        name="manage_member",
    ),
    path("c/<slug:slug>/manage/archive/", manage_views.archive, name="manage_archive"),
    path("c/<slug:slug>/manage/health/", health_views.health, name="manage_health"),
    path(
        "c/<slug:slug>/manage/health/export.csv",
        health_views.health_export,
        name="manage_health_export",
    ),
    path("c/<slug:slug>/restore/", manage_views.restore, name="restore"),
    # Reporting, reviews and the facilitators' review queue
    path(
        "c/<slug:slug>/posts/<int:pk>/report/",
        moderation_views.report_post,
        name="report_post",
    ),
    path(
        "c/<slug:slug>/comments/<int:pk>/report/",
        moderation_views.report_comment,
        name="report_comment",
    ),
    path(
        "c/<slug:slug>/posts/<int:pk>/review/",
        moderation_views.request_review_post,
        name="request_review_post",
    ),
    path(
        "c/<slug:slug>/comments/<int:pk>/review/",
        moderation_views.request_review_comment,
        name="request_review_comment",
    ),
    path("c/<slug:slug>/manage/reports/", moderation_views.queue, name="manage_reports"),
    path(
        "c/<slug:slug>/manage/reports/posts/<int:pk>/",
        moderation_views.review_post,
        name="manage_review_post",
    ),
    path(
        "c/<slug:slug>/manage/reports/comments/<int:pk>/",
        moderation_views.review_comment,
        name="manage_review_comment",
    ),
    path(
        "c/<slug:slug>/manage/reports/waiting/<int:pk>/",
        moderation_views.approve_post,
        name="manage_approve_post",
    ),
    path("c/<slug:slug>/manage/log/", moderation_views.log, name="manage_log"),
    path("c/<slug:slug>/manage/safeguards/", moderation_views.safeguards, name="manage_safeguards"),
]
