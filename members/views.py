from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from .forms import ProfileForm


@login_required
def profile_edit(request):
    form = ProfileForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile has been saved."))
        return redirect("members:profile_edit")
    return render(request, "members/profile_form.html", {"form": form})


@login_required
def profile(request, pk: int):
    member = get_object_or_404(get_user_model().objects.filter(is_active=True), pk=pk)
    return render(request, "members/user_detail.html", {"member": member})
