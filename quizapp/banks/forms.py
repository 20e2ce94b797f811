"""Forms of the public pages: searching banks and questions."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from ..domain.fields import TAG_RE
from ..domain.search import MAX_QUERY_CHARS

NOT_A_TAG = "That is not a tag: choose one from the list, or any tag."


class SearchForm(FlaskForm):
    """Words to look for, and optionally one tag. Sent with GET: it changes nothing."""

    class Meta:
        csrf = False

    q = StringField(
        "Words to look for",
        description="Every word must begin a word of the question; case and accents do not matter.",
        render_kw={"type": "search", "maxlength": MAX_QUERY_CHARS, "autocomplete": "off", "spellcheck": "false"},
    )
    tag = SelectField(
        "Only questions tagged",
        default="",
        validate_choice=False,  # a well-formed tag no question has simply finds nothing
        validators=[Optional(), Length(max=64, message=NOT_A_TAG), Regexp(TAG_RE, message=NOT_A_TAG)],
    )

    def offer(self, tags: Sequence[str]) -> SearchForm:
        """Offer ``tags``, and the tag asked for if it is well formed but not among them."""
        asked = self.tag.data
        extra = [asked] if asked and asked not in tags and TAG_RE.match(asked) else []
        self.tag.choices = [SelectChoice("", "Any tag"), *(SelectChoice(t, t) for t in [*tags, *extra])]
        return self
