"""Forms for posts and the conversation: validation only; views hand the data to services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagField
from taggit.utils import edit_string_for_tags

from .. import attachments
from ..models import Comment, Post, Reaction
from ..querysets import DEFAULT_FEED_SORT
from ..services import REQUIRED, content_fields

MARKDOWN_HELP = _("Markdown works: **bold**, *italic*, lists and links.")


class PostForm(forms.Form):
    """The structured form of an experience or a challenge.

    Which fields are required depends on the button: publishing needs the essentials,
    a draft only a title. The HTML `required` attribute is left to the server so that
    "Save draft" never gets blocked by the browser.
    """

    title = forms.CharField(label=_("Title"), max_length=200)
    situation = forms.CharField(label=_("Situation and context"), widget=forms.Textarea)
    tried = forms.CharField(label=_("What I tried"), widget=forms.Textarea)
    happened = forms.CharField(label=_("What happened"), widget=forms.Textarea)
    outcome = forms.ChoiceField(
        label=_("How did it turn out?"),
        choices=[
            (Post.Outcome.WORKED, _("It worked")),
            (Post.Outcome.MIXED, _("Mixed results")),
            (Post.Outcome.FAILED, _("It did not work")),
        ],
        widget=forms.RadioSelect,
    )
    learned = forms.CharField(label=_("What I learned"), widget=forms.Textarea)
    recommend = forms.CharField(label=_("What I would recommend"), widget=forms.Textarea)
    help_wanted = forms.CharField(label=_("What would help"), widget=forms.Textarea)
    tags = TagField(
        label=_("Topics"),
        help_text=_("Separate topics with commas, for example: handover, night shift."),
    )

    LABELS = {
        Post.Kind.EXPERIENCE: {
            "title": (_("Title"), _("One line that says what you tried.")),
            "situation": (
                _("Situation and context"),
                _("Where, who, what was at stake. Leave out names and anything confidential."),
            ),
            "tried": (_("What I tried"), MARKDOWN_HELP),
            "happened": (_("What happened"), _("The good and the bad, as it really went.")),
            "learned": (
                _("What I learned"),
                _("The lesson someone else could use. This is what the feed shows."),
            ),
            "recommend": (
                _("What I would recommend"),
                _("To someone about to try the same thing."),
            ),
        },
        Post.Kind.CHALLENGE: {
            "title": (_("Your question in one line"), _("For example: How do you keep …?")),
            "situation": (_("The situation"), _("What is going on, and what is at stake.")),
            "tried": (_("What I already tried"), MARKDOWN_HELP),
            "help_wanted": (
                _("What would help"),
                _("Experiences, a method, a contact, a second opinion …"),
            ),
        },
    }

    shared_without_name = forms.BooleanField(
        label=_("Share without my name"),
        required=False,
        help_text=_(
            "Members see “a member of this community” instead of your name, here and in "
            "lists, search, notifications, digests and feeds, and the post is left out of "
            "your profile. The facilitators still see your name, for moderation. Your "
            "comments on this post are shown without your name too, and your files are "
            "listed by number, not by their names. Check your files: a document keeps "
            "what is saved in it, such as an author in its properties (photos are saved "
            "again without theirs). You can put your name on it later; that cannot be "
            "undone."
        ),
    )

    def __init__(
        self,
        *args,
        kind: str,
        publishing: bool = True,
        allow_unnamed: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.publishing = publishing
        # Offered only where the community allows it (and, when editing, while the post
        # has not been shown with its author's name).
        self.allow_unnamed = allow_unnamed
        keep = {*content_fields(kind), "tags"}
        if allow_unnamed:
            keep.add("shared_without_name")
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        required = set(REQUIRED[kind])
        for name, field in self.fields.items():
            label, help_text = self.LABELS.get(kind, {}).get(name, (field.label, field.help_text))
            field.label, field.help_text = label, help_text
            # Required-ness is checked in clean(); the label says what is needed.
            field.required = False
            field.is_essential = name in required
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 4
        self.fields["title"].widget.attrs.update(autocomplete="off")
        if "tags" in self.fields:
            self.fields["tags"].widget.attrs.update(list="community-topics", autocomplete="off")

    @classmethod
    def for_post(cls, post: Post, data=None, *, publishing: bool = True) -> PostForm:
        initial = {f: getattr(post, f) for f in content_fields(post.kind)}
        initial["tags"] = edit_string_for_tags(list(post.tags.all()))
        allow_unnamed = unnamed_choice_open(post)
        if allow_unnamed:
            initial["shared_without_name"] = post.shared_without_name
        initial["unnamed_locked"] = post.shared_without_name and not allow_unnamed
        return cls(
            data,
            kind=post.kind,
            publishing=publishing,
            allow_unnamed=allow_unnamed,
            initial=initial,
        )

    def clean(self):
        cleaned = super().clean()
        asked = forms.BooleanField(required=False).to_python(self.data.get("shared_without_name"))
        # A published post shared without name stays so; only "Put my name on it" (with
        # its confirmation) changes that, so a stale form's tick is no error there.
        locked = bool(self.initial.get("unnamed_locked"))
        if not self.allow_unnamed and asked and not locked:
            raise forms.ValidationError(
                _("This community does not allow posts without a name."), code="unnamed"
            )
        if self.publishing:
            names, message = REQUIRED[self.kind], _("Please fill this in before publishing.")
        else:
            names, message = ("title",), _("A draft needs at least a title.")
        for name in names:
            # A field that already has an error (say, too long) is not also empty.
            if name in self.errors:
                continue
            if name in self.fields and not str(cleaned.get(name) or "").strip():
                self.add_error(name, message)
        return cleaned

    def service_data(self) -> dict:
        return {f: self.cleaned_data.get(f) or "" for f in content_fields(self.kind)}

    def service_tags(self) -> list[str]:
        return list(self.cleaned_data.get("tags") or [])

    def service_unnamed(self) -> bool | None:
        """Shared without name (True/False), or None where the choice is not offered."""
        if "shared_without_name" not in self.fields:
            return None
        return bool(self.cleaned_data.get("shared_without_name"))


def unnamed_choice_open(post: Post) -> bool:
    """Does editing `post` offer "Share without my name"? Until it is published (a draft,
    or a post waiting for approval), where the community allows it or the author chose
    it already. Once published, the author reveals themselves on the post page only,
    after a confirmation."""
    if post.published_at is not None or post.revealed_at is not None:
        return False
    return post.shared_without_name or post.community.allows_unnamed_posts


class FeedFilterForm(forms.Form):
    SORTS = [
        ("newest", _("Newest")),
        ("active", _("Most active")),
        ("helpful", _("Most helpful")),
    ]
    SHOW = [
        ("", _("Everything")),
        (Post.Kind.EXPERIENCE, _("Experiences")),
        (Post.Kind.CHALLENGE, _("Challenges")),
        ("open", _("Open challenges")),
    ]

    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)
    kind = forms.ChoiceField(label=_("Show"), choices=SHOW, required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("Any outcome")), *Post.Outcome.choices],
        required=False,
    )
    tag = forms.CharField(required=False, widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("sort", "kind", "outcome"):
            self.fields[name].widget.attrs["data-autosubmit"] = ""

    def filters(self) -> dict:
        """Keyword arguments for `PostQuerySet.for_feed`; invalid values are ignored."""
        data = self.cleaned_data if self.is_valid() else {}
        kind = data.get("kind", "")
        return {
            "sort": data.get("sort") or DEFAULT_FEED_SORT,
            "kind": "" if kind == "open" else kind,
            "open_challenges": kind == "open",
            "outcome": data.get("outcome", ""),
            "tag": (data.get("tag") or "").strip(),
        }


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=Comment.BODY_MAX_CHARS,
        help_text=_("Markdown works. Mention a member with @ and their handle, e.g. @ada-osei."),
        error_messages={"required": _("Write something before you send the comment.")},
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CommentEditForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["body"]
        labels = {"body": _("Your comment")}
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["body"].max_length = Comment.BODY_MAX_CHARS
        self.fields["body"].validators.append(MaxLengthValidator(Comment.BODY_MAX_CHARS))
        self.fields["body"].widget.attrs["maxlength"] = str(Comment.BODY_MAX_CHARS)


class AppliedForm(forms.Form):
    note = forms.CharField(
        label=_("How did it go? (optional)"),
        max_length=280,
        required=False,
        help_text=Reaction._meta.get_field("note").help_text,
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it hidden?"),
        max_length=300,
        required=False,
        help_text=_("The author sees this reason."),
    )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files from one `<input type="file" multiple>`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


# The reply form's file fields carry this prefix: it can be on the page next to the
# comment form.
REPLY_FILES = "reply"


class AttachmentsForm(forms.Form):
    """The files sent with a post or comment form, checked by their content.

    Next to the new files (`files`): earlier uploads of this person still pending
    (`pending`, ticked to keep them: they were sent with a form that came back with a
    problem) and, when editing, the files already attached that are to be taken off
    (`remove`). After validation `checked` holds every new file that passed, even when
    another did not, so the view can keep those and nothing needs choosing again.
    """

    files = MultipleFileField(label=_("Files"), required=False)

    def __init__(self, *args, user, existing=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.limits = attachments.Limits.from_settings()
        self.fields["files"].widget.attrs.update(accept=attachments.ACCEPT)
        self.fields["files"].help_text = _(
            "Images, PDF, text, CSV, Markdown, Word, Excel or PowerPoint files: up to "
            "%(count)d files, each at most %(size)s, %(total)s in all."
        ) % {
            "count": self.limits.max_files,
            "size": filesizeformat(self.limits.max_bytes),
            "total": filesizeformat(self.limits.max_total_bytes),
        }
        self.user = user
        self.existing = list(existing)
        self.checked: list[attachments.CheckedFile] = []
        self.pending = []
        self.removed: set[int] = set()
        if self.is_bound:
            self.pending = list(attachments.pending_of(user, self.data.getlist("pending")))
            wanted = {str(i) for i in self.data.getlist("remove")}
            self.removed = {a.pk for a in self.existing if str(a.pk) in wanted}

    @property
    def kept(self) -> list:
        return [a for a in self.existing if a.pk not in self.removed]

    def check_and_keep(self) -> bool:
        """Check the files sent (with any button, a preview too) and store those that
        pass as the person's pending uploads, so that a form that comes back with a
        problem loses none of them: they are listed ticked and attached when it is sent
        again. True when nothing was refused (or nothing was sent)."""
        if not self.is_bound:
            return True
        valid = self.is_valid()
        for checked in self.checked:
            self.pending.append(attachments.attachment_upload(uploader=self.user, checked=checked))
        self.checked = []
        return valid

    def clean_files(self):
        problems = []
        for upload in self.cleaned_data.get("files") or []:
            try:
                self.checked.append(attachments.check_file(upload, limits=self.limits))
            except ValidationError as error:
                problems.append(error)
        try:
            attachments.check_room(
                existing=attachments.sizes([*self.kept, *self.pending]),
                adding=[checked.size for checked in self.checked],
                limits=self.limits,
            )
        except ValidationError as error:
            problems.append(
                ValidationError(
                    _("%(problem)s Untick the files you do not need.")
                    % {"problem": " ".join(error.messages)},
                    code=error.code,
                )
            )
        if problems:
            raise ValidationError(problems)
        return self.cleaned_data.get("files")
