from django import forms

from approvals.models import Vote
from items.forms import COMMENT_MAX, INT_MAX


class VoteForm(forms.Form):
    vote = forms.ChoiceField(choices=Vote.choices)
    to_state = forms.IntegerField(min_value=0, max_value=INT_MAX)
    round = forms.IntegerField(min_value=1, max_value=INT_MAX)
    # Only for a retrospective approval of an emergency move: the state it left.
    from_state = forms.IntegerField(min_value=0, max_value=INT_MAX, required=False)
    comment = forms.CharField(required=False, max_length=COMMENT_MAX)


class ReleaseVoteForm(forms.Form):
    vote = forms.ChoiceField(choices=Vote.choices)
    comment = forms.CharField(required=False, max_length=COMMENT_MAX)
