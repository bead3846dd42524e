from django.urls import path

from . import views

app_name = "playbook"

urlpatterns = [
    path("c/<slug:slug>/playbook/", views.index, name="index"),
    path("c/<slug:slug>/playbook/new/", views.create, name="create"),
    path("c/<slug:slug>/playbook/propose/", views.propose_new, name="propose_new"),
    path("c/<slug:slug>/playbook/evidence/", views.evidence, name="evidence"),
    path("c/<slug:slug>/playbook/preview/", views.preview, name="preview"),
    path("c/<slug:slug>/playbook/proposals/", views.proposals, name="proposals"),
    path("c/<slug:slug>/playbook/proposals/<int:pk>/", views.proposal, name="proposal"),
    path(
        "c/<slug:slug>/playbook/proposals/<int:pk>/decide/",
        views.proposal_decide,
        name="proposal_decide",
    ),
    path("c/<slug:slug>/playbook/<slug:page>/", views.page, name="page"),
    path("c/<slug:slug>/playbook/<slug:page>/edit/", views.edit, name="edit"),
    path("c/<slug:slug>/playbook/<slug:page>/move/", views.move, name="move"),
    path("c/<slug:slug>/playbook/<slug:page>/propose/", views.propose, name="propose"),
    path("c/<slug:slug>/playbook/<slug:page>/history/", views.history, name="history"),
    path(
        "c/<slug:slug>/playbook/<slug:page>/history/<int:number>/",
        views.revision,
        name="revision",
    ),
    path(
        "c/<slug:slug>/playbook/<slug:page>/history/<int:number>/restore/",
        views.restore,
        name="restore",
    ),
    path("lessons/<int:pk>/to-playbook/", views.promote, name="promote"),
]
