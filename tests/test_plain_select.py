"""iiz.forms.PlainSelect: the same select as Django's, built without a template per option."""

import re

from django import forms

from iiz.forms import PlainSelect

CHOICES = [("", "all"), (1, "Zenklusen <Peter>"), (2, "Théler & Co"), ("Group", [(3, "three"), (4, "four")])]


def parsed(html: str) -> list[tuple[str, str, bool]]:
    options = re.findall(r'<option value="([^"]*)"([^>]*)>(.*?)</option>', html, re.S)
    return [(value, label.strip(), "selected" in rest) for value, rest, label in options]


def test_the_options_attributes_and_selection_are_djangos():
    for value in ("", 2, "3", None):
        django = forms.Select(choices=CHOICES).render("who", value, attrs={"id": "id_who", "class": "form-select"})
        plain = PlainSelect(choices=CHOICES).render("who", value, attrs={"id": "id_who", "class": "form-select"})
        assert parsed(plain) == parsed(django)
        assert 'name="who"' in plain and 'id="id_who"' in plain and 'class="form-select"' in plain
    html = PlainSelect(choices=CHOICES).render("who", 1)
    assert "Zenklusen &lt;Peter&gt;" in html and "Théler &amp; Co" in html and '<optgroup label="Group">' in html
    assert parsed(html)[1] == ("1", "Zenklusen &lt;Peter&gt;", True)
