from django.urls import path

from practices.views import moderation, reports

from .views import (
    charter,
    directory,
    health,
    home,
    images,
    joining,
    manage,
    manage_charter,
    manage_invitations,
    manage_members,
    manage_onboarding,
    members,
    onboarding,
)

app_name = "communities"

urlpatterns = [
    path("communities/", directory.directory, name="directory"),
    path("communities/mine/", directory.mine, name="mine"),
    path("communities/new/", directory.create, name="create"),
    path("invitations/<str:token>/", joining.invitation, name="invitation"),
    path("invitations/stop/<str:token>/", joining.invitations_stop, name="invitations_stop"),
    path("c/<slug:slug>/", home.detail, name="detail"),
    path("c/<slug:slug>/cover/", images.cover, name="cover"),
    path("c/<slug:slug>/join/", joining.join, name="join"),
    path("c/<slug:slug>/leave/", joining.leave, name="leave"),
    path("c/<slug:slug>/charter/", charter.charter, name="charter"),
    path("c/<slug:slug>/charter/accept/", charter.charter_accept, name="charter_accept"),
    path("c/<slug:slug>/members/", members.members, name="members"),
    path(
        "c/<slug:slug>/onboarding/profile/",
        onboarding.onboarding_profile,
        name="onboarding_profile",
    ),
    path("c/<slug:slug>/onboarding/intro/", onboarding.onboarding_intro, name="onboarding_intro"),
    path(
        "c/<slug:slug>/onboarding/pinned/", onboarding.onboarding_pinned, name="onboarding_pinned"
    ),
    # Facilitators
    path("c/<slug:slug>/manage/", manage.details, name="manage"),
    path("c/<slug:slug>/manage/launch/", manage.launch, name="manage_launch"),
    path("c/<slug:slug>/manage/charter/", manage_charter.charter, name="manage_charter"),
    path(
        "c/<slug:slug>/manage/charter/rules/<int:pk>/",
        manage_charter.rule_edit,
        name="manage_rule",
    ),
    path(
        "c/<slug:slug>/manage/charter/rules/<int:pk>/move/",
        manage_charter.rule_move,
        name="manage_rule_move",
    ),
    path(
        "c/<slug:slug>/manage/charter/rules/<int:pk>/delete/",
        manage_charter.rule_delete,
        name="manage_rule_delete",
    ),
    path(
        "c/<slug:slug>/manage/charter/publish/",
        manage_charter.charter_publish,
        name="manage_charter_publish",
    ),
    path("c/<slug:slug>/manage/questions/", manage_onboarding.questions, name="manage_questions"),
    path(
        "c/<slug:slug>/manage/onboarding/", manage_onboarding.onboarding, name="manage_onboarding"
    ),
    path("c/<slug:slug>/manage/requests/", manage_members.requests, name="manage_requests"),
    path(
        "c/<slug:slug>/manage/requests/<int:pk>/",
        manage_members.request_decide,
        name="manage_request_decide",
    ),
    path(
        "c/<slug:slug>/manage/invitations/",
        manage_invitations.invitations,
        name="manage_invitations",
    ),
    path(
        "c/<slug:slug>/manage/invitations/<int:pk>/revoke/",
        manage_invitations.invitation_revoke,
        name="manage_invitation_revoke",
    ),
    path(
        "c/<slug:slug>/manage/invitations/<int:pk>/resend/",
        manage_invitations.invitation_resend,
        name="manage_invitation_resend",
    ),
    path("c/<slug:slug>/manage/members/", manage_members.members, name="manage_members"),
    path(
        "c/<slug:slug>/manage/members/<int:pk>/",
        manage_members.member_action,
        name="manage_member",
    ),
    path("c/<slug:slug>/manage/archive/", manage.archive, name="manage_archive"),
    path("c/<slug:slug>/manage/health/", health.health, name="manage_health"),
    path(
        "c/<slug:slug>/manage/health/export.csv",
        health.health_export,
        name="manage_health_export",
    ),
    path("c/<slug:slug>/restore/", manage.restore, name="restore"),
    # Reporting, reviews and the facilitators' review queue
    path(
        "c/<slug:slug>/posts/<int:pk>/report/",
        reports.report_post,
        name="report_post",
    ),
    path(
        "c/<slug:slug>/comments/<int:pk>/report/",
        reports.report_comment,
        name="report_comment",
    ),
    path(
        "c/<slug:slug>/posts/<int:pk>/review/",
        reports.request_review_post,
        name="request_review_post",
    ),
    path(
        "c/<slug:slug>/comments/<int:pk>/review/",
        reports.request_review_comment,
        name="request_review_comment",
    ),
    path("c/<slug:slug>/manage/reports/", moderation.queue, name="manage_reports"),
    path(
        "c/<slug:slug>/manage/reports/posts/<int:pk>/",
        moderation.review_post,
        name="manage_review_post",
    ),
    path(
        "c/<slug:slug>/manage/reports/comments/<int:pk>/",
        moderation.review_comment,
        name="manage_review_comment",
    ),
    path(
        "c/<slug:slug>/manage/reports/waiting/<int:pk>/",
        moderation.approve_post,
        name="manage_approve_post",
    ),
    path("c/<slug:slug>/manage/log/", moderation.log, name="manage_log"),
    path("c/<slug:slug>/manage/safeguards/", moderation.safeguards, name="manage_safeguards"),
]
